/**
 * Second factors (TOTP and recovery codes) over the UI and the API, on both databases:
 * enrolment (QR code, a first code, ten recovery codes shown once), password sign-ins that
 * then ask for a code (a session opening nothing until then), a code never accepted twice,
 * recovery codes used once, five wrong codes ending the attempt, the policy, an
 * administrator's removal — and neither the seed nor a code in a table or a later page.
 */
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { UiClient } from '../support/browser-session.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { dumpTables } from '../support/leak-scan.ts';
import { createUser } from '../support/principals.ts';

const password = 'correct horse battery staple';
const codeAt = (secret: string, at: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: at });
/** Runs `f` with the clock moved `ms` ahead (Date only: the database and timers keep real time). */
async function later<T>(ms: number, f: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + ms });
  try {
    return await f();
  } finally {
    vi.useRealTimers();
  }
}

/** Signs `email` in and sets up a factor through the pages; answers the seed and the recovery codes. */
async function enrol(h: TestApp, email: string) {
  const browser = new UiClient(h.app);
  await browser.login(email, password);
  expect((await browser.get('/account/second-factor')).body).toContain('Set up an authenticator app');
  expect((await browser.post('/account/second-factor/begin', {}, { from: '/account/second-factor' })).statusCode).toBe(
    302,
  );
  const page = await browser.get('/account/second-factor');
  expect(page.body).toMatch(/<img src="data:image\/svg\+xml;base64,(?:[A-Za-z0-9+/]|&#x3D;)+"/);
  const secret = /Key: <code>([A-Z2-7]+)<\/code>/.exec(page.body)![1]!;
  const wrong = await browser.post(
    '/account/second-factor/confirm',
    { code: '000000' },
    { from: '/account/second-factor' },
  );
  expect(wrong.statusCode).toBe(422);
  const confirmed = await browser.post(
    '/account/second-factor/confirm',
    { code: codeAt(secret, Date.now()) },
    { from: '/account/second-factor' },
  );
  expect(confirmed.statusCode).toBe(302);
  const shown = await browser.get('/account/second-factor');
  const recovery = [...shown.body.matchAll(/<li><code>([a-z0-9]{5}-[a-z0-9]{5})<\/code><\/li>/g)].map((m) => m[1]!);
  expect(recovery).toHaveLength(10);
  // Shown once: the next visit shows neither the codes nor the seed.
  const after = await browser.get('/account/second-factor');
  expect(after.body).toContain('10 recovery codes left');
  for (const kept of [secret, ...recovery]) expect(after.body).not.toContain(kept);
  return { secret, recovery, browser };
}

