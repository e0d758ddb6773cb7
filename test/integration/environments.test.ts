/**
 * Environments (issue "Spaces"): a space declares them in order, the first being its default (its
 * secrets' own values); each secret holds one sealed value per environment with its own versions; a
 * module asks with an environment (or the node's default) and gets that value or "not set in …"; a
 * value is copied between environments without anyone seeing it, on record; removing an environment
 * destroys its values; the seals name the environment, and a space's key rotation moves them all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor } from '../../src/tresor.ts';
import { databaseKinds, type FreshDatabase, freshDatabase, testConfig } from '../support/databases.ts';
import { outcomeOf } from '../support/outcome.ts';
import { createUser } from '../support/principals.ts';

describe.each(databaseKinds)('environments on %s', (kind) => {
  let database: FreshDatabase;
  let t: Tresor;
  let admin: Principal;
  let member: Principal & { email: string };
  let viewer: Principal & { email: string };
  let stranger: Principal;
  const config = testConfig();
  const rows = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    (await t.database.raw.query<T>(sql, params)) as T[];
  const password = (principal: Principal, ref: string, environment?: string) =>
    t.use(Password, principal, ref, environment ? { environment } : {}).then((u) => u.value.password);

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await createTresor(config, { database: database.handle, logger: createLogger('silent') });
    const user = await t.bootstrap.createAdministrator({ email: 'env-admin@example.test', password: 'x'.repeat(12) });
    admin = { kind: 'user', id: user.id };
    member = await createUser(t, admin, 'env-member', ['SECRET_MANAGEMENT_CREATE']);
    viewer = await createUser(t, admin, 'env-viewer');
    stranger = await createUser(t, admin, 'env-stranger');
    await t.spaces.create(admin, { name: 'payments' });
    await t.spaces.setRole(admin, 'payments', { user: 'env-admin@example.test' }, 'admin');
    await t.spaces.setRole(admin, 'payments', { user: member.email }, 'member');
    await t.spaces.setRole(admin, 'payments', { user: viewer.email }, 'viewer');
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  it('a space without environments has one value for every environment, and refuses a value for one', async () => {
    // The member's own secret, which the whole space sees (the viewer its metadata, nobody its values).
    await t.secrets.create(member, {
      type: 'password',
      name: 'db',
      space: 'payments',
      visibility: 'space',
      fields: { password: 'only-pw' },
    });
    expect(await password(member, 'payments/db', 'production')).toBe('only-pw');
    expect(await t.secrets.environments(member, 'payments/db')).toEqual([]);
    await expect(
      t.secrets.setEnvironment(member, 'payments/db', 'production', { fields: { password: 'p' } }),
    ).rejects.toThrow(/declares no environments/);
  });

  it("declares environments in order; the first holds the secrets' own values, the others start unset", async () => {
    await t.spaces.addEnvironment(admin, 'payments', 'production');
    await t.spaces.addEnvironment(admin, 'payments', 'Staging');
    expect((await t.spaces.environments(member, 'payments')).map((e) => [e.name, e.default])).toEqual([
      ['production', true],
      ['staging', false],
    ]);
    expect(await outcomeOf(t.spaces.addEnvironment(admin, 'payments', 'staging'))).toBe('CONFLICT:environment');
    expect(await outcomeOf(t.spaces.addEnvironment(admin, 'payments', 'Not ok!'))).toBe(
      'VALIDATION_FAILED:environment',
    );
    expect(await password(member, 'payments/db')).toBe('only-pw');
    expect(await password(member, 'payments/db', 'production')).toBe('only-pw');
    await expect(password(member, 'payments/db', 'staging')).rejects.toThrow('"db" is not set in staging');
    await expect(password(member, 'payments/db', 'qa')).rejects.toThrow(
      'Space "payments" has no environment "qa" (it has production, staging)',
    );
    const side = await t.secrets.environments(member, 'payments/db');
    expect(side.map((e) => [e.environment, e.default, e.set, e.version])).toEqual([
      ['production', true, true, 1],
      ['staging', false, false, undefined],
    ]);
    expect(side[0]!.sealed).toEqual(['password']);
    expect(JSON.stringify(side)).not.toContain('only-pw');
  });

  it("sets one environment's value with versions of its own, and a module gets the one it asks for", async () => {
    expect(
      await t.secrets.setEnvironment(member, 'payments/db', 'staging', { fields: { password: 'staging-pw-1' } }),
    ).toEqual({ environment: 'staging', version: 1 });
    // Empty keeps that environment's stored value: no new value, but a version (the reason).
    await t.secrets.setEnvironment(member, 'payments/db', 'staging', {
      fields: { password: 'staging-pw-2' },
      reason: 'rotated',
    });
    expect(await password(member, 'payments/db', 'staging')).toBe('staging-pw-2');
    expect(await password(member, 'payments/db')).toBe('only-pw');
    const versions = await t.secrets.environmentVersions(member, 'payments/db', 'staging');
    expect(versions.map((v) => [v.version, v.reason])).toEqual([
      [2, 'rotated'],
      [1, 'updated'],
    ]);
    expect((await t.secrets.versions(member, 'payments/db')).map((v) => v.version)).toEqual([1]);
    // The default environment's value is the secret's own: set through the one update path.
    expect(
      await t.secrets.setEnvironment(member, 'payments/db', 'production', { fields: { password: 'prod-pw' } }),
    ).toEqual({ environment: '', version: 2 });
    expect(await password(member, 'payments/db')).toBe('prod-pw');
    // A viewer sees the environments side by side, changes none, uses none.
    expect((await t.secrets.environments(viewer, 'payments/db')).map((e) => e.set)).toEqual([true, true]);
    expect(
      await outcomeOf(t.secrets.setEnvironment(viewer, 'payments/db', 'staging', { fields: { password: 'v' } })),
    ).toBe('ACCESS_DENIED');
    expect(await outcomeOf(password(viewer, 'payments/db', 'staging'))).toBe('NOT_FOUND');
    expect(await outcomeOf(t.secrets.environments(stranger, 'payments/db'))).toBe('NOT_FOUND');
  });

  it('the node default environment applies where a use names none, in the spaces that declare it', async () => {
    const node = await createTresor(
      { ...config, environment: 'staging' },
      {
        database: database.handle,
        logger: createLogger('silent'),
      },
    );
    try {
      expect(await node.use(Password, member, 'payments/db').then((u) => u.value.password)).toBe('staging-pw-2');
      expect((await node.use(Password, member, 'payments/db', { environment: 'production' })).value.password).toBe(
        'prod-pw',
      );
      await t.secrets.create(admin, { type: 'password', name: 'plain', fields: { password: 'plain-pw' } });
      // The default space declares none: its one value.
      expect((await node.use(Password, admin, 'plain')).value.password).toBe('plain-pw');
    } finally {
      await node.close();
    }
  });

  it('copies a value between environments without showing it, on record', async () => {
    await t.secrets.create(member, {
      type: 'password',
      name: 'psp',
      space: 'payments',
      fields: { password: 'canary-copied-value' },
    });
    expect(await t.secrets.copyEnvironment(member, 'payments/psp', { from: 'production', to: 'staging' })).toEqual({
      environment: 'staging',
      version: 1,
    });
    expect(await password(member, 'payments/psp', 'staging')).toBe('canary-copied-value');
    expect(await outcomeOf(t.secrets.copyEnvironment(member, 'payments/psp', { from: 'staging', to: 'staging' }))).toBe(
      'VALIDATION_FAILED:to',
    );
    const [copied] = await rows<{ details: Record<string, unknown> }>(
      "select details from audit_events where action = 'secret.updated' and details->>'copiedFrom' is not null",
    );
    expect(copied!.details).toMatchObject({ environment: 'staging', copiedFrom: 'production', version: 1 });
    const trail = JSON.stringify(await rows('select * from audit_events'));
    expect(trail).not.toContain('canary-copied-value');
    expect(trail).not.toContain('staging-pw');
    // Copied back into the default: the secret's own value, by the update path (a new version of it).
    await t.secrets.setEnvironment(member, 'payments/psp', 'staging', { fields: { password: 'canary-staging' } });
    expect(
      await t.secrets.copyEnvironment(member, 'payments/psp', { from: 'staging', to: 'production' }),
    ).toMatchObject({ environment: '', version: 2 });
    expect(await password(member, 'payments/psp')).toBe('canary-staging');
  });

  it('binds each value to its environment: a row moved to another environment opens in none', async () => {
    const [own] = await rows<{ id: string }>("select id from secrets where name = 'db'");
    await t.database.raw.query(
      "update secret_versions set environment = 'staging-moved' where secret_id = $1 and environment = 'staging'",
      [own!.id],
    );
    await t.database.raw.query(
      "update secret_versions set environment = 'staging' where secret_id = $1 and environment = 'staging-moved'",
      [own!.id],
    );
    t.cache.invalidate({ scope: 'all' });
    expect(await password(member, 'payments/db', 'staging')).toBe('staging-pw-2');
    // The staging value's row claimed as the secret's own (the default environment's): its seal refuses it.
    const [kept] = await rows<{ payload: Buffer; data_key: Buffer }>(
      "select payload, data_key from secret_versions where secret_id = $1 and environment = '' and version = 2",
      [own!.id],
    );
    await t.database.raw.query(
      `update secret_versions set payload = s.payload, data_key = s.data_key, kek_version = s.kek_version
         from secret_versions s
        where secret_versions.secret_id = $1 and secret_versions.environment = '' and secret_versions.version = 2
          and s.secret_id = $1 and s.environment = 'staging' and s.version = 2`,
      [own!.id],
    );
    t.cache.invalidate({ scope: 'all' });
    await expect(password(member, 'payments/db', 'production')).rejects.toThrow(/integrity check/);
    await t.database.raw.query(
      "update secret_versions set payload = $2, data_key = $3 where secret_id = $1 and environment = '' and version = 2",
      [own!.id, kept!.payload, kept!.data_key],
    );
    t.cache.invalidate({ scope: 'all' });
    expect(await password(member, 'payments/db', 'production')).toBe('prod-pw');
  });

  it("a space's key rotation moves every environment's values; each still opens", async () => {
    await t.secrets.setEnvironment(member, 'payments/db', 'production', { fields: { password: 'prod-pw-again' } });
    const rotated = await t.spaces.rotateKey(admin, 'payments');
    const behind = await rows<{ n: number }>(
      `select count(*)::int as n from secret_versions v join secrets s on s.id = v.secret_id
        join spaces sp on sp.id = s.space_id
       where sp.name = 'payments' and (v.key_space_id is null or v.kek_version <> $1)`,
      [rotated.version],
    );
    expect(behind[0]!.n).toBe(0);
    t.cache.invalidate({ scope: 'all' });
    expect(await password(member, 'payments/db', 'staging')).toBe('staging-pw-2');
    expect(await password(member, 'payments/psp', 'staging')).toBe('canary-staging');
    expect(await password(member, 'payments/db')).toBe('prod-pw-again');
  });

  it('removing an environment is for the space admins, asks first, destroys its values; the default goes last', async () => {
    expect(await outcomeOf(t.spaces.addEnvironment(member, 'payments', 'qa'))).toBe('ACCESS_DENIED');
    expect(await outcomeOf(t.spaces.removeEnvironment(member, 'payments', 'staging'))).toBe('ACCESS_DENIED');
    expect(await outcomeOf(t.spaces.environments(stranger, 'payments'))).toBe('NOT_FOUND');
    const refusals = await rows<{ n: number }>(
      "select count(*)::int as n from audit_events where action = 'access.denied' and details->>'operation' = 'space-environments'",
    );
    expect(refusals[0]!.n).toBe(2);
    expect(await outcomeOf(t.spaces.removeEnvironment(admin, 'payments', 'production'))).toBe('CONFLICT:environment');
    expect(await outcomeOf(t.spaces.removeEnvironment(admin, 'payments', 'staging'))).toBe('CONFLICT:force');
    expect(await t.spaces.removeEnvironment(admin, 'payments', 'staging', { force: true })).toEqual({
      versionsDestroyed: 4,
    });
    expect(await rows("select 1 from secret_versions where environment = 'staging'")).toHaveLength(0);
    await expect(password(member, 'payments/db', 'staging')).rejects.toThrow(/no environment "staging"/);
    // The last one, the default: the secrets keep their own values, as a space without environments.
    expect(await t.spaces.removeEnvironment(admin, 'payments', 'production')).toEqual({ versionsDestroyed: 0 });
    expect(await password(member, 'payments/db', 'anything')).toBe('prod-pw-again');
    const removed = await rows<{ details: Record<string, unknown> }>(
      "select details from audit_events where action = 'space.environment_removed' order by id",
    );
    expect(removed.map((r) => r.details)).toEqual([
      { environment: 'staging', versionsDestroyed: 4 },
      { environment: 'production', versionsDestroyed: 0 },
    ]);
  });
});
