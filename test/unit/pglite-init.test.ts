/**
 * A new embedded data folder is unpacked from the build's template (initdb and every
 * migration done) or, when there is none, made by initdb in a child process; either way the
 * folder opens as a database, with the page cache Tresor asked for. A damaged template or a
 * folder that holds something else stops the start and leaves nothing that looks like a database.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDurablePglite } from '../../src/db/durable-pglite.ts';
import { migrationsFolder } from '../../src/db/migrate.ts';
import { createDatabaseFolder, hasDatabase, initInChild, templateFile } from '../../src/db/pglite-init.ts';

async function opens(folder: string): Promise<string> {
  const db = openDurablePglite(folder, { sharedBuffers: '16MB' });
  try {
    const [row] = (await db.query<{ shared_buffers: string }>('show shared_buffers')).rows;
    await db.exec('create table t (x int); insert into t values (1)');
    return row!.shared_buffers;
  } finally {
    await db.close();
  }
}

describe('a first start of the embedded database', () => {
  it('runs initdb in a child process when there is no template', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'tresor-initdb-')), 'pglite');
    expect(hasDatabase(folder)).toBe(false);
    await initInChild(folder, '16MB', null);
    expect(hasDatabase(folder)).toBe(true);
    expect(readFileSync(join(folder, 'postgresql.conf'), 'utf8')).toMatch(/^shared_buffers = 16MB/m);
    expect(await opens(folder)).toBe('16MB');
  }, 180_000);

  it('unpacks the build’s template with every migration applied, and leaves no staging folder', async () => {
    // The suite builds dist/ first (global setup), template included.
    expect(existsSync(templateFile)).toBe(true);
    const parent = mkdtempSync(join(tmpdir(), 'tresor-template-'));
    const folder = join(parent, 'pglite');
    mkdirSync(folder); // openDatabase makes the (empty) folder before asking for a database
    await createDatabaseFolder(folder, '16MB');
    expect(hasDatabase(folder)).toBe(true);
    expect(readdirSync(parent)).toEqual(['pglite']);
    const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
      entries: unknown[];
    };
    const db = openDurablePglite(folder, { sharedBuffers: '16MB' });
    try {
      const [row] = (await db.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations')).rows;
      expect(row!.n).toBe(journal.entries.length);
      expect((await db.query('select locale from users')).fields.map((f) => f.name)).toEqual(['locale']);
    } finally {
      await db.close();
    }
    expect(await opens(folder)).toBe('16MB');
  }, 180_000);

  it('also loads the template in a child PGlite (the fallback path keeps working)', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'tresor-template-child-')), 'pglite');
    await initInChild(folder, '16MB');
    expect(hasDatabase(folder)).toBe(true);
    expect(await opens(folder)).toBe('16MB');
  }, 180_000);

  it('refuses a damaged template and a folder that holds something else, leaving no database behind', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'tresor-template-bad-'));
    const damaged = join(parent, 'damaged.tar.gz');
    const whole = readFileSync(templateFile);
    writeFileSync(damaged, whole.subarray(0, Math.floor(whole.length / 2)));
    const folder = join(parent, 'pglite');
    await expect(createDatabaseFolder(folder, '16MB', damaged)).rejects.toThrow(/damaged|unexpected end|truncated/i);
    expect(hasDatabase(folder)).toBe(false);
    const occupied = join(parent, 'occupied');
    mkdirSync(occupied);
    writeFileSync(join(occupied, 'notes.txt'), 'mine');
    await expect(createDatabaseFolder(occupied, '16MB')).rejects.toThrow(/holds files but no database/);
    expect(readdirSync(occupied)).toEqual(['notes.txt']);
  }, 180_000);
});
