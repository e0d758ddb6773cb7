/**
 * Export and import keep spaces (issue "Spaces"): each secret goes back into its space, with its
 * visibility, the same name in two spaces stays two secrets, a space the target lacks is made
 * there, and one space exports on its own. PGlite to PostgreSQL when TEST_DATABASE_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { postgresUrl, type TestTresor, testTresor } from '../support/databases.ts';
import { outcomeOf } from '../support/outcome.ts';
import { createUser } from '../support/principals.ts';

const passphrase = 'a long passphrase for moving spaces';
const code = outcomeOf;

describe(`export and import with spaces, PGlite to ${postgresUrl ? 'PostgreSQL' : 'PGlite'}`, () => {
  let source: TestTresor;
  let target: TestTresor;

  beforeAll(async () => {
    source = await testTresor('pglite');
    target = await testTresor(postgresUrl ? 'postgres' : 'pglite');
    const me = systemPrincipal;
    for (const space of ['payments', 'support']) await source.tresor.spaces.create(source.admin, { name: space });
    await source.tresor.secrets.create(me, {
      type: 'password',
      name: 'db',
      space: 'payments',
      visibility: 'space',
      fields: { password: 'payments-db-password' },
    });
    await source.tresor.secrets.create(me, {
      type: 'password',
      name: 'db',
      space: 'support',
      fields: { password: 'support-db-password' },
    });
    await source.tresor.secrets.create(me, {
      type: 'api-key',
      name: 'relay-key',
      visibility: 'global',
      fields: { key: 'global-relay-key' },
    });
  });
  afterAll(async () => {
    await source?.close();
    await target?.close();
  });

  it('puts every secret back in its space with its visibility, making the spaces the target lacks', async () => {
    const { archive, secrets } = await source.tresor.transfer.exportArchive(systemPrincipal, { passphrase });
    expect(secrets).toBe(3);
    const dry = await target.tresor.transfer.importArchive(systemPrincipal, archive, { passphrase, dryRun: true });
    expect(dry.lines.map((l) => [l.as, l.outcome])).toEqual([
      ['relay-key', 'created'],
      ['payments/db', 'created'],
      ['support/db', 'created'],
    ]);
    expect(dry.lines[1]!.notes).toContain('space payments is created here: give people roles in it');
    expect((await target.tresor.spaces.list(target.admin)).map((s) => s.name)).toEqual(['default']);

    const report = await target.tresor.transfer.importArchive(systemPrincipal, archive, { passphrase });
    expect(report.counts).toEqual({ created: 3, renamed: 0, skipped: 0, failed: 0 });
    const payments = await target.tresor.secrets.get(systemPrincipal, 'payments/db');
    expect(payments.visibility).toBe('space');
    expect((await target.tresor.secrets.get(systemPrincipal, 'support/db')).visibility).toBe('private');
    expect((await target.tresor.secrets.get(systemPrincipal, 'relay-key')).visibility).toBe('global');
    // The space sees it again: a member's module there gets the value that was exported.
    const member = await createUser(target.tresor, target.admin, 'restored-member');
    await target.tresor.spaces.setRole(target.admin, 'payments', { user: member.email }, 'member');
    expect((await target.tresor.use(Password, member, 'payments/db')).value.password).toBe('payments-db-password');
    const back = await target.tresor.transfer.exportArchive(systemPrincipal, { passphrase, only: ['support/db'] });
    expect(back.secrets).toBe(1);
  });

  it('exports one space on its own, and names secrets by space/name', async () => {
    const { secrets, archive } = await source.tresor.transfer.exportArchive(systemPrincipal, {
      passphrase,
      space: 'payments',
    });
    expect(secrets).toBe(1);
    const again = await target.tresor.transfer.importArchive(systemPrincipal, archive, {
      passphrase,
      onConflict: 'rename',
    });
    expect(again.lines.map((l) => [l.as, l.outcome])).toEqual([['payments/db-2', 'renamed']]);
    // A bare name is the default space's, which has no db; a space that does not exist is named.
    expect(await code(source.tresor.transfer.exportArchive(systemPrincipal, { passphrase, only: ['db'] }))).toBe(
      'VALIDATION_FAILED:only',
    );
    expect(
      (await source.tresor.transfer.exportArchive(systemPrincipal, { passphrase, only: ['payments/db', 'support/db'] }))
        .secrets,
    ).toBe(2);
    expect(await code(source.tresor.transfer.exportArchive(systemPrincipal, { passphrase, space: 'nope' }))).toBe(
      'VALIDATION_FAILED:space',
    );
  });

  it("keeps each environment's values (and, with every version, their history), declaring the environments", async () => {
    const me = systemPrincipal;
    await source.tresor.spaces.create(source.admin, { name: 'shop' });
    for (const name of ['production', 'staging']) await source.tresor.spaces.addEnvironment(me, 'shop', name);
    await source.tresor.secrets.create(me, { type: 'password', name: 'db', space: 'shop', fields: { password: 'p1' } });
    for (const password of ['s1', 's2'])
      await source.tresor.secrets.setEnvironment(me, 'shop/db', 'staging', { fields: { password }, reason: password });
    const { archive } = await source.tresor.transfer.exportArchive(me, {
      passphrase,
      space: 'shop',
      allVersions: true,
    });
    const report = await target.tresor.transfer.importArchive(me, archive, { passphrase });
    expect(report.counts.created).toBe(1);
    expect((await target.tresor.spaces.environments(me, 'shop')).map((e) => [e.name, e.default])).toEqual([
      ['production', true],
      ['staging', false],
    ]);
    const admin = await createUser(target.tresor, target.admin, 'shop-admin');
    await target.tresor.spaces.setRole(target.admin, 'shop', { user: admin.email }, 'member');
    const used = (environment?: string) =>
      target.tresor
        .use(Password, admin, 'shop/db', environment ? { environment } : {})
        .then((u) => u.value.password)
        .catch(() => 'refused');
    // Tresor itself created it (private, no owner): shared with the member to try it.
    await target.tresor.shares.share(me, 'shop/db', { user: admin.email });
    expect([await used(), await used('staging')]).toEqual(['p1', 's2']);
    expect((await target.tresor.secrets.environmentVersions(me, 'shop/db', 'staging')).map((v) => v.reason)).toEqual([
      's2',
      's1',
    ]);
  });
});
