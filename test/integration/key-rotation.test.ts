/**
 * Key rotation: a space's key in-process with readers running alongside, and as the real
 * `tresor spaces rotate-key` child process killed with SIGKILL mid-way, then resumed; the
 * master key, which wraps the spaces' keys.
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileKeySource } from '../../src/crypto/key-source.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor } from '../../src/tresor.ts';
import { tresor as runTresor, tresorBin } from '../support/cli.ts';
import {
  createAdmin,
  createPostgresDatabase,
  type DatabaseKind,
  databaseKinds,
  freshDatabase,
  testConfig,
} from '../support/databases.ts';

/** The secrets are owned by an administrator, who may use them. */
async function owner(t: Tresor): Promise<Principal> {
  const user = await t.users.findByEmail('rotation-owner@example.test');
  return user ? { kind: 'user', id: user.id } : createAdmin(t, 'rotation-owner@example.test');
}

async function seed(t: Tresor, count: number, prefix: string): Promise<void> {
  const actor = await owner(t);
  for (let i = 0; i < count; i++)
    await t.secrets.create(actor, {
      type: 'generic',
      name: `${prefix}-${i}`,
      fields: { entries: [{ name: 'V', value: `${prefix}-value-${i}` }] },
    });
}

async function expectAllReadable(t: Tresor, count: number, prefix: string): Promise<void> {
  const actor = await owner(t);
  for (let i = 0; i < count; i++) {
    const opened = await t.usage.useAny(actor, `${prefix}-${i}`);
    expect(opened.payload.entries).toEqual([{ name: 'V', value: `${prefix}-value-${i}` }]);
  }
}

function keyFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tresor-rot-')), 'master.keys');
  writeFileSync(path, `v1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return path;
}

describe.each(databaseKinds)('key rotation on %s', (kind) => {
  it('re-wraps every data key of a space while readers keep reading, then destroys the old version', async () => {
    const database = await freshDatabase(kind);
    const path = keyFile();
    const config = testConfig({ TRESOR_MASTER_KEY: '', TRESOR_MASTER_KEY_FILE: path });
    const logger = createLogger('silent');
    const rotator = await createTresor(config, { database: database.handle, logger });
    const reader = await createTresor(config, { database: database.handle, logger, keySource: fileKeySource(path) });
    try {
      await seed(rotator, 60, 'live');
      let reading = true;
      let reads = 0;
      const readers = (async () => {
        while (reading) {
          await expectAllReadable(reader, 60, 'live');
          reads++;
          // Yield to timers, as a reader fed by network I/O does: in-process PGlite answers with
          // microtasks only, and a loop of them would starve the rotation's settle timer.
          await new Promise((next) => setImmediate(next));
        }
      })();
      const progress: number[] = [];
      const result = await rotator.spaces.rotateKey(systemPrincipal, 'default', {
        batchSize: 7,
        onProgress: (rewrapped) => void progress.push(rewrapped),
      });
      reading = false;
      await readers;
      expect(result).toEqual({ version: 2, rewrapped: 60, retired: 1 });
      expect(progress.at(-1)).toBe(60);
      expect(progress.length).toBeGreaterThanOrEqual(9);
      expect(reads).toBeGreaterThan(0);
      const status = await rotator.spaces.keyStatus(systemPrincipal, 'default');
      expect(status.versions.map((v) => [v.version, v.dataKeys])).toEqual([[2, 60]]);
      expect(status.underMasterKey).toBe(0);
      // New secrets are wrapped with the new version.
      await rotator.secrets.create(await owner(rotator), {
        type: 'password',
        name: 'after-rotation',
        fields: { password: 'p' },
      });
      expect((await rotator.spaces.keyStatus(systemPrincipal, 'default')).versions[0]?.dataKeys).toBe(61);
      // The master key wraps the space keys: its rotation re-wraps one key, and every value still opens.
      expect(await rotator.keys.rotate(systemPrincipal)).toEqual({ targetVersion: 2, rewrapped: 1, remaining: 0 });
      const master = await rotator.keys.status(systemPrincipal);
      expect(master.versions.map((v) => [v.version, v.dataKeys, v.retiredAt !== null])).toEqual([
        [1, 0, true],
        [2, 1, false],
      ]);
      await expectAllReadable(reader, 60, 'live');
    } finally {
      await database.drop();
    }
  });

  it('survives `tresor spaces rotate-key` killed with SIGKILL mid-way, and resumes to the end', async () => {
    const path = keyFile();
    const target = await databaseTarget(kind);
    const env = { TRESOR_MASTER_KEY_FILE: path, TRESOR_LOG_LEVEL: 'warn', ...target.env };
    const open = () => createTresor(testConfig({ TRESOR_MASTER_KEY: '', ...env }), { logger: createLogger('silent') });
    try {
      let t = await open();
      await seed(t, 200, 'kill');
      await t.close();

      // Rotate slowly in a child process and kill it hard once some batches committed.
      const args = ['spaces', 'rotate-key', 'default', '--batch-size', '10', '--throttle', '30'];
      const child = spawn(process.execPath, [tresorBin, ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const killedAt = await new Promise<number>((resolve, reject) => {
        let buffer = '';
        child.stderr.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const done = [...buffer.matchAll(/(\d+) data keys re-wrapped/g)].map((m) => Number(m[1]));
          if (done.length > 0 && done.at(-1)! >= 50 && child.exitCode === null) {
            child.kill('SIGKILL');
            resolve(done.at(-1)!);
          }
        });
        child.on('exit', (code, signal) =>
          signal === 'SIGKILL'
            ? undefined
            : reject(new Error(`rotation ended (code ${code}) before it could be killed: ${buffer}`)),
        );
      });
      await new Promise((r) =>
        child.exitCode === null && child.signalCode === null ? child.once('exit', r) : r(null),
      );
      expect(child.signalCode).toBe('SIGKILL');
      expect(killedAt).toBeLessThan(200);

      // After the kill: the new version exists, some values are on it, and every secret still opens.
      t = await open();
      const status = await t.spaces.keyStatus(systemPrincipal, 'default');
      expect(status.currentVersion).toBe(2);
      const onV2 = status.versions.find((v) => v.version === 2)!.dataKeys;
      expect(onV2).toBeGreaterThanOrEqual(killedAt);
      expect(onV2).toBeLessThan(200);
      await expectAllReadable(t, 200, 'kill');
      await t.close();

      // Resume: the same command finishes the job, to the same version.
      const resumed = await runTresor(['spaces', 'rotate-key', 'default', '--batch-size', '50'], env);
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toMatch(/^rotated default to key v2: \d+ data keys re-wrapped, 1 old version destroyed/);
      t = await open();
      const after = await t.spaces.keyStatus(systemPrincipal, 'default');
      expect(after.versions.map((v) => [v.version, v.dataKeys])).toEqual([[2, 200]]);
      await expectAllReadable(t, 200, 'kill');
      await t.close();
    } finally {
      await target.drop();
    }
  }, 120_000);

  it('rotates to a version the operator added to TRESOR_MASTER_KEY, and asks for one when there is none', async () => {
    const database = await freshDatabase(kind);
    const v1 = randomBytes(32).toString('base64');
    const logger = createLogger('silent');
    try {
      const first = await createTresor(testConfig({ TRESOR_MASTER_KEY: v1 }), { database: database.handle, logger });
      await seed(first, 5, 'env');
      await expect(first.keys.rotate(systemPrincipal)).rejects.toThrow(
        /To rotate, add v2:<32 random bytes in base64> to TRESOR_MASTER_KEY and run again/,
      );
      const both = `v1:${v1},v2:${randomBytes(32).toString('base64')}`;
      const second = await createTresor(testConfig({ TRESOR_MASTER_KEY: both }), { database: database.handle, logger });
      // The master key wraps the default space's key: that one key is re-wrapped.
      expect(await second.keys.rotate(systemPrincipal)).toMatchObject({ targetVersion: 2, rewrapped: 1 });
      await expectAllReadable(second, 5, 'env');
      // v1 is retired: a node may now start without it.
      const onlyV2 = both.split(',')[1]!;
      const third = await createTresor(testConfig({ TRESOR_MASTER_KEY: onlyV2 }), {
        database: database.handle,
        logger,
      });
      await expectAllReadable(third, 5, 'env');
    } finally {
      await database.drop();
    }
  });
});

/** A database a child process can reach: a PostgreSQL database, or a PGlite data folder. */
async function databaseTarget(kind: DatabaseKind): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (kind === 'postgres') {
    const created = await createPostgresDatabase();
    return { env: { DATABASE_URL: created.url }, drop: created.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tresor-data-'));
  return { env: { TRESOR_DATA_DIR: dir }, drop: async () => {} };
}
