/**
 * The leak scan: canary values in every secret field of every type go through every
 * interface — API, UI pages (error pages too), CLI, the mail module, expressions, logs at
 * debug level, audit export — then everything produced, the whole database and every file
 * of the data folder are searched for each canary in plain, base64, hex and URL-encoded form.
 * Figure: canaries found (must be 0).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { mailModule } from '../../src/modules/mail/mail.module.ts';
import { createTresor } from '../../src/tresor.ts';
import { buildApp } from '../../src/web/app.ts';
import { UiClient } from '../support/browser-session.ts';
import { tresor as cli } from '../support/cli.ts';
import { dumpTables, encodings, findCanaries } from '../support/leak-scan.ts';
import { samplePayloads } from '../support/payloads.ts';
import { startSmtpServer } from '../support/smtp-server.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('leak scan (embedded database in a data folder)', () => {
  it('finds no canary in anything Tresor produced or stored', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tresor-leak-'));
    const logs: string[] = [];
    const logStream = new Writable({
      write: (chunk, _e, done) => {
        logs.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('trace', logStream as never);
    const config = parseConfig({
      TRESOR_DATA_DIR: dataDir,
      TRESOR_LOG_LEVEL: 'trace',
      TRESOR_PASSWORD_MIN_SCORE: '0',
      TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '1000',
      TRESOR_EGRESS_ALLOW: '127.0.0.1',
    });
    const produced: string[] = [];
    const samples = await samplePayloads();
    const canaries = samples.flatMap((s) => s.canaries);
    const smtpPassword = samples.find((s) => s.type === 'smtp')!.canaries[0]!;

    const t = await createTresor(config, { logger });
    const adminUser = await t.bootstrap.createAdministrator({
      email: 'leak@example.test',
      password: 'correct horse battery staple',
    });
    const admin = { kind: 'user' as const, id: adminUser.id };
    const app = await buildApp(t, { logger });
    await app.ready();
    const token = (await t.sessions.createToken(admin, { name: 'leak' })).token;
    const api = async (method: string, url: string, body?: unknown) => {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      produced.push(JSON.stringify(res.headers), res.body);
      return res;
    };

    // API: create every type, read, update with a new canary-free description, fail validation with a canary inside.
    const ids: string[] = [];
    for (const s of samples)
      ids.push(
        (await api('POST', '/api/v1/secrets', { type: s.type, name: `leak-${s.type}`, fields: s.fields })).json().id,
      );
    for (const id of ids) {
      await api('GET', `/api/v1/secrets/${id}`);
      await api('PATCH', `/api/v1/secrets/${id}`, { description: 'touched' });
      await api('GET', `/api/v1/secrets/${id}/versions`);
    }
    await api('POST', '/api/v1/secrets', {
      type: 'smtp',
      name: 'leak-bad',
      fields: { host: 'h', username: 'u', password: smtpPassword, port: 'not-a-port' },
    });
    await api('GET', '/api/v1/secrets?limit=500');
    await api('GET', '/api/v1/audit?limit=1000');

    // UI: every page of every secret, a failed form, an error page.
    const ui = new UiClient(app);
    await ui.login('leak@example.test', 'correct horse battery staple');
    for (const id of ids)
      for (const page of ['', '/edit', '/shares', '/versions', '/delete']) await ui.get(`/secrets/${id}${page}`);
    await ui.get('/secrets');
    await ui.get('/admin/audit');
    await ui.get('/secrets/does-not-exist');
    await ui.post(
      '/secrets/new/smtp',
      {
        name: 'leak-form',
        'fields[host]': 'h',
        'fields[port]': '99999',
        'fields[username]': 'u',
        'fields[password]': smtpPassword,
      },
      { from: '/secrets/new/smtp' },
    );
    produced.push(...ui.pages);

    // The mail module, through a real SMTP server; expressions (their output is the value, by design, and is not scanned).
    const server = await startSmtpServer('none', { username: 'mailer', password: smtpPassword });
    // A new destination takes the password entered again (the same canary).
    await t.secrets.update(admin, 'leak-smtp', {
      merge: true,
      fields: { host: '127.0.0.1', port: server.port, security: 'none', password: smtpPassword },
    });
    const sent = await mailModule(t.moduleContext).send(
      { to: 'x@example.test', subject: 'leak', text: 'body' },
      { secret: 'leak-smtp' },
    );
    produced.push(JSON.stringify(sent));
    await server.close();
    expect(await t.expressions.render("{{ secret('leak-api-key') }}", { as: admin })).toBe(
      samples.find((s) => s.type === 'api-key')!.canaries[0],
    );
    await t.expressions.render("{{ secret('nope') }}", { as: admin }).catch((e: Error) => produced.push(e.message));

    // Audit export, then the whole database.
    for await (const entry of t.audit.export(admin)) produced.push(JSON.stringify(entry));
    const dump = await dumpTables(t.database.raw);
    await app.close();
    await t.close();

    // The CLI, in local mode on the same data folder.
    for (const args of [
      ['secrets', 'list', '--json'],
      ['secrets', 'show', 'leak-smtp', '--json'],
      ['audit', 'export'],
      ['secrets', 'show', 'leak-generic'],
    ]) {
      const r = await cli(args, { TRESOR_DATA_DIR: dataDir, TRESOR_LOG_LEVEL: 'debug' });
      produced.push(r.stdout, r.stderr);
    }

    const files = filesUnder(dataDir).map((f) => readFileSync(f).toString('latin1'));
    const found = {
      produced: findCanaries(produced.join('\n'), canaries),
      logs: findCanaries(logs.join('\n'), canaries),
      database: findCanaries(dump, canaries),
      dataFolder: findCanaries(files.join('\n'), canaries),
    };
    const total = Object.values(found).reduce((n, list) => n + list.length, 0);
    process.stdout.write(
      `[figures] leak scan: ${canaries.length} canaries × ${encodings('x').length} encodings over ${produced.length} outputs, ${logs.length} log lines, the database dump and ${files.length} data files: ${total} found\n`,
    );
    // Controls: the scan does see plaintext where it is stored or logged on purpose.
    expect(logs.join('\n')).toContain('/api/v1/secrets');
    expect(dump).toContain('leak-smtp');
    expect(files.join('\n')).toContain('leak-smtp');
    expect(found).toEqual({ produced: [], logs: [], database: [], dataFolder: [] });
  }, 240_000);
});
