/**
 * Attacks not covered elsewhere (CSRF, fixation, cookie flags, XSS, token revocation and
 * row swaps have their own suites): brute force on record, oversized bodies, path
 * traversal in names, a share pointed at another user behind Tresor's back, and many
 * concurrent writers through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Password } from '../../credential-types/password.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

describe.each(databaseKinds)('attacks on %s', (kind) => {
  let h: TestApp;
  let token: string;
  beforeAll(async () => {
    h = await testApp(kind, { TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '5' });
    token = await h.tokenFor(h.admin);
  });
  afterAll(() => h?.close());

  it('slows password guessing and puts every failed attempt on record', async () => {
    const victim = await createUser(h.tresor, h.admin, 'victim');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push(
        (await h.api('POST', '/api/v1/auth/token', undefined, { email: victim.email, password: `guess-${i}` }))
          .statusCode,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const failed = await h.tresor.audit.query(h.admin, { action: 'auth.login_failed', limit: 100 });
    expect(failed.filter((e) => e.targetName === victim.email)).toHaveLength(5);
  });

  it('refuses an oversized body with 413, and changes nothing', async () => {
    const res = await h.api('POST', '/api/v1/secrets', token, {
      type: 'password',
      name: 'huge',
      fields: { password: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    await expect(h.tresor.secrets.get(h.admin, 'huge')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses path traversal in names and ids', async () => {
    for (const name of ['../etc/passwd', '..', '.', 'a/b', 'a\\b', '%2e%2e']) {
      const res = await h.api('POST', '/api/v1/secrets', token, { type: 'password', name, fields: { password: 'p' } });
      expect(res.statusCode, name).toBe(422);
      expect(res.json().error.field).toBe('name');
    }
    for (const path of [
      '/api/v1/secrets/..%2F..%2Fetc%2Fpasswd',
      '/api/v1/secrets/%2e%2e',
      '/logos/..%2F..%2Fpackage.json',
      '/assets/..%2F..%2Fsrc%2Fconfig.ts',
    ]) {
      const res = await h.request({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode, path).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, path).toBeLessThan(500);
      expect(res.body).not.toContain('TRESOR_MASTER_KEY');
    }
  });

  it('shows a share pointed at another user in the database as unexplained by the audit trail', async () => {
    const alice = await createUser(h.tresor, h.admin, 'alice');
    const mallory = await createUser(h.tresor, h.admin, 'mallory');
    const s = await h.tresor.secrets.create(h.admin, { type: 'password', name: 'payroll', fields: { password: 'p' } });
    await h.tresor.shares.share(h.admin, s.id, { user: alice.email });
    await h.tresor.secrets.create(h.admin, {
      type: 'smtp',
      name: 'relay-rule',
      fields: { host: 'h', username: 'u', password: 'p' },
    });
    expect(await h.tresor.audit.unexplainedShares(h.admin)).toEqual([]);
    await h.database.handle.raw.query('update secret_shares set user_id = $1 where secret_id = $2 and user_id = $3', [
      mallory.id,
      s.id,
      alice.id,
    ]);
    expect(await h.tresor.audit.unexplainedShares(h.admin)).toEqual([
      { secretId: s.id, recipientKind: 'user', recipientId: mallory.id },
    ]);
    await h.database.handle.raw.query('update secret_shares set user_id = $1 where secret_id = $2 and user_id = $3', [
      alice.id,
      s.id,
      mallory.id,
    ]);
  });

  it('serves many concurrent writers through the API: no lost update, no duplicate version, nothing left hanging', async () => {
    const names = ['hot-a', 'hot-b', 'hot-c'];
    for (const name of names)
      await h.api('POST', '/api/v1/secrets', token, { type: 'password', name, fields: { password: 'start' } });
    const writers = 24;
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const name = names[w % names.length]!;
        for (let attempt = 0; attempt < 200; attempt++) {
          const current = await h.api('GET', `/api/v1/secrets/${name}`, token);
          const res = await h.api(
            'PATCH',
            `/api/v1/secrets/${name}`,
            token,
            { fields: { username: `writer-${w}` }, reason: `writer ${w}` },
            { 'if-match': current.headers.etag as string },
          );
          if (res.statusCode === 200) return { name, version: res.json().secret.version as number };
          expect(res.statusCode).toBe(409);
        }
        throw new Error(`writer ${w} never got through`);
      }),
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    for (const name of names) {
      const won = results
        .filter((r) => r.name === name)
        .map((r) => r.version)
        .sort((a, b) => a - b);
      expect(won).toEqual(Array.from({ length: writers / names.length }, (_, i) => i + 2)); // dense, each version won once
      const { version } = (await h.api('GET', `/api/v1/secrets/${name}`, token)).json();
      expect(version).toBe(writers / names.length + 1);
      expect((await h.tresor.use(Password, h.admin, name)).value.password).toBe('start');
    }
  }, 90_000);
});
