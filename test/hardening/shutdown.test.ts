/**
 * `npm start`, as a user runs it, stops cleanly on SIGTERM (sent to npm, as a service
 * manager does) and on SIGINT (Ctrl-C, to the server): no process is left, the database is
 * closed and the data folder's lock released, and a signal that arrives during start-up
 * stops it too.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, probe: () => boolean, limitMs = 120_000): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > limitMs) throw new Error(`${what} did not happen within ${limitMs / 1000} s`);
    await sleep(100);
  }
}

function start(dataDir: string) {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, TRESOR_DATA_DIR: dataDir, PORT: '0', TRESOR_LOG_LEVEL: 'info', TRESOR_MASTER_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  const lock = join(dataDir, 'tresor.lock');
  return {
    child,
    output: () => output,
    exited: () => exited,
    serverPid: () => (JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid,
    lock,
  };
}

describe('npm start and signals', () => {
  for (const [signal, target] of [
    ['SIGTERM', 'npm'],
    ['SIGINT', 'server'],
  ] as const) {
    it(`stops cleanly on ${signal} sent to ${target === 'npm' ? 'npm' : 'the server process'}`, async () => {
      const dataDir = join(mkdtempSync(join(tmpdir(), 'tresor-stop-')), 'data');
      const server = start(dataDir);
      await until('Tresor is ready', () => server.output().includes('Tresor is ready') || server.exited());
      expect(server.output()).toContain('Tresor is ready');
      const pid = server.serverPid();
      (target === 'npm' ? server.child : { kill: (s: NodeJS.Signals) => process.kill(pid, s) }).kill(signal);
      await until('the server process ending', () => !alive(pid), 60_000);
      await until('npm ending', () => server.exited(), 60_000);
      expect(server.output()).toContain('"msg":"stopping"');
      expect(existsSync(server.lock)).toBe(false);
    }, 240_000);
  }
});
