/**
 * Upgrades never drift: a database made by an earlier commit's migrations — 0005, 0012 and
 * 0013 as they were first committed, before they were edited — and then migrated by today's
 * has the schema of a fresh database: tables and columns, constraints, indexes, functions
 * and triggers, on both databases.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { migrate, migrationsFolder } from '../../src/db/migrate.ts';
import { databaseKinds, type FreshDatabase, freshDatabase } from '../support/databases.ts';

const firstCommitted = resolve(import.meta.dirname, '../fixtures/migrations-as-first-committed');

/** The migrations folder as it was before `beforeTag` (exclusive), with the edited files as first committed. */
function earlierFolder(beforeTag: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'tresor-migrations-'));
  cpSync(migrationsFolder, folder, { recursive: true });
  for (const file of ['0005_audit_append.sql', '0012_webhooks.sql', '0013_oauth2_connections.sql'])
    cpSync(join(firstCommitted, file), join(folder, file));
  const journalFile = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((e) => e.tag === beforeTag);
  for (const dropped of journal.entries.slice(cut)) rmSync(join(folder, `${dropped.tag}.sql`));
  journal.entries = journal.entries.slice(0, cut);
  writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}

/** Everything the migrations make, in a form two databases can be compared by (column order aside). */
async function schemaOf(handle: DatabaseHandle): Promise<Record<string, unknown[]>> {
  const q = (text: string) => handle.raw.query(text);
  return {
    columns: await q(`select table_name, column_name, data_type, is_nullable, column_default
      from information_schema.columns where table_schema = 'public' order by 1, 2`),
    constraints: await q(`select conrelid::regclass::text as on_table, conname, pg_get_constraintdef(oid) as def
      from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`),
    indexes: await q(`select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by 1, 2`),
    functions: await q(`select p.proname, pg_get_function_identity_arguments(p.oid) as args, md5(p.prosrc) as body
      from pg_proc p where p.pronamespace = 'public'::regnamespace order by 1, 2`),
    triggers: await q(`select t.tgname, pg_get_triggerdef(t.oid) as def from pg_trigger t
      join pg_class c on c.oid = t.tgrelid where not t.tgisinternal and c.relnamespace = 'public'::regnamespace
      order by 1`),
  };
}

describe.each(databaseKinds)('upgrading an earlier database on %s', (kind) => {
  const opened: FreshDatabase[] = [];
  const open = async () => {
    const db = await freshDatabase(kind);
    opened.push(db);
    return db.handle;
  };
  afterAll(async () => {
    for (const db of opened) await db.drop();
  });

  it('ends with the schema of a fresh database: tables, constraints, indexes, functions, triggers', async () => {
    const fresh = await open();
    await migrate(fresh);
    const upgraded = await open();
    await migrate(upgraded, earlierFolder('0014_entered_secrets'));
    await migrate(upgraded);
    expect(await schemaOf(upgraded)).toEqual(await schemaOf(fresh));
  });

  it('would drift without the repair: the first-committed texts left another schema behind', async () => {
    const fresh = await open();
    await migrate(fresh);
    const drifted = await open();
    await migrate(drifted, earlierFolder('0015_repair_drift'));
    const [a, b] = [await schemaOf(drifted), await schemaOf(fresh)];
    expect(a.functions).not.toEqual(b.functions);
    expect(a.columns).not.toEqual(b.columns);
  });

  it('puts every secret of a database from before spaces into the default space, its versions and shares intact', async () => {
    const handle = await open();
    await migrate(handle, earlierFolder('0023_spaces'));
    const q = (text: string) => handle.raw.query(text);
    await q(`insert into users (id, email, display_name) values
      ('11111111-1111-4111-8111-111111111111', 'old@example.test', 'Old')`);
    await q(`insert into groups (id, name) values ('22222222-2222-4222-8222-222222222222', 'old-team')`);
    for (const [id, name] of [
      ['33333333-3333-4333-8333-333333333331', 'Mail-Relay'],
      ['33333333-3333-4333-8333-333333333332', 'jira'],
    ]) {
      await q(`insert into secrets (id, name, type_id, owner_id, version) values
        ('${id}', '${name}', 'api-key', '11111111-1111-4111-8111-111111111111', 1)`);
      await q(`insert into secret_versions (secret_id, version, payload, data_key, kek_version) values
        ('${id}', 1, '\\x00', '\\x00', 1)`);
    }
    await q(`insert into secret_shares (secret_id, group_id) values
      ('33333333-3333-4333-8333-333333333332', '22222222-2222-4222-8222-222222222222')`);
    await migrate(handle);
    expect(await q(`select name, space_id, visibility from secrets order by lower(name)`)).toEqual([
      { name: 'jira', space_id: '00000000-0000-4000-8000-000000000001', visibility: 'private' },
      { name: 'Mail-Relay', space_id: '00000000-0000-4000-8000-000000000001', visibility: 'private' },
    ]);
    expect(await q(`select name from spaces`)).toEqual([{ name: 'default' }]);
    expect(await q(`select count(*)::int as n from secret_versions`)).toEqual([{ n: 2 }]);
    expect(await q(`select count(*)::int as n from secret_shares`)).toEqual([{ n: 1 }]);
    // Names are unique per space now, still case-insensitively.
    await expect(
      q(`insert into secrets (name, type_id, version) values ('mail-relay', 'api-key', 1)`),
    ).rejects.toThrow();
    await q(`insert into spaces (name) values ('payments')`);
    await q(`insert into secrets (name, type_id, version, space_id)
      select 'mail-relay', 'api-key', 1, id from spaces where name = 'payments'`);
    expect(await q(`select count(*)::int as n from secrets where lower(name) = 'mail-relay'`)).toEqual([{ n: 2 }]);
  });
});
