/**
 * Web hygiene: every response (API, pages, errors) says Cache-Control: no-store; the CSP asks
 * browsers to upgrade requests only when Tresor itself speaks HTTPS (over plain HTTP on a LAN
 * address it would break every form); writes answer with a change token; and what a user
 * types into the e-mail field of a failed login is recorded only when it is an address.
 */

import fastifyHelmet from '@fastify/helmet';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, tresorPlugin } from '../../src/web/app.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { serverCertificate } from '../support/pki.ts';

describe('web hygiene (PGlite)', () => {
  let h: TestApp;
  let token: string;
  beforeAll(async () => {
    h = await testApp('pglite');
    token = await h.tokenFor(h.admin);
  });
  afterAll(async () => h?.close());

  it('answers every API call, page and error with Cache-Control: no-store', async () => {
    const responses = [
      await h.api('GET', '/api/v1/secrets', token),
      await h.api('POST', '/api/v1/tokens', token, { name: 'kept-nowhere' }),
      await h.api('GET', '/api/v1/secrets/nope', token),
      await h.api('GET', '/api/v1/secrets', undefined),
      await h.request({ method: 'GET', url: '/login', headers: { accept: 'text/html' } }),
      await h.request({ method: 'GET', url: '/no-such-page', headers: { accept: 'text/html' } }),
      await h.request({ method: 'GET', url: '/healthz' }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 201, 404, 401, 200, 404, 200]);
    for (const r of responses) expect(r.headers['cache-control']).toBe('no-store');
  });

  it('sets its own CSP and frame protection when mounted in a host that registered @fastify/helmet with global: false', async () => {
    const host = Fastify();
    await host.register(fastifyHelmet, { global: false });
    host.get('/', async () => 'the host app');
    await host.register(tresorPlugin, { tresor: h.tresor, prefix: '/vault' });
    await host.ready();
    try {
      const page = await host.inject({ method: 'GET', url: '/vault/login', headers: { accept: 'text/html' } });
      expect(page.statusCode).toBe(200);
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
      // The host's own pages stay as the host chose (helmet off for them).
      expect((await host.inject({ method: 'GET', url: '/' })).headers['content-security-policy']).toBeUndefined();
    } finally {
      await host.close();
    }
  });

  it('sends upgrade-insecure-requests only under HTTPS', async () => {
    const plain = await h.request({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
    expect(String(plain.headers['content-security-policy'])).not.toContain('upgrade-insecure-requests');
    const tls = await serverCertificate();
    const secure = await buildApp(h.tresor, { https: { cert: Buffer.from(tls.cert), key: Buffer.from(tls.key) } });
    try {
      const page = await secure.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
      expect(String(page.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
    } finally {
      await secure.close();
    }
  });

  it('records a failed login by address only: a password typed into the e-mail field stays out of the trail', async () => {
    const typedPassword = 'Tundra-Violin-42-my-real-password';
    const res = await h.api('POST', '/api/v1/auth/token', undefined, { email: typedPassword, password: 'whatever' });
    expect(res.statusCode).toBe(401);
    // Text that is not well-formed is refused before the login is tried (poisoned-string.test.ts).
    const lone = await h.api('POST', '/api/v1/auth/token', undefined, { email: 'x\ud800y', password: 'whatever' });
    expect(lone.statusCode).toBe(400);
    const failed = await h.tresor.audit.query(h.admin, { action: 'auth.login_failed', limit: 10 });
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(failed)).not.toContain('Tundra-Violin');
    expect(failed[0]!.targetName).toBe('(not an e-mail address)');
  });
});