describe.each(databaseKinds)('second factors on %s', (kind) => {
  let h: TestApp;
  beforeAll(async () => {
    h = await testApp(kind, { TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '1000' });
  });
  afterAll(async () => h?.close());

  it('sets up TOTP; a password sign-in then waits for a code, which is never accepted twice', async () => {
    const user = await createUser(h.tresor, h.admin, `totp-${kind}`);
    const { secret, recovery } = await enrol(h, user.email);
    const dump = await dumpTables(h.database.handle.raw);
    for (const kept of [secret, ...recovery]) expect(dump).not.toContain(kept);

    const browser = new UiClient(h.app);
    const signedIn = await browser.login(user.email, password);
    expect(signedIn.headers.location).toBe('/login/code');
    // The waiting session opens nothing.
    expect((await browser.get('/secrets')).headers.location).toMatch(/^\/login/);
    // The code used to confirm the enrolment is spent (same step): refused.
    const replayed = await browser.post('/login/code', { code: codeAt(secret, Date.now()) }, { from: '/login/code' });
    expect(replayed.statusCode).toBe(401);
    expect(replayed.body).toContain('That code is wrong, used or too old');
    await later(30_000, async () => {
      const next = codeAt(secret, Date.now());
      const accepted = await browser.post('/login/code', { code: next }, { from: '/login/code' });
      expect(accepted.statusCode).toBe(302);
      expect(accepted.headers.location).toBe('/secrets');
    });
    expect((await browser.get('/secrets')).statusCode).toBe(200);

    const failed = await h.tresor.audit.query(h.admin, { action: 'factor.failed' });
    expect(failed.some((e) => e.targetId === user.id)).toBe(true);
    const enrolled = await h.tresor.audit.query(h.admin, { action: 'factor.enrolled' });
    expect(enrolled.some((e) => e.targetId === user.id)).toBe(true);
  });

  it('takes a recovery code once, and ends a sign-in attempt at the fifth wrong code', async () => {
    const user = await createUser(h.tresor, h.admin, `recovery-${kind}`);
    const { recovery } = await enrol(h, user.email);
    const first = new UiClient(h.app);
    await first.login(user.email, password);
    const used = await first.post('/login/code', { code: recovery[0]!.toUpperCase() }, { from: '/login/code' });
    expect(used.statusCode).toBe(302);
    const second = new UiClient(h.app);
    await second.login(user.email, password);
    expect((await second.post('/login/code', { code: recovery[0]! }, { from: '/login/code' })).statusCode).toBe(401);
    for (let i = 0; i < 3; i++)
      expect((await second.post('/login/code', { code: '123456' }, { from: '/login/code' })).statusCode).toBe(401);
    // The fifth wrong code in one attempt ends it: signing in starts again from the password.
    const ended = await second.post('/login/code', { code: '654321' }, { from: '/login/code' });
    expect(ended.statusCode).toBe(302);
    expect(ended.headers.location).toBe('/login');
    expect((await second.get('/login/code')).headers.location).toBe('/login');
    const events = await h.tresor.audit.query(h.admin, { action: 'factor.used' });
    expect(events.find((e) => e.targetId === user.id)?.details).toEqual({ method: 'recovery' });
  });

  it('asks POST /auth/token for the code; an administrator removes a lost factor', async () => {
    const user = await createUser(h.tresor, h.admin, `api-totp-${kind}`);
    const { secret } = await enrol(h, user.email);
    const exchange = (code?: string) =>
      h.api('POST', '/api/v1/auth/token', undefined, { email: user.email, password, ...(code ? { code } : {}) });
    const without = await exchange();
    expect(without.statusCode).toBe(401);
    expect(without.json().error.message).toMatch(/second factor/);
    await later(60_000, async () => {
      const code = codeAt(secret, Date.now());
      expect((await exchange(code)).statusCode).toBe(200);
      expect((await exchange(code)).statusCode).toBe(401);
    });

    const userAdmin = await h.tokenFor(await createUser(h.tresor, h.admin, 'factor-uadmin', ['USER_ADMIN']));
    const adminId = (h.admin as { id: string }).id;
    expect((await h.api('DELETE', `/api/v1/users/${adminId}/second-factor`, userAdmin)).statusCode).toBe(403);
    expect((await h.api('DELETE', `/api/v1/users/${user.id}/second-factor`, userAdmin)).statusCode).toBe(204);
    expect((await h.api('DELETE', `/api/v1/users/${user.id}/second-factor`, userAdmin)).statusCode).toBe(409);
    expect((await exchange()).statusCode).toBe(200);
    const removed = await h.tresor.audit.query(h.admin, { action: 'factor.removed' });
    expect(removed.find((e) => e.targetId === user.id)?.details).toEqual({ method: 'administrator' });
  });
});

