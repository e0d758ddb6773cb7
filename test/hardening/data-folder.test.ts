/**
 * The embedded data folder under a second process and other local users: it is locked to
 * one process (a CLI beside the server is refused, naming the holder), private (0700, files
 * 0600), refused when others may write to it, never created by a CLI command by accident,
 * and local-only commands refuse remote options instead of ignoring them.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockFileName } from '../../src/db/data-folder.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor } from '../../src/tresor.ts';
import { tresor as cli } from '../support/cli.ts';
import { testConfig } from '../support/databases.ts';

const figures = { refused: 0, files: 0, openToOthers: 0 };
afterAll(() => {
  process.stdout.write(
    `[figures] data folder: ${figures.refused} concurrent-process attempts refused; ` +
      `${figures.files} files checked, ${figures.openToOthers} readable or writable by others\n`,
  );
});

function walk(path: string): string[] {
  return statSync(path).isDirectory() ? [path, ...readdirSync(path).flatMap((name) => walk(join(path, name)))] : [path];
}

const embedded = (dir: string) => testConfig({ TRESOR_DATA_DIR: dir, TRESOR_MASTER_KEY: '' });

async function openEmbedded(dir: string): Promise<Tresor> {
  return createTresor(embedded(dir), { logger: createLogger('silent') });
}

describe('the embedded data folder', () => {
  it('refuses a second process while a Tresor holds the folder, naming its pid, and lets it in once released', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tresor-lock-')), 'data');
    const server = await openEmbedded(dir);
    try {
      const second = await cli(['secrets', 'list'], { TRESOR_DATA_DIR: dir });
      expect(second.code, second.stderr).toBe(5);
      expect(second.stderr).toContain(`in use by process ${process.pid}`);
      figures.refused++;
    } finally {
      await server.close();
    }
    expect(existsSync(join(dir, lockFileName))).toBe(false);
    const after = await cli(['secrets', 'list'], { TRESOR_DATA_DIR: dir });
    expect(after.code, after.stderr).toBe(0);
  }, 180_000);

  it('takes over a lock left by a process that is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tresor-stale-'));
    writeFileSync(join(dir, lockFileName), JSON.stringify({ pid: 2 ** 22 + 17, host: 'gone', startedAt: 'then' }));
    const t = await openEmbedded(dir);
    await t.close();
  });

  it('keeps the folder 0700 and every file in it private to the owner', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tresor-modes-')), 'data');
    const t = await openEmbedded(dir);
    const admin = await t.bootstrap.createAdministrator({
      email: 'root@example.test',
      password: 'a long admin password',
    });
    for (let i = 0; i < 20; i++)
      await t.secrets.create(
        { kind: 'user', id: admin.id },
        { type: 'password', name: `p${i}`, fields: { password: 'x' } },
      );
    // While the server runs too (pg_internal.init came 0644 then).
    const running = walk(dir).filter((path) => statSync(path).mode & 0o077);
    expect(running).toEqual([]);
    await t.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const path of walk(dir)) {
      figures.files++;
      if (statSync(path).mode & 0o077) figures.openToOthers++;
    }
    expect(figures.files).toBeGreaterThan(100);
    expect(figures.openToOthers).toBe(0);
  });

  it('refuses to start on a folder that other users may write to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tresor-open-'));
    chmodSync(dir, 0o777);
    await expect(openEmbedded(dir)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      field: 'TRESOR_DATA_DIR',
      message: expect.stringContaining('chmod 700'),
    });
  });
});

describe('the CLI and the data folder', () => {
  it('never creates a data folder unless asked (tresor init)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tresor-none-')), 'data');
    const refused = await cli(['secrets', 'list'], { TRESOR_DATA_DIR: dir });
    expect(refused.code).toBe(8);
    expect(refused.stderr).toContain('tresor init');
    expect(existsSync(dir)).toBe(false);
    const init = await cli(['init'], { TRESOR_DATA_DIR: dir });
    expect(init.code, init.stderr).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
  }, 180_000);

  it('refuses remote options on a local-only command instead of ignoring them, and creates nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tresor-cwd-'));
    const file = join(cwd, 'config.txt');
    writeFileSync(file, "password: {{ secret('db') }}\n");
    const res = await cli(['--url', 'http://127.0.0.1:9', '--token', 'tsr_x', 'render', file], {
      TRESOR_DATA_DIR: join(cwd, 'data'),
    });
    expect(res.code).toBe(6);
    expect(res.stderr).toContain('does not use --url');
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  }, 180_000);
});
