/**
 * Crash safety: a Tresor process changing secrets is killed with SIGKILL at random
 * moments, many times over; after each kill every secret opens, version numbers are dense,
 * shares point at live secrets and users, and the audit chain is intact.
 * Figures: kills, secrets lost or unreadable (must be 0).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor } from '../../src/tresor.ts';
import { createPostgresDatabase, type DatabaseKind, databaseKinds } from '../support/databases.ts';

const kills = Number(process.env.CRASH_KILLS ?? 4);
const worker = resolve(import.meta.dirname, 'crash-worker.ts');
const tsconfig = resolve(import.meta.dirname, '../../tsconfig.json');

async function runAndKill(env: Record<string, string>, run: number): Promise<number> {
  const child = spawn(process.execPath, ['--conditions=tresor-source', '--import', 'tsx', worker], {
    env: { ...process.env, ...env, CRASH_RUN: String(run), TSX_TSCONFIG_PATH: tsconfig, TRESOR_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let ops = 0;
  let errors = '';
  child.stderr.on('data', (c: Buffer) => (errors += c.toString()));
  await new Promise<void>((resolveReady, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      const text = c.toString();
      for (const m of text.matchAll(/ops (\d+)/g)) ops = Number(m[1]);
      if (text.includes('ready')) resolveReady();
    });
    child.on('exit', (code) => reject(new Error(`worker exited (${code}) before it was killed: ${errors}`)));
  });
  await new Promise((r) => setTimeout(r, 200 + Math.random() * 800));
  child.kill('SIGKILL');
  await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.once('exit', r) : r(null)));
  expect(errors).toBe('');
  return ops;
}

describe.each(databaseKinds)('crash safety on %s', (kind: DatabaseKind) => {
  it(`loses nothing across ${kills} SIGKILLs during create, update, rollback and share`, async () => {
    const masterKey = randomBytes(32).toString('base64');
    const target = kind === 'postgres' ? await createPostgresDatabase() : undefined;
    const env: Record<string, string> = {
      TRESOR_MASTER_KEY: masterKey,
      TRESOR_VERSIONS_KEPT: '5',
      ...(target ? { DATABASE_URL: target.url } : { TRESOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'tresor-crash-')) }),
    };
    const figures = { kills: 0, ops: 0, secrets: 0, unreadable: 0, sparseVersions: 0, auditBroken: 0 };
    try {
      for (let run = 0; run < kills; run++) {
        figures.ops += await runAndKill(env, run);
        figures.kills++;
        const tresor = await createTresor(parseConfig({ ...env, TRESOR_LOG_LEVEL: 'silent' }), {
          logger: createLogger('silent'),
        });
        try {
          const admin = { kind: 'user' as const, id: (await tresor.users.findByEmail('crash-admin@example.test'))!.id };
          const all = await tresor.secrets.list(admin, { limit: 500 });
          figures.secrets = all.length;
          for (const s of all) {
            try {
              await tresor.usage.useAny(admin, s.id);
            } catch {
              figures.unreadable++;
            }
            const versions = (await tresor.secrets.versions(admin, s.id)).map((v) => v.version);
            const expected = Array.from({ length: Math.min(5, s.version) }, (_, i) => s.version - i);
            if (JSON.stringify(versions) !== JSON.stringify(expected)) figures.sparseVersions++;
          }
          if (!(await tresor.audit.verify(admin)).ok) figures.auditBroken++;
        } finally {
          await tresor.close();
        }
      }
    } finally {
      process.stdout.write(
        `[figures] crash safety (${kind}): ${figures.kills} kills after ${figures.ops}+ operations, ${figures.secrets} secrets, ${figures.unreadable} unreadable, ${figures.sparseVersions} with gaps in versions, ${figures.auditBroken} broken audit chains\n`,
      );
      await target?.drop();
    }
    expect(figures.kills).toBe(kills);
    expect(figures.secrets).toBeGreaterThan(0);
    expect({
      unreadable: figures.unreadable,
      sparseVersions: figures.sparseVersions,
      auditBroken: figures.auditBroken,
    }).toEqual({ unreadable: 0, sparseVersions: 0, auditBroken: 0 });
  }, 300_000);
});