describe.each(databaseKinds)('step-up on %s', (kind) => {
  let h: TestApp;
  beforeAll(async () => {
    h = await testApp(kind, { TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '1000' });
  });
  afterAll(async () => h?.close());

  it('asks a session for a fresh code before granting, exporting, rotating or minting a full token', async () => {
    const admin = await createUser(h.tresor, systemPrincipal, `stepup-${kind}`, [
      'USER_ADMIN',
      'KEY_ADMIN',
      'SECRET_EXPORT',
      'AUDIT_READ',
      'WEBHOOK_ADMIN',
      'GROUP_ADMIN',
    ]);
    const { secret, browser } = await enrol(h, admin.email);
    const target = await createUser(h.tresor, h.admin, `stepup-target-${kind}`);
    // The session that set the factor up has not proven it since: the page asks first.
    const page = await browser.get('/admin/users');
    expect(page.headers.location).toBe('/account/confirm?next=%2Fadmin%2Fusers');
    const stale = { kind: 'user' as const, id: admin.id, via: 'session' as const, credential: { expiresAt: null } };
    for (const action of [
      () => h.tresor.groups.grant(stale, { userId: target.id }, 'AUDIT_READ'),
      () => h.tresor.transfer.exportArchive(stale, { passphrase: 'a long export passphrase' }),
      () => h.tresor.keys.rotate(stale, {}),
      () => h.tresor.sessions.createToken(stale, { name: 'full', currentPassword: password }),
    ])
      await expect(action()).rejects.toMatchObject({ code: 'STEP_UP_REQUIRED' });
    expect(await h.tresor.groups.grants(h.admin, { userId: target.id })).toEqual([]);
    // A read-only token needs no step-up; nor does a token (it took the factor when minted).
    await h.tresor.sessions.createToken(stale, { name: 'read', scope: 'read', currentPassword: password });
    await h.tresor.groups.grant({ kind: 'user', id: admin.id, via: 'token' }, { userId: target.id }, 'AUDIT_READ');

    await later(30_000, async () => {
      const confirmed = await browser.post(
        '/account/confirm',
        { code: codeAt(secret, Date.now()), next: '/admin/users' },
        { from: '/account/confirm' },
      );
      expect(confirmed.headers.location).toBe('/admin/users');
      expect((await browser.get('/admin/users')).statusCode).toBe(200);
    });
    const fresh = { ...stale, credential: { expiresAt: null, factorAt: new Date() } };
    await h.tresor.groups.grant(fresh, { userId: target.id }, 'WEBHOOK_ADMIN');
    // Five minutes later it is asked again.
    await later(6 * 60_000, async () => {
      await expect(h.tresor.groups.grant(fresh, { userId: target.id }, 'GROUP_ADMIN')).rejects.toMatchObject({
        code: 'STEP_UP_REQUIRED',
      });
    });
    const denied = await h.tresor.audit.query(h.admin, { action: 'access.denied' });
    expect(
      denied.some((e) => e.actorId === admin.id && (e.details as { operation: string }).operation === 'step-up'),
    ).toBe(true);
  });
});

describe('the second-factor policy', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await testApp('pglite', { TRESOR_SECOND_FACTOR: 'administrators' });
  });
  afterAll(async () => h?.close());

  it('sends an administrator without a factor to set one up before anything else; a plain user is left alone', async () => {
    const admin = await createUser(h.tresor, h.admin, 'policy-admin', ['USER_ADMIN']);
    const plain = await createUser(h.tresor, h.admin, 'policy-plain');
    const browser = new UiClient(h.app);
    await browser.login(admin.email, password);
    for (const page of ['/secrets', '/admin/users', '/tokens'])
      expect((await browser.get(page)).headers.location, page).toBe('/account/second-factor');
    const setUp = await browser.get('/account/second-factor');
    expect(setUp.statusCode).toBe(200);
    expect(setUp.body).toContain('Your administrators require a second factor');
    const token = await h.api('POST', '/api/v1/auth/token', undefined, { email: admin.email, password });
    expect(token.statusCode).toBe(403);
    expect(token.json().error.message).toMatch(/Set up a second factor/);

    const other = new UiClient(h.app);
    await other.login(plain.email, password);
    expect((await other.get('/secrets')).statusCode).toBe(200);
    expect((await h.api('POST', '/api/v1/auth/token', undefined, { email: plain.email, password })).statusCode).toBe(
      200,
    );

    const { secret } = await enrol(h, admin.email);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const done = new UiClient(h.app);
    await done.login(admin.email, password);
    await later(30_000, async () => {
      await done.post('/login/code', { code: codeAt(secret, Date.now()) }, { from: '/login/code' });
    });
    expect((await done.get('/admin/users')).statusCode).toBe(200);
  });
});
