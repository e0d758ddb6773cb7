/**
 * A new embedded data folder is made in a child process, from the build's template or, when
 * there is none, by initdb; either way the folder opens as a database, with the page cache
 * Tresor asked for written into its postgresql.conf.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDurablePglite } from '../../src/db/durable-pglite.ts';
import { hasDatabase, initInChild, templateFile } from '../../src/db/pglite-init.ts';

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

  it('copies the build’s template when there is one', async () => {
    // The suite builds dist/ first (global setup), template included.
    expect(existsSync(templateFile)).toBe(true);
    const folder = join(mkdtempSync(join(tmpdir(), 'tresor-template-')), 'pglite');
    await initInChild(folder, '16MB');
    expect(hasDatabase(folder)).toBe(true);
    expect(await opens(folder)).toBe('16MB');
  }, 180_000);
});
