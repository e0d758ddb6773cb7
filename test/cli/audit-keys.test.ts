/** `tresor audit` and `tresor keys` as child processes on an embedded data folder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { chainHash, contentOf } from '../../src/audit/audit-chain.ts';
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
    const lines = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; targetName: string });
    expect(lines).toEqual([expect.objectContaining({ action: 'user.created', targetName: 'root@example.test' })]);
    expect(exported.stdout).not.toContain('a long admin password');

    const status = await tresor(['keys', 'status', '--json'], env);
    // The master key wraps one key: the default space's (its values are under that).
    expect(JSON.parse(status.stdout)).toMatchObject({ currentVersion: 1, versions: [{ version: 1, dataKeys: 1 }] });

    // Edit the row behind Tresor's back.
    const db = new PGlite(join(env.TRESOR_DATA_DIR, 'pglite'));
    await db.query("update audit_events set target_name = 'someone-else@example.test'");
    await db.close();
    const broken = await tresor(['audit', 'verify'], env);
    expect(broken.code).toBe(7);
    expect(broken.stderr.trim().split('\n')).toEqual([
      `local mode: acting as Tresor itself on the embedded database in ${env.TRESOR_DATA_DIR}`,
      'tresor: Audit chain broken at row 1: its content does not match its hash: the row was edited',
    ]);
  }, 180_000);

  it('compares the trail with an earlier export and exits 7 when it was rewritten since, although the chain still holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tresor-cli-'));
    const env = { TRESOR_DATA_DIR: dir, TRESOR_LOG_LEVEL: 'error' };
    expect(
      (await tresor(['users', 'create', 'root@example.test', '--admin'], env, 'a long admin password\n')).code,
    ).toBe(0);
    expect((await tresor(['users', 'create', 'second@example.test'], env, 'another long password\n')).code).toBe(0);
    const exported = await tresor(['audit', 'export'], env);
    const copy = join(dir, 'export.jsonl');
    writeFileSync(copy, exported.stdout);
    const lines = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; lane: number; hash: string });
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatchObject({ lane: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await tresor(['audit', 'verify', '--against', copy], env)).toMatchObject({
      code: 0,
      stdout: `audit chain intact: ${lines.length} rows; all ${lines.length} rows of the exported copy match\n`,
    });

    // Rewrite the first row and re-link everything after it, head included: a forger who knows the scheme.
    const db = new PGlite(join(dir, 'pglite'));
    const rows = (await db.query<Record<string, unknown>>('select * from audit_events order by id')).rows;
    let prev: Buffer = Buffer.from(rows[0]!.prev_hash as Uint8Array);
    for (const [i, r] of rows.entries()) {
      const content = {
        at: r.at as Date,
        actorId: r.actor_id as string | null,
        actorLabel: r.actor_label as string,
        principal: r.principal as string | null,
        action: r.action as string,
        targetId: r.target_id as string | null,
        targetName: i === 0 ? 'someone-else@example.test' : (r.target_name as string | null),
        outcome: r.outcome as string,
        module: r.module as string | null,
        requestId: r.request_id as string | null,
        clientAddress: r.client_address as string | null,
        details: r.details,
      };
      const hash = chainHash(prev, contentOf(content));
      await db.query('update audit_events set target_name = $1, prev_hash = $2, hash = $3 where id = $4', [
        content.targetName,
        prev,
        hash,
        r.id,
      ]);
      prev = hash;
    }
    await db.query('update audit_chain_head set hash = $1 where id = 1', [prev]);
    await db.close();
    expect(await tresor(['audit', 'verify'], env)).toMatchObject({ code: 0 });
    const rewritten = await tresor(['audit', 'verify', '--against', copy], env);
    expect(rewritten.code).toBe(7);
    expect(rewritten.stderr.trim().split('\n').at(-1)).toBe(
      `tresor: Audit row ${lines[0]!.id} differs from the exported copy: the trail was rewritten after the export`,
    );

    // A copy that is not an export is refused, naming the line and never echoing it.
    writeFileSync(copy, `${exported.stdout.split('\n')[0]}\n{"not":"a row","secret":"CANARY-line"}\n`);
    const refused = await tresor(['audit', 'verify', '--against', copy], env);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain('--against line 2');
    expect(refused.stderr).not.toContain('CANARY-line');
    for (const unreadable of [join(dir, 'missing.jsonl'), dir]) {
      const result = await tresor(['audit', 'verify', '--against', unreadable], env);
      expect(result.code).toBe(6);
      expect(result.stderr).toMatch(/--against: cannot read .* \((ENOENT|EISDIR)\)/);
    }
  }, 180_000);
});
