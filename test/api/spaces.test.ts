/**
 * Spaces (issue "Spaces", first slice): names per space and `space/name` references, space
 * roles for users and groups, visibility private / space / global, and the instance's
 * SECRET_MANAGEMENT confined to the default space. Service level and HTTP, on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../credential-types/api-key.ts';
import { type Principal, systemPrincipal } from '../../src/identity/principal.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createGroup, createUser } from '../support/principals.ts';

const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'allowed',
    (error: { code?: string }) => error.code ?? 'error',
  );

describe.each(databaseKinds)('spaces (%s)', (kind) => {
  let h: TestApp;
  let alice: Principal & { email: string }; // payments member
  let bob: Principal & { email: string }; // payments viewer
  let carol: Principal & { email: string }; // payments manager
  let dave: Principal & { email: string }; // payments admin
  let olga: Principal & { email: string }; // in group ops, a payments member through it
  let stranger: Principal & { email: string }; // no role in payments
  let instanceManager: Principal & { email: string }; // SECRET_MANAGEMENT, not in payments

  beforeAll(async () => {
    h = await testApp(kind);
    const full = ['SECRET_MANAGEMENT_CREATE', 'SECRET_MANAGEMENT_UPDATE', 'SECRET_MANAGEMENT_DELETE'] as const;
    alice = await createUser(h.tresor, h.admin, 'alice', [...full]);
    bob = await createUser(h.tresor, h.admin, 'bob', [...full]);
    carol = await createUser(h.tresor, h.admin, 'carol');
    dave = await createUser(h.tresor, h.admin, 'dave');
    const ops = await createGroup(h.tresor, h.admin, 'ops');
    olga = await createUser(h.tresor, h.admin, 'olga', [], [ops.name]);
    stranger = await createUser(h.tresor, h.admin, 'stranger', [...full]);
    instanceManager = await createUser(h.tresor, h.admin, 'manager', ['SECRET_MANAGEMENT']);
    await h.tresor.spaces.create(h.admin, { name: 'payments', description: 'The payments team' });
    await h.tresor.spaces.setRole(h.admin, 'payments', { user: dave.email }, 'admin');
    // The space's admin gives the rest their roles.
    await h.tresor.spaces.setRole(dave, 'payments', { user: alice.email }, 'member');
    await h.tresor.spaces.setRole(dave, 'payments', { user: bob.email }, 'viewer');
    await h.tresor.spaces.setRole(dave, 'payments', { user: carol.email }, 'manager');
    await h.tresor.spaces.setRole(dave, 'payments', { group: ops.name }, 'member');
  });
  afterAll(async () => {
    await h.close();
  });

  it('keeps every secret of an installation with one space in the default space, by bare name', async () => {
    const created = await h.tresor.secrets.create(alice, {
      type: 'api-key',
      name: 'shared-name',
      fields: { key: 'k0' },
    });
    expect((await h.tresor.secrets.get(alice, 'default/shared-name')).id).toBe(created.id);
    expect((await h.tresor.secrets.get(alice, 'shared-name')).id).toBe(created.id);
    expect((await h.tresor.spaces.list(alice)).map((s) => s.name)).toEqual(['default', 'payments']);
    expect((await h.tresor.spaces.list(stranger)).map((s) => s.name)).toEqual(['default']);
  });

  it('holds names per space: the same name in two spaces, each found as space/name', async () => {
    const inPayments = await h.tresor.secrets.create(alice, {
      type: 'api-key',
      name: 'shared-name',
      space: 'payments',
      fields: { key: 'k-payments' },
    });
    expect((await h.tresor.secrets.get(alice, 'payments/shared-name')).id).toBe(inPayments.id);
    expect((await h.tresor.use(ApiKey, alice, 'payments/shared-name')).value.key).toBe('k-payments');
    expect((await h.tresor.use(ApiKey, alice, 'shared-name')).value.key).toBe('k0');
    // Taken within the space: a conflict for whoever may create there.
    expect(
      await code(
        h.tresor.secrets.create(alice, {
          type: 'api-key',
          name: 'SHARED-name',
          space: 'payments',
          fields: { key: 'x' },
        }),
      ),
    ).toBe('CONFLICT');
  });

  it('tells a creator outside a space nothing: no role and no such space answer alike', async () => {
    const refusals = await Promise.all(
      ['payments', 'no-such-space'].map((space) =>
        h.tresor.secrets
          .create(stranger, { type: 'api-key', name: 'shared-name', space, fields: { key: 'x' } })
          .catch((e: Error & { code: string }) => `${e.code}: ${e.message.replace(space, 'S')}`),
      ),
    );
    expect(refusals[0]).toBe(refusals[1]);
    expect(refusals[0]).toMatch(/^ACCESS_DENIED/);
    // A viewer creates nothing either.
    expect(
      await code(h.tresor.secrets.create(bob, { type: 'api-key', name: 'b', space: 'payments', fields: { key: 'x' } })),
    ).toBe('ACCESS_DENIED');
  });

  it('lets roles and visibility decide: members use what the space sees, viewers read, managers manage', async () => {
    await h.tresor.secrets.create(alice, {
      type: 'api-key',
      name: 'team-key',
      space: 'payments',
      visibility: 'space',
      fields: { key: 'k-team' },
    });
    await h.tresor.secrets.create(alice, {
      type: 'api-key',
      name: 'alice-own',
      space: 'payments',
      fields: { key: 'k-own' },
    });
    const ref = 'payments/team-key';
    // Members (directly or through a group) use it; nobody but its owner reads a value.
    expect((await h.tresor.use(ApiKey, olga, ref)).value.key).toBe('k-team');
    // The viewer sees its metadata (and it is in the viewer's store) but its modules may not use it.
    expect((await h.tresor.secrets.get(bob, ref)).name).toBe('team-key');
    expect((await h.tresor.secrets.list(bob, { limit: 100 })).map((s) => s.name)).toContain('team-key');
    expect(await code(h.tresor.use(ApiKey, bob, ref))).toBe('NOT_FOUND');
    // Private stays private inside the space.
    expect(await code(h.tresor.secrets.get(bob, 'payments/alice-own'))).toBe('NOT_FOUND');
    expect(await code(h.tresor.use(ApiKey, olga, 'payments/alice-own'))).toBe('NOT_FOUND');
    // The space's manager manages every secret of the space, and uses none.
    expect(await code(h.tresor.secrets.update(carol, 'payments/alice-own', { description: 'managed' }))).toBe(
      'allowed',
    );
    expect(await code(h.tresor.use(ApiKey, carol, ref))).toBe('NOT_FOUND');
    // The instance's SECRET_MANAGEMENT manages the default space only: another team's space is not its.
    expect(await code(h.tresor.secrets.get(instanceManager, 'payments/alice-own'))).toBe('NOT_FOUND');
    expect(await code(h.tresor.secrets.delete(instanceManager, ref))).toBe('NOT_FOUND');
    const managed = await h.tresor.secrets.list(instanceManager, { all: true, limit: 500 });
    expect(managed.some((s) => s.name === 'alice-own')).toBe(false);
    expect(managed.some((s) => s.name === 'shared-name')).toBe(true);
    // Configuration text names it as space/name too.
    expect(await h.tresor.expressions.render("key={{ secret('payments/team-key').key }}", { as: olga })).toBe(
      'key=k-team',
    );
    // A stranger cannot tell the space's secrets exist.
    expect(await code(h.tresor.secrets.get(stranger, ref))).toBe('NOT_FOUND');
    expect(await code(h.tresor.use(ApiKey, stranger, ref))).toBe('NOT_FOUND');
  });

  it("keeps roles the space admin's: no instance power for it, none to members, joining on record", async () => {
    expect(await code(h.tresor.spaces.setRole(alice, 'payments', { user: stranger.email }, 'member'))).toBe(
      'ACCESS_DENIED',
    );
    expect(await code(h.tresor.users.list(dave))).toBe('ACCESS_DENIED');
    expect(await code(h.tresor.spaces.create(dave, { name: 'daves-own' }))).toBe('ACCESS_DENIED');
    expect(await code(h.tresor.spaces.roles(stranger, 'payments'))).toBe('NOT_FOUND');
    expect((await h.tresor.spaces.roles(bob, 'payments')).map((r) => `${r.role}:${r.name}`)).toContain(
      `member:${alice.email}`,
    );
    expect(await code(h.tresor.spaces.setRole(dave, 'payments', { user: alice.email }, 'owner'))).toBe(
      'VALIDATION_FAILED',
    );
    // An instance administrator is not in every space: it joins one, and that is on the trail.
    const me = await h.tresor.users.whoami(h.admin);
    await h.tresor.spaces.setRole(h.admin, 'payments', { user: me.user.email }, 'viewer');
    const rows = await h.tresor.audit.query(h.admin, { action: 'space.role_set', limit: 20 });
    expect(rows.some((r) => (r.details as { joined?: boolean }).joined === true)).toBe(true);
    await h.tresor.spaces.removeRole(dave, 'payments', { user: me.user.email });
    expect(await code(h.tresor.spaces.removeRole(dave, 'payments', { user: me.user.email }))).toBe('NOT_FOUND');
  });

  it("makes global secrets the instance administrators' to create and everyone's modules' to use", async () => {
    expect(
      await code(
        h.tresor.secrets.create(alice, { type: 'api-key', name: 'relay', visibility: 'global', fields: { key: 'g' } }),
      ),
    ).toBe('ACCESS_DENIED');
    expect(
      await code(
        h.tresor.secrets.create(alice, { type: 'api-key', name: 'relay', visibility: 'public', fields: { key: 'g' } }),
      ),
    ).toBe('VALIDATION_FAILED');
    await h.tresor.secrets.create(instanceManager, {
      type: 'api-key',
      name: 'relay',
      visibility: 'global',
      fields: { key: 'k-global' },
    });
    expect((await h.tresor.use(ApiKey, stranger, 'relay')).value.key).toBe('k-global');
    // Usable is not readable: its metadata stays with its owner and managers.
    expect(await code(h.tresor.secrets.get(stranger, 'relay'))).toBe('NOT_FOUND');
  });

  it('serves spaces and their roles over the REST API, and space/name in secret paths', async () => {
    const token = await h.tokenFor(dave);
    const list = await h.api('GET', '/api/v1/spaces', token);
    expect(list.statusCode).toBe(200);
    expect((list.json() as { items: Array<{ name: string }> }).items.map((s) => s.name)).toEqual([
      'default',
      'payments',
    ]);
    const put = await h.api('PUT', '/api/v1/spaces/payments/roles', token, { user: stranger.email, role: 'viewer' });
    expect(put.statusCode).toBe(204);
    const roles = await h.api('GET', '/api/v1/spaces/payments/roles', token);
    expect(JSON.stringify(roles.json())).toContain(stranger.email);
    const bad = await h.api('PUT', '/api/v1/spaces/payments/roles', token, { user: stranger.email, role: 'king' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('role');
    const created = await h.api('POST', '/api/v1/spaces', token, { name: 'nope' });
    expect(created.statusCode).toBe(403);
    const aliceToken = await h.tokenFor(alice);
    const secret = await h.api('GET', `/api/v1/secrets/${encodeURIComponent('payments/team-key')}`, aliceToken);
    expect(secret.statusCode).toBe(200);
    expect((secret.json() as { name: string }).name).toBe('team-key');
    const inSpace = await h.api('POST', '/api/v1/secrets', aliceToken, {
      type: 'api-key',
      name: 'via-api',
      space: 'payments',
      fields: { key: 'k-api' },
    });
    expect(inSpace.statusCode).toBe(201);
    expect(inSpace.json()).toMatchObject({ name: 'via-api', space: 'payments', visibility: 'private' });
    expect((await h.tresor.use(ApiKey, alice, 'payments/via-api')).value.key).toBe('k-api');
  });

  it("serves a space's key over the REST API: its versions to who sees it, rotation to its admins and KEY_ADMIN", async () => {
    // The stranger of this file was given a role in payments above: an outsider has none.
    const [daveToken, aliceToken, strangerToken] = [
      await h.tokenFor(dave),
      await h.tokenFor(alice),
      await h.tokenFor(await createUser(h.tresor, h.admin, 'outsider')),
    ];
    const status = await h.api('GET', '/api/v1/spaces/payments/key', aliceToken);
    expect(status.statusCode).toBe(200);
    const before = status.json() as { currentVersion: number; versions: { version: number; dataKeys: number }[] };
    expect(before.versions.map((v) => v.version)).toEqual([before.currentVersion]);
    // Metadata only: no key, wrapped or not, in the answer.
    expect(Object.keys(before.versions[0]!).sort()).toEqual(['createdAt', 'dataKeys', 'version']);
    expect((await h.api('GET', '/api/v1/spaces/payments/key', strangerToken)).statusCode).toBe(404);
    expect((await h.api('POST', '/api/v1/spaces/payments/key/rotate', aliceToken)).statusCode).toBe(403);
    expect((await h.api('POST', '/api/v1/spaces/payments/key/rotate', strangerToken)).statusCode).toBe(404);
    const bad = await h.api('POST', '/api/v1/spaces/payments/key/rotate', daveToken, { batchSize: 0 });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('batchSize');
    const rotated = await h.api('POST', '/api/v1/spaces/payments/key/rotate', daveToken, { batchSize: 2 });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json()).toEqual({
      version: before.currentVersion + 1,
      rewrapped: before.versions[0]!.dataKeys,
      retired: 1,
    });
    const keyAdmin = await createUser(h.tresor, h.admin, 'key-admin', ['KEY_ADMIN']);
    const again = await h.api('POST', '/api/v1/spaces/payments/key/rotate', await h.tokenFor(keyAdmin));
    expect((again.json() as { version: number }).version).toBe(before.currentVersion + 2);
    expect((await h.tresor.use(ApiKey, alice, 'payments/via-api')).value.key).toBe('k-api');
  });

  it("gives the space's admins its own audit log: its changes and secrets, deleted ones too, refusals included", async () => {
    const doomed = await h.tresor.secrets.create(alice, {
      type: 'api-key',
      name: 'doomed',
      space: 'payments',
      fields: { key: 'k-doomed' },
    });
    await h.tresor.secrets.delete(alice, doomed.id);
    await h.tresor.secrets.create(alice, { type: 'api-key', name: 'default-only', fields: { key: 'k-default' } });
    // A refusal on one of its secrets is on its log too.
    const outsider = await createUser(h.tresor, h.admin, 'outsider');
    expect(await code(h.tresor.secrets.get(outsider, 'payments/alice-own'))).toBe('NOT_FOUND');
    const token = await h.tokenFor(dave);
    const log = await h.api('GET', '/api/v1/spaces/payments/audit?limit=500', token);
    expect(log.statusCode).toBe(200);
    const items = (log.json() as { items: Array<{ action: string; targetName: string; outcome: string }> }).items;
    const seen = (action: string, target: string) => items.some((i) => i.action === action && i.targetName === target);
    expect(seen('space.created', 'payments')).toBe(true);
    expect(seen('space.role_set', 'payments')).toBe(true);
    expect(seen('secret.created', 'team-key')).toBe(true);
    expect(seen('secret.created', 'doomed')).toBe(true);
    expect(seen('secret.deleted', 'doomed')).toBe(true);
    expect(items.some((i) => i.outcome === 'denied' && i.targetName === 'alice-own')).toBe(true);
    // Nothing of another space: the default space's secrets are not the payments admin's to read about.
    expect(items.some((i) => i.targetName === 'default-only')).toBe(false);
    // Paged: the next page starts below the last row of this one.
    const first = await h.api('GET', '/api/v1/spaces/payments/audit?limit=2', token);
    const next = (first.json() as { next: number | null }).next;
    expect(next).toEqual(expect.any(Number));
    const second = await h.api('GET', `/api/v1/spaces/payments/audit?limit=2&before=${next}`, token);
    expect((second.json() as { items: Array<{ id: number }> }).items.every((i) => i.id < next!)).toBe(true);
    // A member may not read it (on record); someone without a role cannot tell the space exists.
    expect((await h.api('GET', '/api/v1/spaces/payments/audit', await h.tokenFor(alice))).statusCode).toBe(403);
    expect((await h.api('GET', '/api/v1/spaces/payments/audit', await h.tokenFor(outsider))).statusCode).toBe(404);
    const refusals = await h.tresor.audit.query(h.admin, { action: 'access.denied', limit: 50 });
    expect(refusals.some((r) => (r.details as { operation?: string }).operation === 'space-audit')).toBe(true);
  });

  it('says where each secret is in every answer, and lists one space on request', async () => {
    const token = await h.tokenFor(alice);
    const shown = await h.api('GET', `/api/v1/secrets/${encodeURIComponent('payments/team-key')}`, token);
    const payments = (await h.tresor.spaces.get(alice, 'payments')).id;
    expect(shown.json()).toMatchObject({ space: 'payments', spaceId: payments, visibility: 'space' });
    const page = (path: string) =>
      h.api('GET', path, token).then((r) => (r.json() as { items: Array<{ name: string; space: string }> }).items);
    const everything = await page('/api/v1/secrets?limit=500');
    // Her store spans both spaces; the filter keeps one, and each item names its space.
    expect(new Set(everything.map((s) => s.space))).toEqual(new Set(['default', 'payments']));
    const onlyPayments = await page('/api/v1/secrets?limit=500&space=payments');
    expect(onlyPayments.length).toBeGreaterThan(0);
    expect(onlyPayments.every((s) => s.space === 'payments')).toBe(true);
    expect(onlyPayments.length).toBe(everything.filter((s) => s.space === 'payments').length);
    // A space that does not exist lists nothing (no oracle: the same as one with nothing of hers).
    expect(await page('/api/v1/secrets?space=no-such-space')).toEqual([]);
    const updated = await h.api('PATCH', `/api/v1/secrets/${encodeURIComponent('payments/via-api')}`, token, {
      description: 'moved on',
    });
    expect((updated.json() as { secret: { space: string } }).secret.space).toBe('payments');
  });

  it('deletes a space with its secrets for instance administrators only, never the default, force when named', async () => {
    await h.tresor.spaces.create(h.admin, { name: 'doomed-team' });
    await h.tresor.spaces.setRole(h.admin, 'doomed-team', { user: dave.email }, 'admin');
    await h.tresor.spaces.setRole(h.admin, 'doomed-team', { user: alice.email }, 'member');
    const gone = await h.tresor.secrets.create(alice, {
      type: 'api-key',
      name: 'gone-key',
      space: 'doomed-team',
      fields: { key: 'k-gone' },
    });
    // The space's own admin may not delete it (on record), nor may anyone delete the default space.
    expect(await code(h.tresor.spaces.delete(dave, 'doomed-team'))).toBe('ACCESS_DENIED');
    expect(await code(h.tresor.spaces.delete(h.admin, 'default'))).toBe('CONFLICT');
    expect(await code(h.tresor.spaces.delete(h.admin, 'no-such-space'))).toBe('NOT_FOUND');
    const token = await h.tokenFor(h.admin);
    const deleted = await h.api('DELETE', '/api/v1/spaces/doomed-team', token);
    expect([deleted.statusCode, deleted.json()]).toEqual([200, { secrets: 1 }]);
    // Gone with its secret, roles and all: not found by anyone, the name free again, the trail kept.
    expect(await code(h.tresor.spaces.get(h.admin, 'doomed-team'))).toBe('NOT_FOUND');
    expect(await code(h.tresor.secrets.get(systemPrincipal, gone.id))).toBe('NOT_FOUND');
    expect(await code(h.tresor.use(ApiKey, alice, 'doomed-team/gone-key'))).toBe('NOT_FOUND');
    expect((await h.tresor.spaces.list(alice)).map((s) => s.name)).not.toContain('doomed-team');
    const rows = await h.tresor.audit.query(h.admin, { action: 'space.deleted', limit: 5 });
    expect(rows[0]).toMatchObject({ targetName: 'doomed-team', details: { secrets: 1, force: false } });
    expect((await h.tresor.audit.query(h.admin, { targetId: gone.id, limit: 5 })).length).toBeGreaterThan(0);
    await h.tresor.spaces.create(h.admin, { name: 'doomed-team' });
    expect(await code(h.tresor.secrets.get(systemPrincipal, 'doomed-team/gone-key'))).toBe('NOT_FOUND');
  });
});
