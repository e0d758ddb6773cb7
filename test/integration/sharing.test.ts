import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../credential-types/api-key.ts';
import { Password } from '../../credential-types/password.ts';
import { Smtp } from '../../credential-types/smtp.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { createGroup, createUser } from '../support/principals.ts';

const full = ['SECRET_MANAGEMENT_CREATE', 'SECRET_MANAGEMENT_UPDATE', 'SECRET_MANAGEMENT_DELETE'] as const;

describe.each(databaseKinds)('sharing engine and use() on %s', (kind) => {
  let t: TestTresor;
  let owner: { kind: 'user'; id: string; email: string };
  let friend: { kind: 'user'; id: string; email: string };
  let team: { id: string; name: string };
  let teammate: { kind: 'user'; id: string; email: string };
  beforeAll(async () => {
    t = await testTresor(kind, { TRESOR_LAST_USED_FLUSH_MS: '600000' });
    team = await createGroup(t.tresor, t.admin, 'team');
    owner = await createUser(t.tresor, t.admin, 'owner', [...full]);
    friend = await createUser(t.tresor, t.admin, 'friend', [...full]);
    teammate = await createUser(t.tresor, t.admin, 'teammate', [], [team.name]);
  });
  afterAll(() => t?.close());

  const password = (name: string, by: Principal = owner) =>
    t.tresor.secrets.create(by, { type: 'password', name, fields: { username: 'svc', password: `${name}-value` } });

  it('a user share appears in the recipient store with non-secret fields only, and is usable', async () => {
    const s = await password('for-friend');
    expect((await t.tresor.secrets.list(friend)).map((m) => m.name)).not.toContain('for-friend');
    await t.tresor.shares.share(owner, s.id, { user: friend.email });
    expect((await t.tresor.secrets.list(friend)).map((m) => m.name)).toContain('for-friend');
    const detail = await t.tresor.secrets.describe(friend, 'for-friend');
    expect(detail.fields).toEqual({ username: 'svc' });
    expect((await t.tresor.use(Password, friend, 'for-friend')).value.password).toBe('for-friend-value');
  });

  it('a group share is usable by members but never appears in their store, nor can they read it', async () => {
    const s = await password('for-team');
    await t.tresor.shares.share(owner, s.id, { group: team.name });
    expect((await t.tresor.secrets.list(teammate)).map((m) => m.name)).not.toContain('for-team');
    await expect(t.tresor.secrets.describe(teammate, 'for-team')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await t.tresor.use(Password, teammate, 'for-team')).value.password).toBe('for-team-value');
    // A module acting for the group itself may use it too.
    expect((await t.tresor.use(Password, { kind: 'group', id: team.id }, 'for-team')).value.password).toBe(
      'for-team-value',
    );
  });

  it('takes access away at once when the membership is removed', async () => {
    const member = await createUser(t.tresor, t.admin, 'leaver', [], [team.name]);
    const s = await password('membership-gate');
    await t.tresor.shares.share(owner, s.id, { group: team.name });
    await t.tresor.use(Password, member, s.id);
    await t.tresor.groups.removeMember(t.admin, team.name, member.id);
    await expect(t.tresor.use(Password, member, s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('removes an unshared secret from the store at once', async () => {
    const s = await password('unshared-soon');
    const share = await t.tresor.shares.share(owner, s.id, { user: friend.id });
    expect((await t.tresor.secrets.list(friend)).map((m) => m.name)).toContain('unshared-soon');
    await t.tresor.shares.unshare(owner, s.id, share.id);
    expect((await t.tresor.secrets.list(friend)).map((m) => m.name)).not.toContain('unshared-soon');
    await expect(t.tresor.use(Password, friend, s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('names the field when sharing with someone unknown, twice, or with the owner', async () => {
    const s = await password('share-errors');
    await expect(t.tresor.shares.share(owner, s.id, { user: 'nobody@example.test' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'user',
      message: 'Invalid input: user: Cannot share with "nobody@example.test": no active user you may share with',
    });
    await expect(t.tresor.shares.share(owner, s.id, { group: 'no-such-group' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'group',
    });
    await expect(t.tresor.shares.share(owner, s.id, { user: owner.email })).rejects.toMatchObject({
      field: 'user',
      message: 'Invalid input: user: The owner already has this secret',
    });
    await t.tresor.shares.share(owner, s.id, { user: friend.email });
    await expect(t.tresor.shares.share(owner, s.id, { user: friend.email })).rejects.toMatchObject({
      code: 'CONFLICT',
      field: 'user',
    });
    expect(await t.tresor.shares.shares(owner, s.id)).toHaveLength(1);
  });

  it('enforces the SMTP sharing rule declared on the type', async () => {
    const smtp = { host: 'smtp.example.test', username: 'mailer', password: 'smtp-pw' };
    await expect(
      t.tresor.secrets.create(owner, { type: 'smtp', name: 'smtp-outsider', fields: smtp }),
    ).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: 'Only members of group "system" may create SMTP outgoing server secrets',
    });
    const insider = await createUser(t.tresor, t.admin, 'insider', [...full], ['system']);
    const s = await t.tresor.secrets.create(insider, { type: 'smtp', name: 'smtp-relay', fields: smtp });
    const shares = await t.tresor.shares.shares(insider, s.id);
    expect(shares.map((x) => [x.kind, x.label])).toEqual([['group', 'system']]);
    await expect(t.tresor.shares.unshare(insider, s.id, shares[0]!.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'SMTP outgoing server secrets must stay shared with group "system"',
    });
    // The mail module acts for `system` and may use it.
    const system = await t.tresor.groups.find('system');
    expect((await t.tresor.use(Smtp, { kind: 'group', id: system.id }, 'smtp-relay')).value.password).toBe('smtp-pw');
  });

  it('refuses an expired secret with EXPIRED, and a wrong type with WRONG_TYPE', async () => {
    const s = await t.tresor.secrets.create(owner, {
      type: 'api-key',
      name: 'old-key',
      fields: { key: 'k', expiresOn: '2020-01-01' },
    });
    await expect(t.tresor.use(ApiKey, owner, s.id)).rejects.toMatchObject({ code: 'EXPIRED' });
    await expect(t.tresor.use(ApiKey, t.admin, s.id)).rejects.toMatchObject({ code: 'NOT_FOUND' }); // a stranger learns nothing, not even that it expired
    await password('typed');
    await expect(t.tresor.use(ApiKey, owner, 'typed')).rejects.toMatchObject({
      code: 'WRONG_TYPE',
      message: 'Secret "typed" is a Password, not a API key',
    });
  });

  it('lists what a principal may use, by type, without expired ones', async () => {
    const mine = await t.tresor.secrets.create(friend, { type: 'api-key', name: 'usable-own', fields: { key: 'a' } });
    const viaGroup = await t.tresor.secrets.create(owner, {
      type: 'api-key',
      name: 'usable-team',
      fields: { key: 'b' },
    });
    await t.tresor.shares.share(owner, viaGroup.id, { group: team.name });
    await t.tresor.groups.addMember(t.admin, team.name, friend.id);
    await t.tresor.secrets.create(friend, {
      type: 'api-key',
      name: 'usable-expired',
      fields: { key: 'c', expiresOn: '2001-01-01' },
    });
    const names = (await t.tresor.usage.findUsable(ApiKey, friend)).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining([mine.name, viaGroup.name]));
    expect(names).not.toContain('usable-expired');
    expect(names).not.toContain('old-key');
    expect((await t.tresor.usage.findUsable(ApiKey, { kind: 'group', id: team.id })).map((m) => m.name)).toEqual([
      'usable-team',
    ]);
  });

  it('stamps last used without a write per use: many uses, one pending stamp, written on flush', async () => {
    const s = await password('stamped');
    expect((await t.tresor.secrets.get(owner, s.id)).lastUsedAt).toBeNull();
    const before = Date.now();
    const pending = t.tresor.lastUsed.pendingCount;
    await Promise.all(Array.from({ length: 20 }, () => t.tresor.use(Password, owner, s.id)));
    expect(t.tresor.lastUsed.pendingCount).toBe(pending + 1); // twenty uses, one stamp to write
    expect((await t.tresor.secrets.get(owner, s.id)).lastUsedAt).toBeNull(); // not yet written
    await t.tresor.close(); // flushes; the database stays open (the suite owns it)
    const stamped = (await t.tresor.secrets.get(owner, s.id)).lastUsedAt;
    expect(stamped!.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });
});
