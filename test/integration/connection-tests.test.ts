/**
 * Connection tests (issue "Credential types that do more than hold values", part 1): the
 * built-in types' tests against real servers on loopback (smtp-server with STARTTLS and
 * AUTH, an HTTPS Jira), the egress policy refusing before any connection, who may test,
 * unsaved values, the audit row, the time budget, and no secret value in any output.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Smtp } from '../../credential-types/smtp.ts';
import { Credential, Field, failed, passed, type TestCheck, type TestContext } from '../../src/index.ts';
import { loadCredentialTypes } from '../../src/tresor-server.ts';
import { buildApp } from '../../src/web/app.ts';
import { UiClient } from '../support/browser-session.ts';
import { type TestTresor, testTresor } from '../support/databases.ts';
import { chainOf, serverCertificate } from '../support/pki.ts';
import { createUser } from '../support/principals.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { sshKey } from '../support/ssh-keys.ts';

const smtpPassword = 'canary-smtp-Zq81xv';
const jiraToken = 'canary-jira-Pw55km';

@Credential({ id: 'test-echo', name: 'Echo', description: 'Its test repeats its secret.', logo: 'generic.svg' })
class Echo {
  @Field({ label: 'Token', style: 'secret' })
  token!: string;

  test(): TestCheck[] {
    return [{ name: `Checked ${this.token}`, status: 'failed', message: `upstream said: bad token ${this.token}` }];
  }
}

@Credential({ id: 'test-stuck', name: 'Stuck', description: 'Its test never ends.', logo: 'generic.svg' })
class Stuck {
  @Field({ label: 'Token', style: 'secret' })
  token!: string;

  async test(context: TestContext): Promise<TestCheck[]> {
    await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
    return [passed('Never reached')];
  }
}

/** A type that extends a built-in: fields, validation and test inherited; one field and the test overridden. */
@Credential({ id: 'office-relay', name: 'Office relay', description: 'The office relay, preset.', logo: 'smtp.svg' })
class OfficeRelay extends Smtp {
  @Field({ label: 'Port', style: 'number', destination: true, default: 2525, integer: true, min: 1, max: 65535 })
  override port!: number;

  override async test(context: TestContext): Promise<TestCheck[]> {
    const checks = await super.test(context);
    return [...checks, this.from ? passed('Sender set', this.from) : failed('Sender set', 'Set a sender address')];
  }
}

const names = (checks: TestCheck[]) => checks.map((c) => `${c.name}: ${c.status}`);

