/**
 * Durable means on disk: every acknowledged write is preceded by a sync of the WAL that
 * holds it, on both databases. strace counts the fsync/fdatasync calls between one
 * acknowledgement and the next.
 * - PGlite (the embedded default): the sync calls are in Tresor's own process.
 * - PostgreSQL: they are in the server's processes (its backends and WAL writer), traced
 *   by attaching to the running server.
 * A control run of PGlite as it opens itself shows that the method sees the difference:
 * it acknowledges with no sync at all (what Tresor did before).
 * Figures: writes, WAL syncs, acknowledgements that no sync preceded (must be 0).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresUrl, testMasterKey } from '../support/databases.ts';
import { ackTimes, parseTrace, stracePath, syncsBeforeEachAck, walSyncTimes } from '../support/strace.ts';

const worker = resolve(import.meta.dirname, 'durability-worker.ts');
const tsconfig = resolve(import.meta.dirname, '../../tsconfig.json');
const writes = 20;
const folder = mkdtempSync(join(tmpdir(), 'tresor-durability-'));

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((done) =>
    child.exitCode !== null || child.signalCode !== null ? done(child.exitCode) : child.once('exit', done),
  );
}

/** Runs the worker under strace; returns the trace's text. */
async function traceWorker(name: string, env: Record<string, string>, calls: string): Promise<string> {
  const traceFile = join(folder, `${name}.trace`);
  const child = spawn(
    stracePath!,
    ['-f', '-ttt', '-y', '-qq', '-e', `trace=${calls}`, '-e', 'signal=none', '-o', traceFile, '--'].concat(
      process.execPath,
      '--conditions=tresor-source',
      '--import',
      'tsx',
      worker,
    ),
    {
      env: { ...process.env, ...env, DURABILITY_WRITES: String(writes), TSX_TSCONFIG_PATH: tsconfig },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const code = await exited(child);
  expect(code, output).toBe(0);
  expect(output).toContain('end');
  return readFileSync(traceFile, 'utf8');
}

function beginTime(trace: string): number {
  const begin = parseTrace(trace).find((c) => c.call === 'write' && c.args.includes('"begin\\n"'));
  expect(begin, 'the worker marks where its writes begin').toBeDefined();
  return begin!.at;
}

function report(label: string, perAck: number[], syncs: number): void {
  const unsynced = perAck.filter((n) => n === 0).length;
  process.stdout.write(
    `[durability] ${label}: ${perAck.length} acknowledged writes, ${syncs} WAL syncs, ` +
      `${unsynced} acknowledged with no sync before them\n`,
  );
}

describe.skipIf(!stracePath)('every acknowledged write is synced to disk first', () => {
  const dropAfter: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const drop of dropAfter) await drop();
  });

  it('PGlite as it opens itself acknowledges without any sync (the control: what Tresor did before)', async () => {
    const trace = await traceWorker(
      'plain',
      { DURABILITY_MODE: 'plain-pglite', TRESOR_DATA_DIR: join(folder, 'plain') },
      'fsync,fdatasync,write',
    );
    const calls = parseTrace(trace);
    const acks = ackTimes(calls);
    const perAck = syncsBeforeEachAck(acks, walSyncTimes(calls), beginTime(trace));
    report('plain PGlite (control)', perAck, walSyncTimes(calls).length);
    expect(acks).toHaveLength(writes);
    expect(perAck.every((n) => n === 0)).toBe(true);
  }, 180_000);

  it('PGlite in Tresor: a WAL fsync before each acknowledged create', async () => {
    const trace = await traceWorker(
      'tresor-pglite',
      { TRESOR_MASTER_KEY: testMasterKey(), TRESOR_DATA_DIR: join(folder, 'tresor'), TRESOR_LOG_LEVEL: 'silent' },
      'fsync,fdatasync,write',
    );
    const calls = parseTrace(trace);
    const acks = ackTimes(calls);
    const syncs = walSyncTimes(calls);
    const perAck = syncsBeforeEachAck(acks, syncs, beginTime(trace));
    report('Tresor on PGlite', perAck, syncs.length);
    expect(acks).toHaveLength(writes);
    expect(perAck.filter((n) => n === 0)).toEqual([]);
  }, 180_000);

  it.skipIf(!postgresUrl)(
    'PostgreSQL: the server syncs its WAL before each acknowledged create',
    async () => {
      const database = await createPostgresDatabase();
      dropAfter.push(database.drop);
      const admin = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
      const [setting] = await admin<{ data_directory: string }[]>`show data_directory`;
      const helpers = await admin<{ pid: number }[]>`
      select pid from pg_stat_activity where backend_type in ('walwriter', 'checkpointer', 'background writer')`;
      await admin.end();
      const postmaster = Number(readFileSync(join(setting!.data_directory, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const serverTrace = join(folder, 'server.trace');
      // -f on the postmaster follows the backends it forks for the worker's connections.
      const pids = [postmaster, ...helpers.map((h) => h.pid)].flatMap((pid) => ['-p', String(pid)]);
      const tracer = spawn(
        stracePath!,
        ['-f', '-ttt', '-y', '-qq', '-e', 'trace=fsync,fdatasync', '-e', 'signal=none', '-o', serverTrace, ...pids],
        { stdio: 'ignore' },
      );
      try {
        // Attached once the postmaster names a tracer.
        for (let i = 0; i < 300; i++) {
          const status = readFileSync(`/proc/${postmaster}/status`, 'utf8');
          if (!/TracerPid:\s+0\b/.test(status)) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const trace = await traceWorker(
          'tresor-postgres',
          { TRESOR_MASTER_KEY: testMasterKey(), DATABASE_URL: database.url, TRESOR_LOG_LEVEL: 'silent' },
          'write',
        );
        tracer.kill('SIGINT');
        await exited(tracer);
        const acks = ackTimes(parseTrace(trace));
        const syncs = walSyncTimes(parseTrace(readFileSync(serverTrace, 'utf8')));
        const perAck = syncsBeforeEachAck(acks, syncs, beginTime(trace));
        report('Tresor on PostgreSQL', perAck, syncs.length);
        expect(acks).toHaveLength(writes);
        expect(perAck.filter((n) => n === 0)).toEqual([]);
      } finally {
        tracer.kill('SIGINT');
      }
    },
    180_000,
  );
});
