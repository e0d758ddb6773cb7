/**
 * Benchmark 6: start-up and the CLI, run as users run them — `npm start` (src/start.mjs,
 * compiled dist/) and the `tresor` bin — each a median of several runs, against `node -e 0`
 * measured in the same run; and the embedded server's memory once it is ready and idle.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from '../../src/build.mjs';
import { buildState } from '../../src/build-state.mjs';
import { createPostgresDatabase, postgresUrl } from '../support/databases.ts';
import { median } from './measure.ts';
import type { Row, Sizes } from './scenarios.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'src/cli/bin.mjs');
export const admin = { TRESOR_ADMIN_EMAIL: 'a@example.test', TRESOR_ADMIN_PASSWORD: 'correct horse battery staple' };

function timed(args: string[], env: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  return new Promise((done, fail) =>
    execFile(process.execPath, args, { env: { ...process.env, ...env }, cwd: root }, (error, _out, stderr) =>
      error ? fail(new Error(`${args.join(' ')}: ${stderr}`)) : done(performance.now() - started),
    ),
  );
}

async function medianMs(runs: number, run: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await run());
  return median(times);
}

interface Started {
  ms: number;
  url: string;
  rssMb: number;
  /** The most it held at any moment (VmHWM), starting included. */
  peakMb: number;
  stop(): Promise<void>;
}

/** What `npm start` runs: package.json's start script (the shell `exec`s node, so the child is the server). */
const startScript = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } })
  .scripts.start;

/** `npm start` as npm runs it (its script, in a shell) until "Tresor is ready"; then its idle RSS. */
export async function start(env: Record<string, string>): Promise<Started> {
  const started = performance.now();
  const child = spawn('sh', ['-c', startScript], {
    cwd: root,
    env: { ...process.env, PORT: '0', TRESOR_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  const { ms, url } = await new Promise<{ ms: number; url: string }>((ready, fail) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /"url":"([^"]+)".*Tresor is ready/.exec(seen);
      if (match) ready({ ms: performance.now() - started, url: match[1]! });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => fail(new Error(`server exited (${code}) before ready: ${seen.slice(0, 500)}`)));
  });
  // Idle: what it holds once started and settled, not the peak of starting.
  await new Promise((r) => setTimeout(r, 2000));
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { ms, url, rssMb: mb('VmRSS'), peakMb: mb('VmHWM'), stop };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function benchStartup(sizes: Sizes): Promise<Row[]> {
  if (buildState() !== 'fresh') build({ quiet: true });
  const runs = Math.max(3, sizes.repeat * 2 - 1);
  const floor = await medianMs(runs, () => timed(['-e', '0']));
  const row = (bench: string, database: string, ms: number, target: string): Row => ({
    bench: `6. ${bench}`,
    database,
    figure: 'time (median)',
    tresor: seconds(ms),
    floor: `${seconds(floor)} (node -e 0)`,
    ratio: `${(ms / floor).toFixed(1)}× node`,
    target,
  });
  const rows: Row[] = [];
  rows.push(row('tresor --help', '—', await medianMs(runs, () => timed([bin, '--help'])), '≤ 0.3 s'));

  // Embedded: a fresh folder, then the same folder again (what every later start is).
  const folder = mkdtempSync(join(tmpdir(), 'tresor-start-'));
  const fresh = await start({ TRESOR_DATA_DIR: folder, ...admin });
  await fresh.stop();
  rows.push(row('npm start to ready, fresh data folder', 'pglite', fresh.ms, '≤ 3 s'));
  const startTimes: number[] = [];
  let idle = Number.NaN;
  let peak = fresh.peakMb;
  let url = '';
  for (let i = 0; i < runs; i++) {
    const again = await start({ TRESOR_DATA_DIR: folder });
    startTimes.push(again.ms);
    idle = again.rssMb;
    peak = Math.max(peak, again.peakMb);
    url = again.url;
    if (i < runs - 1) await again.stop();
    else {
      // The last one stays up for the remote command.
      const token = await issueToken(url);
      rows.push(
        row(
          'remote command (tresor --url … --token … secrets list)',
          'pglite',
          await medianMs(runs, () => timed([bin, '--url', url, '--token', token, 'secrets', 'list'])),
          '≤ 0.5 s',
        ),
      );
      await again.stop();
    }
  }
  rows.push(row('npm start to ready, existing data folder', 'pglite', median(startTimes), '≤ 1.5 s'));
  rows.push({
    bench: '6. embedded server memory, ready and idle',
    database: 'pglite',
    figure: 'RSS',
    tresor:
      `${Math.round(fresh.rssMb)} MB after a first start; ${Math.round(idle)} MB after a restart ` +
      `(peak while starting ${Math.round(peak)} MB)`,
    floor: '—',
    ratio: '—',
    target: '≤ 250 MB',
  });
  rows.push(
    row(
      'local command on the embedded database (tresor secrets list)',
      'pglite',
      await medianMs(runs, () => timed([bin, 'secrets', 'list'], { TRESOR_DATA_DIR: folder })),
      '≤ 1.5 s',
    ),
  );
  if (postgresUrl) {
    const db = await createPostgresDatabase();
    try {
      const pg = await start({ DATABASE_URL: db.url, TRESOR_MASTER_KEY: randomBytes(32).toString('base64') });
      await pg.stop();
      rows.push(row('npm start to ready, empty database', 'postgres', pg.ms, 'report'));
    } finally {
      await db.drop();
    }
  }
  return rows;
}

/** Signs in as the first administrator over the API and returns a token. */
export async function issueToken(url: string): Promise<string> {
  const response = await fetch(`${url}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: admin.TRESOR_ADMIN_EMAIL, password: admin.TRESOR_ADMIN_PASSWORD, name: 'bench' }),
  });
  if (!response.ok) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}
