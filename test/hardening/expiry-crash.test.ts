/**
 * Expiry notices across a crash (issue "The life of a secret", part 1): a node SIGKILLed in
 * the middle of a run — one notice sent and marked, the next one's mail hanging on the SMTP
 * server — leaves nothing sent twice and nothing missed: its claim holds while its lease
 * runs (another node sends nothing of it), and once the lease lapses the next run sends it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor } from '../../src/tresor.ts';
import { createPostgresDatabase, type DatabaseKind, databaseKinds } from '../support/databases.ts';
import { createUser } from '../support/principals.ts';
import { relaySecretFields, startSmtpServer } from '../support/smtp-server.ts';

const worker = resolve(import.meta.dirname, 'expiry-worker.ts');
const tsconfig = resolve(import.meta.dirname, '../../tsconfig.json');
const day = 86_400_000;

describe.each(databaseKinds)('expiry notices across a crash on %s', (kind: DatabaseKind) => {
  it('sends every notice exactly once although the node sending them was killed mid-mail', async () => {
    const smtp = await startSmtpServer('none', { username: 'notices', password: 'relay-password' });
    const target = kind === 'postgres' ? await createPostgresDatabase() : undefined;
    const env: Record<string, string> = {
      TRESOR_MASTER_KEY: randomBytes(32).toString('base64'),
      TRESOR_EGRESS_ALLOW: '127.0.0.1',
      TRESOR_LOG_LEVEL: 'silent',
      TRESOR_PASSWORD_MIN_SCORE: '0',
      ...(target ? { DATABASE_URL: target.url } : { TRESOR_DATA_DIR: mkdtempSync(join(tmpdir(), 'tresor-notices-')) }),
    };
    const open = () => createTresor(parseConfig(env), { logger: createLogger('silent') });
    const now = new Date();
    let tresor: Tresor | undefined = await open();
    try {
      const admin = {
        kind: 'user' as const,
        id: (
          await tresor.bootstrap.createAdministrator({
            email: 'a@example.test',
            password: 'correct horse battery staple',
          })
        ).id,
      };
      await tresor.secrets.create(admin, {
        type: 'smtp',
        name: 'relay',
        fields: relaySecretFields(smtp),
      });
      const owner = await createUser(tresor, admin, 'crash-owner', ['SECRET_MANAGEMENT_CREATE']);
      for (const name of ['crash-a', 'crash-b', 'crash-c'])
        await tresor.secrets.create(owner, {
          type: 'api-key',
          name,
          fields: { key: `CANARY-${name}` },
          expiresAt: new Date(now.getTime() + 5 * day + (name.charCodeAt(6) - 97) * 60_000),
        });
      await tresor.close();
      tresor = undefined;

      // The node mails crash-a, then hangs on crash-b's message: killed there.
      const hanging = smtp.stallAfter(1);
      const child = spawn(process.execPath, ['--conditions=tresor-source', '--import', 'tsx', worker], {
        env: { ...process.env, ...env, NOTICE_NOW: now.toISOString(), TSX_TSCONFIG_PATH: tsconfig },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let errors = '';
      child.stderr.on('data', (c: Buffer) => (errors += c.toString()));
      const exited = new Promise((r) => child.once('exit', r));
      await Promise.race([hanging, exited.then(() => Promise.reject(new Error(`worker exited: ${errors}`)))]);
      child.kill('SIGKILL');
      await exited;
      expect(smtp.received.map((m) => m.subject)).toEqual(['Secret "crash-a" expires in 5 days']);
      smtp.resume();

      tresor = await open();
      // While the dead node's lease runs, its claims hold: nobody sends crash-b or crash-c.
      expect(await tresor.notices.run({ now: new Date(now.getTime() + 60_000) })).toMatchObject({ ran: true, sent: 0 });
      // Past the lease, the next run sends what the dead node did not, and nothing it did.
      expect(await tresor.notices.run({ now: new Date(now.getTime() + 6 * 60_000) })).toMatchObject({ sent: 2 });
      expect(await tresor.notices.run({ now: new Date(now.getTime() + 7 * 60_000) })).toMatchObject({ sent: 0 });
      expect(smtp.received.map((m) => m.subject).sort()).toEqual([
        'Secret "crash-a" expires in 5 days',
        'Secret "crash-b" expires in 5 days',
        'Secret "crash-c" expires in 5 days',
      ]);
      const audited = await tresor.audit.query(admin, { action: 'secret.expiry_notice_sent', limit: 10 });
      expect(audited.map((e) => e.targetName).sort()).toEqual(['crash-a', 'crash-b', 'crash-c']);
    } finally {
      await tresor?.close();
      await smtp.close();
      await target?.drop();
    }
  }, 120_000);
});
