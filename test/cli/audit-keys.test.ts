/** `tresor audit` and `tresor keys` as child processes on an embedded data folder. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { tresor } from '../support/cli.ts';

describe('tresor audit and keys (local mode)', () => {
  it('verifies the chain, exports JSON lines, and exits 7 once a row was edited', async () => {
    const env = { TRESOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'tresor-cli-')), TRESOR_LOG_LEVEL: 'error' };
    const created = await tresor(['users', 'create', 'root@example.test', '--admin'], env, 'a long admin password\n');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^created administrator root@example.test/);
    const ok = await tresor(['audit', 'verify'], env);
    expect(ok).toMatchObject({ code: 0, stdout: 'audit chain intact: 1 rows\n' });
    const exported = await tresor(['audit', 'export'], env);
    const lines = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string; targetName: string });
    expect(lines).toEqual([expect.objectContaining({ action: 'user.created', targetName: 'root@example.test' })]);
    expect(exported.stdout).not.toContain('a long admin password');

    const status = await tresor(['keys', 'status', '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ currentVersion: 1, versions: [{ version: 1, dataKeys: 0 }] });

    // Edit the row behind Tresor's back.
    const db = new PGlite(join(env.TRESOR_DATA_DIR, 'pglite'));
    await db.query("update audit_events set target_name = 'someone-else@example.test'");
    await db.close();
    const broken = await tresor(['audit', 'verify'], env);
    expect(broken.code).toBe(7);
    expect(broken.stderr.trim()).toBe('tresor: Audit chain broken at row 1: its content does not match its hash: the row was edited');
  }, 60_000);
});
