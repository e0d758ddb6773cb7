/**
 * A user's own default space (issue "Spaces"): the bare names a user gives resolve in the space they
 * chose first, then in the installation's default space; what they create without naming a space goes
 * there; only a space they hold a role in may be chosen; stored references keep meaning the
 * installation's default space; the choice is on record and every node hears of it.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor } from '../../src/tresor.ts';
import { databaseKinds, type FreshDatabase, freshDatabase, testConfig } from '../support/databases.ts';
import { outcomeOf } from '../support/outcome.ts';
import { createUser } from '../support/principals.ts';

describe.each(databaseKinds)("a user's own default space on %s", (kind) => {
  let database: FreshDatabase;
  let t: Tresor;
  let other: Tresor;
  let admin: Principal;
  let pia: Principal & { email: string };
  const config = testConfig({ TRESOR_TYPES_DIR: resolve(import.meta.dirname, '../fixtures/config-types') });
  const password = (tresor: Tresor, ref: string) => tresor.use(Password, pia, ref).then((u) => u.value.password);

  beforeAll(async () => {
    database = await freshDatabase(kind);
    t = await createTresor(config, { database: database.handle, logger: createLogger('silent') });
    // A second node on the same database: it hears of the choice on the change bus.
    other = await createTresor(config, { database: database.handle, logger: createLogger('silent') });
    const user = await t.bootstrap.createAdministrator({ email: 'home-admin@example.test', password: 'x'.repeat(12) });
    admin = { kind: 'user', id: user.id };
    pia = await createUser(t, admin, 'pia', ['SECRET_MANAGEMENT_CREATE']);
    for (const name of ['payments', 'support']) await t.spaces.create(admin, { name });
    await t.spaces.setRole(admin, 'payments', { user: pia.email }, 'member');
    await t.secrets.create(pia, { type: 'password', name: 'db', fields: { password: 'default-db' } });
    await t.secrets.create(pia, {
      type: 'password',
      name: 'db',
      space: 'payments',
      fields: { password: 'payments-db' },
    });
    await t.secrets.create(pia, { type: 'password', name: 'relay', fields: { password: 'default-relay' } });
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
    await database?.drop();
  });

  it("resolves a user's bare names in their own default space first, then in the installation's", async () => {
    expect(await t.spaces.defaultSpace(pia)).toBeNull();
    expect(await password(other, 'db')).toBe('default-db');
    expect(await t.spaces.setDefaultSpace(pia, 'Payments')).toBe('payments');
    expect(await t.spaces.defaultSpace(pia)).toBe('payments');
    // Both nodes: the choice travels with the user's facts, dropped on every node when it changes (the other
    // hears of it on the change bus, which PostgreSQL delivers a moment later).
    await vi.waitFor(async () => expect(await password(other, 'db')).toBe('payments-db'), { timeout: 20_000 });
    for (const node of [t, other]) {
      expect(await password(node, 'db')).toBe('payments-db');
      expect(await password(node, 'relay')).toBe('default-relay');
      expect(await password(node, 'default/db')).toBe('default-db');
    }
    // Another user's bare names are untouched by pia's choice: the administrator's `db` is the default space's.
    expect((await t.secrets.get(pia, 'db')).spaceId).not.toBe((await t.secrets.get(admin, 'db')).spaceId);
  });

  it('creates there without a named space, and refuses a space the user holds no role in', async () => {
    const created = await t.secrets.create(pia, { type: 'password', name: 'fresh', fields: { password: 'f' } });
    expect((await t.spaces.names.of([created.spaceId])).get(created.spaceId)).toBe('payments');
    expect(await outcomeOf(t.spaces.setDefaultSpace(pia, 'support'))).toBe('NOT_FOUND');
    expect(await outcomeOf(t.spaces.setDefaultSpace({ kind: 'system' }, 'payments'))).toBe('VALIDATION_FAILED:space');
    expect(await t.spaces.defaultSpace(pia)).toBe('payments');
  });

  it("checks a stored reference's bare name as the installation's default space's, whoever saves it", async () => {
    const jira = { siteUrl: 'https://x.atlassian.net', email: 'bot@example.test', apiToken: 'tok' };
    // Created without a space: in pia's default space, payments.
    await t.secrets.create(pia, { type: 'jira', name: 'tracker', fields: jira });
    const configuration = (credential: string, name: string) =>
      t.secrets.create(pia, {
        type: 'jira-integration',
        name,
        space: 'payments',
        fields: { credential, project: 'OPS' },
      });
    // A configuration naming `tracker` means the default space's for everyone who reads it later: there is none.
    expect(await outcomeOf(configuration('tracker', 'conf-bare'))).toMatch(/^VALIDATION_FAILED/);
    expect(await outcomeOf(configuration('payments/tracker', 'conf-spaced'))).toBe('allowed');
  });

  it("goes back to the installation's default, on record", async () => {
    expect(await t.spaces.setDefaultSpace(pia, null)).toBeNull();
    expect(await password(t, 'db')).toBe('default-db');
    await vi.waitFor(async () => expect(await password(other, 'db')).toBe('default-db'), { timeout: 20_000 });
    const rows = (await t.database.raw.query(
      "select details from audit_events where action = 'user.default_space_set' order by id",
    )) as { details: Record<string, unknown> }[];
    expect(rows.map((r) => r.details)).toEqual([{ space: 'payments' }, { space: null }]);
  });
});