describe('connection tests', () => {
  let t: TestTresor;
  let tls: Awaited<ReturnType<typeof serverCertificate>>;
  let smtp: TestSmtpServer;
  let jira: Server;
  let jiraBase: string;
  let jiraCalls = 0;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let token: string;
  const outputs: string[] = [];

  const api = async (url: string, body?: unknown, bearer = token) => {
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${bearer}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    outputs.push(response.body);
    return { status: response.statusCode, json: response.json() as Record<string, unknown> };
  };

  beforeAll(async () => {
    tls = await serverCertificate();
    const folder = mkdtempSync(join(tmpdir(), 'tresor-ca-'));
    writeFileSync(join(folder, 'ca.pem'), tls.ca);
    t = await testTresor('pglite', { TRESOR_OUTBOUND_CA_FILE: join(folder, 'ca.pem') });
    t.tresor.registry.register(Echo);
    t.tresor.registry.register(Stuck);
    t.tresor.registry.register(OfficeRelay);
    smtp = await startSmtpServer('starttls', { username: 'mailer', password: smtpPassword }, tls);
    jira = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      jiraCalls++;
      const ok =
        req.headers.authorization === `Basic ${Buffer.from(`bot@example.test:${jiraToken}`).toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { displayName: 'Bot', emailAddress: 'bot@example.test' } : { errorMessages: [] }));
    });
    await new Promise<void>((resolve) => jira.listen(0, '127.0.0.1', resolve));
    jiraBase = `https://127.0.0.1:${(jira.address() as AddressInfo).port}`;
    const fields = {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'starttls',
      username: 'mailer',
      password: smtpPassword,
    };
    await t.tresor.secrets.create(t.admin, { type: 'smtp', name: 'relay', fields });
    await t.tresor.secrets.create(t.admin, {
      type: 'jira',
      name: 'jira',
      fields: { siteUrl: jiraBase, email: 'bot@example.test', apiToken: jiraToken },
    });
    app = await buildApp(t.tresor);
    token = (await t.tresor.sessions.createToken(t.admin, { name: 'tests' })).token;
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    await new Promise((resolve) => jira?.close(resolve));
    await t?.close();
  });

  it('tests a stored SMTP secret against the real server: connect, STARTTLS, sign in', async () => {
    const { status, json } = await api('/api/v1/secrets/relay/test');
    expect(status, JSON.stringify(json)).toBe(200);
    expect(json.ok).toBe(true);
    expect(names(json.checks as TestCheck[])).toEqual([
      'Destination allowed: passed',
      'Connect: passed',
      'STARTTLS: passed',
      'Sign in: passed',
    ]);
    expect(smtp.received).toEqual([]);
  });

  it('reports a refused sign-in as a failed check, and unsaved values keep the stored password', async () => {
    smtp.accept.password = 'rotated-elsewhere';
    try {
      const stored = await api('/api/v1/secrets/relay/test');
      expect(names(stored.json.checks as TestCheck[])).toContain('Sign in: failed');
      expect(stored.json.ok).toBe(false);
      // Edited, unsaved: the new password is tried; the stored secret is unchanged.
      const edited = await api('/api/v1/secrets/relay/test', { fields: { password: 'rotated-elsewhere' } });
      expect(edited.json).toMatchObject({ ok: true, unsaved: true });
      expect((await t.tresor.secrets.get(t.admin, 'relay')).version).toBe(1);
    } finally {
      smtp.accept.password = smtpPassword;
    }
  });

  it('never sends a stored password to a new destination: a changed host needs it entered again', async () => {
    const before = smtp.connections;
    const { status, json } = await api('/api/v1/secrets/relay/test', { fields: { host: 'localhost' } });
    expect(status).toBe(422);
    expect(JSON.stringify(json)).toMatch(/password/i);
    expect(smtp.connections).toBe(before);
  });

  it('reports a certificate it cannot trust as a failed TLS check', async () => {
    const untrusted = await testTresor('pglite');
    try {
      const type = untrusted.tresor.registry.get('smtp');
      const fields = type.parseCreate({
        host: '127.0.0.1',
        port: smtp.port,
        security: 'starttls',
        username: 'mailer',
        password: smtpPassword,
      });
      const report = await type.test(fields, {
        egress: untrusted.tresor.moduleContext.egress,
        ca: undefined,
        budgetMs: 5000,
      });
      expect(names(report.checks)).toEqual([
        'Destination allowed: passed',
        'Connect: passed',
        'STARTTLS: failed',
        'Sign in: skipped',
      ]);
    } finally {
      await untrusted.close();
    }
  });

  it('tests Jira by signing in, and names the account', async () => {
    const { json } = await api('/api/v1/secrets/jira/test');
    const checks = json.checks as TestCheck[];
    expect(checks.at(-1)).toEqual({
      name: 'Sign in',
      status: 'passed',
      message: 'Signed in as Bot <bot@example.test>',
    });
    const wrong = await api('/api/v1/secrets/test', {
      type: 'jira',
      fields: { siteUrl: jiraBase, email: 'bot@example.test', apiToken: 'not-the-token' },
    });
    expect(wrong.json).toMatchObject({ ok: false, unsaved: true });
    expect(wrong.json).not.toHaveProperty('secret');
    expect(names(wrong.json.checks as TestCheck[])).toContain('Sign in: failed');
  });

  it('refuses by egress policy before connecting: 127.0.0.1:5432 and the metadata address', async () => {
    const closed = await testTresor('pglite', { TRESOR_EGRESS_ALLOW: '', TRESOR_PASSWORD_MIN_SCORE: '3' });
    let accepted = 0;
    const listener = createTcpServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const port = (listener.address() as AddressInfo).port;
      for (const [host, at] of [
        ['127.0.0.1', 5432],
        ['127.0.0.1', port],
        ['169.254.169.254', 25],
      ] as const) {
        const tested = await closed.tresor.tests.testNew(closed.admin, 'smtp', {
          host,
          port: at,
          security: 'none',
          username: 'u',
          password: 'p4ssw0rd',
        });
        expect(names(tested.report.checks)).toEqual([
          'Destination allowed: failed',
          'Connect: skipped',
          'Encryption: skipped',
          'Sign in: skipped',
        ]);
        expect(tested.report.checks[0]!.message).toMatch(/TRESOR_EGRESS_ALLOW/);
      }
      const jiraCallsBefore = jiraCalls;
      const jiraRefused = await closed.tresor.tests.testNew(closed.admin, 'jira', {
        siteUrl: jiraBase,
        email: 'bot@example.test',
        apiToken: jiraToken,
      });
      expect(names(jiraRefused.report.checks)[0]).toBe('Destination allowed: failed');
      expect(jiraCalls).toBe(jiraCallsBefore);
      expect(accepted).toBe(0);
      // (This instance also asks for strength 3: the password test judges by today's minimum.)
      const weak = closed.tresor.registry.get('password');
      const report = await weak.test(
        { password: 'aaaaaa' },
        { egress: closed.tresor.moduleContext.egress, ca: undefined, budgetMs: 5000 },
      );
      expect(report.checks[0]).toMatchObject({ name: 'Strength', status: 'failed' });
      expect(report.checks[0]!.message).toMatch(/^Password is too weak \(strength 0 of 4, at least 3 needed\)/);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
      await closed.close();
    }
  });

  it('checks certificates, SSH keys, API keys and passwords without any network', async () => {
    const { leaf, intermediate } = await chainOf('ecdsa');
    const cert = await t.tresor.tests.testNew(t.admin, 'certificate', {
      chain: `${leaf.certPem}${intermediate.certPem}`,
      privateKey: leaf.keyPem,
    });
    expect(names(cert.report.checks)).toEqual([
      'Already valid: passed',
      'Not expired: passed',
      'Valid for 30 more days: passed',
      'Chain order: passed',
      'Key matches the leaf: passed',
    ]);
    const type = t.tresor.registry.get('certificate');
    const environment = { egress: t.tresor.moduleContext.egress, ca: undefined, budgetMs: 5000 };
    const payload = type.parseCreate({ chain: leaf.certPem, privateKey: leaf.keyPem });
    const soon = await type.test(payload, { ...environment, now: new Date(Date.now() + 350 * 86_400_000) });
    expect(names(soon.checks)).toContain('Valid for 30 more days: failed');
    const late = await type.test(payload, { ...environment, now: new Date(Date.now() + 400 * 86_400_000) });
    expect(names(late.checks)).toContain('Not expired: failed');

    const key = sshKey('ecdsa').pkcs8Encrypted('right horse');
    const ssh = await t.tresor.tests.testNew(t.admin, 'ssh-key', { privateKey: key, passphrase: 'wrong' });
    expect(ssh.report.checks).toEqual([
      { name: 'Opens with the passphrase', status: 'failed', message: 'Passphrase does not open the private key' },
    ]);

    const expired = await t.tresor.tests.testNew(t.admin, 'api-key', { key: 'k-123456', expiresOn: '2020-01-31' });
    expect(expired.report.checks).toEqual([
      { name: 'Not expired', status: 'failed', message: 'Expired on 2020-01-31' },
    ]);
    const weak = await t.tresor.tests.testNew(t.admin, 'password', { password: 'aaaaaa' });
    expect(weak.report.checks).toEqual([
      { name: 'Strength', status: 'passed', message: 'Strong enough (at least 0 of 4 needed)' },
    ]);
  });

  it('lets only those who may use a secret test it; others learn nothing and nothing connects', async () => {
    const stranger = await createUser(t.tresor, t.admin, 'stranger', ['SECRET_MANAGEMENT_CREATE']);
    const strangerToken = (await t.tresor.sessions.createToken(stranger, { name: 'x' })).token;
    const before = smtp.connections;
    const refused = await api('/api/v1/secrets/relay/test', undefined, strangerToken);
    expect(refused.status).toBe(404);
    expect(smtp.connections).toBe(before);
    const reader = await createUser(t.tresor, t.admin, 'no-create');
    const readerToken = (await t.tresor.sessions.createToken(reader, { name: 'y' })).token;
    const draft = await api('/api/v1/secrets/test', { type: 'api-key', fields: { key: 'k-1' } }, readerToken);
    expect(draft.status).toBe(403);
  });

  it('audits each test as secret.tested, with check names and counts only', async () => {
    await api('/api/v1/secrets/jira/test');
    const rows = await t.database.handle.raw.query<{ outcome: string; details: Record<string, unknown> }>(
      "select outcome, details from audit_events where action = 'secret.tested' and target_name = 'jira' order by at",
    );
    expect(rows.at(-1)).toEqual({
      outcome: 'success',
      details: { type: 'jira', version: 1, unsaved: false, passed: 3, failed: 0, skipped: 0, failedChecks: [] },
    });
  });

  it('removes secret values from whatever a test returns, and ends a test at its time budget', async () => {
    const echoed = await api('/api/v1/secrets/test', { type: 'test-echo', fields: { token: 'canary-echo-Hh38' } });
    expect(echoed.json.checks).toEqual([
      { name: 'Checked [secret]', status: 'failed', message: 'upstream said: bad token [secret]' },
    ]);
    // The budget itself, small here (the configured one is 15 s by default, TRESOR_TEST_BUDGET_MS).
    const stuck = await t.tresor.registry
      .get('test-stuck')
      .test({ token: 'x-123' }, { egress: t.tresor.moduleContext.egress, ca: undefined, budgetMs: 200 });
    expect(stuck.checks).toEqual([
      { name: 'Time budget', status: 'failed', message: 'The test did not finish within 0.2 s' },
    ]);
  });

  it('runs the README example type: its test signs in over HTTPS through the egress policy', async () => {
    const fixtures = join(import.meta.dirname, '../fixtures/connection-test');
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(readFileSync(join(fixtures, 'status-page.ts'), 'utf8').trim());
    await loadCredentialTypes(t.tresor.registry, fixtures);
    const status = new Map<string, number>();
    const api = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const code = req.url === '/v1/me' && req.headers.authorization === 'Bearer canary-status-Yx7' ? 200 : 401;
      status.set(req.headers.host ?? '', code);
      res.writeHead(code).end();
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(api.address() as AddressInfo).port}`;
      const right = await t.tresor.tests.testNew(t.admin, 'status-page', { url, token: 'canary-status-Yx7' });
      expect(right.report.checks).toEqual([{ name: 'Sign in', status: 'passed', message: '' }]);
      const wrong = await t.tresor.tests.testNew(t.admin, 'status-page', { url, token: 'wrong-token' });
      expect(wrong.report.checks).toEqual([{ name: 'Sign in', status: 'failed', message: 'The API answered 401' }]);
      // The Host header names the site, though the connection went to the vetted address.
      expect([...status.keys()]).toEqual([url.slice('https://'.length)]);
    } finally {
      await new Promise((resolve) => api.close(resolve));
    }
  });

  it('tests form values without saving, in the new and the edit form, and never sends a secret back', async () => {
    const ui = new UiClient(app);
    const email = (await t.tresor.users.get(t.admin, (t.admin as { id: string }).id)).email;
    expect((await ui.login(email, 'correct horse battery staple')).statusCode).toBe(302);
    const blank = await ui.get('/secrets/new/jira');
    expect(blank.body).toContain('formaction="/secrets/new/jira/test"');
    const fresh = await ui.post(
      '/secrets/new/jira/test',
      {
        name: 'not-saved',
        'fields[siteUrl]': jiraBase,
        'fields[email]': 'bot@example.test',
        'fields[apiToken]': jiraToken,
      },
      { from: '/secrets/new/jira' },
    );
    expect(fresh.statusCode).toBe(200);
    expect(fresh.body).toContain('Connection test: all checks passed');
    expect(fresh.body).toContain('Signed in as Bot &lt;bot@example.test&gt;');
    expect(fresh.body).toContain('value="not-saved"');
    expect(fresh.body).not.toContain(jiraToken);
    expect((await t.tresor.secrets.list(t.admin, { limit: 50 })).map((m) => m.name)).not.toContain('not-saved');

    // Editing: the stored token is kept when its field is left empty; a wrong one entered fails.
    const edit = await ui.get('/secrets/jira/edit');
    expect(edit.body).toMatch(/formaction="\/secrets\/[0-9a-f-]{36}\/edit\/test"/);
    const id = /formaction="\/secrets\/([0-9a-f-]{36})\/edit\/test"/.exec(edit.body)![1]!;
    const fields = { description: '', expiresAt: '', 'fields[siteUrl]': jiraBase, 'fields[email]': 'bot@example.test' };
    const kept = await ui.post(
      `/secrets/${id}/edit/test`,
      { ...fields, 'fields[apiToken]': '' },
      { from: '/secrets/jira/edit' },
    );
    expect(kept.body).toContain('Connection test: all checks passed');
    const wrong = await ui.post(
      `/secrets/${id}/edit/test`,
      { ...fields, 'fields[apiToken]': 'canary-wrong-Qq11' },
      { from: '/secrets/jira/edit' },
    );
    expect(wrong.body).toContain('Connection test: 1 of 3 checks failed');
    expect(wrong.body).not.toContain('canary-wrong-Qq11');
    expect((await t.tresor.secrets.get(t.admin, 'jira')).version).toBe(1);
    outputs.push(...ui.pages);
  });

  it('inherits fields, validation and the test from the class a type extends, and overrides what it redeclares', async () => {
    // The README shows this very class (from its decorator to its closing brace).
    const source = readFileSync(import.meta.filename, 'utf8');
    const start = source.indexOf("@Credential({ id: 'office-relay'");
    const readmeText = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    expect(readmeText).toContain(source.slice(start, source.indexOf('\n}\n', start) + 2));
    const office = t.tresor.registry.get('office-relay');
    expect(office.formModel.fields.map((f) => f.key)).toEqual(
      t.tresor.registry.get('smtp').formModel.fields.map((f) => f.key),
    );
    expect(office.parseCreate({ host: 'relay.example', username: 'u', password: 'p4ss' }).port).toBe(2525);
    expect(() => office.parseCreate({ host: 'bad host!', username: 'u', password: 'p4ss' })).toThrow(/Host must be/);
    const tested = await t.tresor.tests.testNew(t.admin, 'office-relay', {
      host: '127.0.0.1',
      port: smtp.port,
      username: 'mailer',
      password: smtpPassword,
    });
    expect(names(tested.report.checks)).toEqual([
      'Destination allowed: passed',
      'Connect: passed',
      'STARTTLS: passed',
      'Sign in: passed',
      'Sender set: failed',
    ]);
  });

  it('never shows a secret value in any response or audit row', async () => {
    const audit = await t.database.handle.raw.query<{ row: string }>(
      'select row_to_json(a)::text as row from audit_events a',
    );
    const everything = [...outputs, ...audit.map((r) => r.row)].join('\n');
    for (const canary of [smtpPassword, jiraToken, 'canary-echo-Hh38']) expect(everything).not.toContain(canary);
    expect(outputs.length).toBeGreaterThan(8);
  });
});
