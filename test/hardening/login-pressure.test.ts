/**
 * Password guessing and login floods: per account, attempts are slowed after a few failures
 * (from any address) but never refused, so a stranger cannot lock the real user out; at most
 * two password hashes run at once and a flood beyond the queue is refused with 429 at once;
 * X-Forwarded-For counts only from configured proxies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginThrottle } from '../../src/identity/login-throttle.ts';
import { hashingLoad, hashPassword } from '../../src/identity/password-hash.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

describe('login throttle (per account, never a lock)', () => {
  it('slows attempts after the free failures, doubling up to the cap, and resets on success', async () => {
    const waits: number[] = [];
    let clock = 0;
    const throttle = loginThrottle({
      freeFailures: 3,
      baseDelayMs: 100,
      maxDelayMs: 800,
      forgetAfterMs: 60_000,
      sleep: async (ms) => void waits.push(ms),
      now: () => clock,
    });
    for (let i = 0; i < 8; i++) {
      await throttle.before('victim@example.test');
      throttle.failed('victim@example.test');
    }
    expect(waits).toEqual([100, 200, 400, 800, 800]);
    expect(await throttle.before('someone-else@example.test')).toBe(0);
    throttle.succeeded('victim@example.test');
    expect(await throttle.before('victim@example.test')).toBe(0);
    for (let i = 0; i < 5; i++) throttle.failed('victim@example.test');
    clock += 61_000;
    expect(await throttle.before('victim@example.test')).toBe(0);
  });
});

describe('login pressure over HTTP (PGlite)', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await testApp('pglite', { TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '100', TRESOR_TRUSTED_PROXIES: '127.0.0.1' });
  });
  afterAll(async () => h?.close());

  it('lets the real user in after a stranger failed many times from elsewhere', async () => {
    const user = await createUser(h.tresor, h.admin, 'victim');
    const stranger = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 8; i++) {
      const res = await h.api(
        'POST',
        '/api/v1/auth/token',
        undefined,
        { email: user.email, password: `guess-${i}` },
        stranger,
      );
      expect(res.statusCode).toBe(401);
    }
    const real = await h.api(
      'POST',
      '/api/v1/auth/token',
      undefined,
      { email: user.email, password: 'correct horse battery staple' },
      { 'x-forwarded-for': '198.51.100.20' },
    );
    expect(real.statusCode).toBe(200);
    // The trail names the client behind the trusted proxy.
    const failed = await h.tresor.audit.query(h.admin, { action: 'auth.login_failed', limit: 20 });
    expect(failed.some((e) => e.clientAddress === '203.0.113.7')).toBe(true);
  }, 120_000);

  it('believes X-Forwarded-For only from a configured proxy', async () => {
    const other = await testApp('pglite');
    try {
      await other.api(
        'POST',
        '/api/v1/auth/token',
        undefined,
        { email: 'nobody@example.test', password: 'x' },
        { 'x-forwarded-for': '203.0.113.99' },
      );
      const [row] = await other.tresor.audit.query(other.admin, { action: 'auth.login_failed', limit: 1 });
      expect(row!.clientAddress).not.toBe('203.0.113.99');
    } finally {
      await other.close();
    }
  });

  it('runs at most two password hashes at once; a flood beyond the queue is refused at once with BUSY', async () => {
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, hashingLoad().running)), 1);
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => hashPassword(`flood-${i}`)));
    clearInterval(watch);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(peak).toBeLessThanOrEqual(2);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'BUSY')).toBe(true);
    expect(results.length - refused.length).toBeGreaterThanOrEqual(64);
  }, 120_000);
});
