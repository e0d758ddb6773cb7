/**
 * `tresor login --browser`, end to end: the real `tresor` bin listens on loopback and prints
 * the authorize link; this test is the browser (the UI through a cookie-keeping client): it
 * signs in, approves, and follows the hand-off page to the CLI's loopback address. The CLI
 * then holds a working token, and no password ever went through it.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UiClient } from '../support/browser-session.ts';
import { tresor, tresorBin } from '../support/cli.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

const password = 'correct horse battery staple';

/** Starts `tresor login --browser --no-open`; answers the printed link and the exit. */
function startLogin(url: string, configDir: string) {
  const child = spawn(process.execPath, [tresorBin, 'login', '--url', url, '--browser', '--no-open', '--days', '7'], {
    env: { ...process.env, TRESOR_CONFIG_DIR: configDir },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const link = new Promise<URL>((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const found = /(https?:\/\/\S+\/cli\/authorize\?\S+)/.exec(stderr);
      if (found) resolve(new URL(found[1]!));
    });
    child.on('exit', () => reject(new Error(`the CLI ended before printing a link: ${stderr}`)));
  });
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { link, exit, kill: () => child.kill() };
}

/** The hand-off page's target: the CLI's loopback callback. */
function handoffTarget(html: string): URL {
  const found = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(html);
  if (!found) throw new Error(`no hand-off on the page: ${html}`);
  const decoded = found[1]!.replaceAll('&#x3D;', '=').replaceAll('&amp;', '&');
  return new URL(decoded);
}

describe('tresor login --browser', () => {
  let h: TestApp;
  let url: string;
  let user: { id: string; email: string };
  beforeAll(async () => {
    h = await testApp('pglite');
    url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    user = await createUser(h.tresor, h.admin, 'cli-browser');
  });
  afterAll(async () => h?.close());

  it('signs the CLI in through the browser: a token for the approving person, audited, no password in the CLI', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'tresor-cli-browser-'));
    const login = startLogin(url, configDir);
    const link = await login.link;
    expect(link.origin).toBe(new URL(url).origin);
    expect(link.searchParams.get('challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const browser = new UiClient(h.app);
    expect((await browser.login(user.email, password)).statusCode).toBe(302);
    const authorize = `${link.pathname}${link.search}`;
    const page = await browser.get(authorize);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(user.email);
    expect(page.body).toContain('for 7 days');

    const wrong = await browser.post(
      '/cli/authorize',
      { ...Object.fromEntries(link.searchParams), currentPassword: 'nope' },
      { from: authorize },
    );
    expect(wrong.statusCode).toBe(422);
    const approved = await browser.post(
      '/cli/authorize',
      { ...Object.fromEntries(link.searchParams), currentPassword: password },
      { from: authorize },
    );
    expect(approved.statusCode).toBe(302);
    expect(approved.headers.location).toMatch(/\/cli\/authorized$/);
    const handoff = await browser.get('/cli/authorized');
    const target = handoffTarget(handoff.body);
    expect(target.origin).toBe(`http://127.0.0.1:${link.searchParams.get('port')}`);
    expect(target.searchParams.get('state')).toBe(link.searchParams.get('state'));
    // The code lives in the hand-off cookie for one page: a reload hands nothing over.
    expect((await browser.get('/cli/authorized')).statusCode).toBe(302);

    const callback = await fetch(target);
    expect(callback.status).toBe(200);
    const done = await login.exit;
    expect(done.stderr).not.toContain(password);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`as ${user.email}`);

    const saved = JSON.parse(readFileSync(join(configDir, 'credentials.json'), 'utf8')) as { token: string };
    const me = await h.api('GET', '/api/v1/me', saved.token);
    expect(me.statusCode).toBe(200);
    expect(me.json().email).toBe(user.email);

    // The code is good once: the CLI used it; anyone replaying it from the browser's history is refused.
    const replay = await h.api('POST', '/api/v1/auth/cli-token', undefined, {
      code: target.searchParams.get('code'),
      verifier: 'x'.repeat(43),
    });
    expect(replay.statusCode).toBe(401);
    const events = await h.tresor.audit.query(h.admin, { action: 'token.created' });
    expect(events.some((e) => e.actorId === user.id && JSON.stringify(e.details).includes('cli-browser'))).toBe(true);
  });

  it('refuses a code with the wrong verifier (and then the right one: a code is tried once)', async () => {
    const principal = { kind: 'user' as const, id: user.id };
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const { code } = await h.tresor.signIn.cli.approve(principal, {
      challenge,
      name: 'stolen',
      expiresInDays: 1,
      scope: 'full',
      currentPassword: password,
    });
    const wrong = await h.api('POST', '/api/v1/auth/cli-token', undefined, { code, verifier: 'not-the-verifier' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain(code);
    const late = await h.api('POST', '/api/v1/auth/cli-token', undefined, { code, verifier });
    expect(late.statusCode).toBe(401);
  });

  it('answers a hostile port, state or challenge on the authorize page with a field error, and hands nothing over', async () => {
    const browser = new UiClient(h.app);
    await browser.login(user.email, password);
    const good = { port: '50000', state: 's'.repeat(20), challenge: 'c'.repeat(43), name: 'n', days: '1', scope: '' };
    for (const [field, value] of [
      ['port', '80'],
      ['port', 'evil.example:443'],
      ['state', 'short'],
      ['days', '99999'],
    ] as const) {
      const page = await browser.get(`/cli/authorize?${new URLSearchParams({ ...good, [field]: value })}`);
      expect(page.statusCode, `${field}=${value}`).toBe(422);
      expect(page.body).toContain(field === 'days' ? 'lifetime' : field);
    }
    const badChallenge = await browser.post(
      '/cli/authorize',
      { ...good, challenge: 'not base64url!', currentPassword: password },
      { from: `/cli/authorize?${new URLSearchParams(good)}` },
    );
    expect(badChallenge.statusCode).toBe(422);
    expect(badChallenge.body).toContain('Challenge');
    expect((await browser.get('/cli/authorized')).statusCode).toBe(302);
  });

  it('sends whoever is not signed in to the sign-in page first, and back to the same request', async () => {
    const page = await new UiClient(h.app).get('/cli/authorize?port=50000');
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toMatch(/\/login\?next=/);
  });

  it('tresor login with a password asks an account with a second factor for its code (--code)', async () => {
    const person = await createUser(h.tresor, h.admin, 'cli-totp');
    const holder = { kind: 'user' as const, id: person.id, via: 'session' as const };
    const { secret } = await h.tresor.factors.begin(holder);
    const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
    await h.tresor.factors.confirm(holder, totp.generate());
    const env = { TRESOR_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'tresor-cli-code-')), TRESOR_DATA_DIR: '/nonexistent' };
    const without = await tresor(['login', '--url', url, '--email', person.email], env, `${password}\n`);
    expect(without.code).toBe(4);
    expect(without.stderr).toMatch(/second factor/);
    // The next step's code (the one that confirmed the set-up is spent).
    const next = totp.generate({ timestamp: Date.now() + 30_000 });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 30_000 });
    try {
      const withCode = await tresor(
        ['login', '--url', url, '--email', person.email, '--code', next],
        env,
        `${password}\n`,
      );
      expect(withCode.stderr).toBe('');
      expect(withCode.code).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
