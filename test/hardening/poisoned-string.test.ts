/**
 * "One bad string fails only itself": a lone UTF-16 surrogate in a request is refused at the
 * edge with a 400 that names the field, is still put on the audit trail (made well-formed),
 * and never fails the other callers whose rows were group-committed in the same batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

const lone = '\ud800';

describe.each(databaseKinds)('one bad string fails only itself on %s', (kind) => {
  let h: TestApp;
  let adminToken: string;
  beforeAll(async () => {
    h = await testApp(kind, { TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '1000' });
    adminToken = await h.tokenFor(h.admin);
  });
  afterAll(() => h?.close());

  it('refuses a lone surrogate in a JSON body with 400 naming the field, and audits the refusal', async () => {
    const email = `u${Date.now()}${lone}@x.y`;
    const login = await h.api('POST', '/api/v1/auth/token', undefined, { email, password: 'x' });
    expect(login.statusCode).toBe(400);
    expect(login.json().error).toMatchObject({ code: 'MALFORMED_INPUT', field: 'body.email' });
    const refused = await h.tresor.audit.query(h.admin, { action: 'request.refused', limit: 5 });
    expect(refused[0]).toMatchObject({ outcome: 'denied', details: { field: 'body.email', reason: 'malformed-text' } });

    const nobody = await createUser(h.tresor, h.admin, 'nobody');
    const token = await h.tokenFor(nobody);
    const create = await h.api('POST', '/api/v1/secrets', token, { type: 'password', name: `x${lone}`, fields: {} });
    expect(create.statusCode).toBe(400);
    expect(create.json().error.field).toBe('body.name');
    // A key may be malformed as well as a value.
    const key = await h.api('POST', '/api/v1/secrets', adminToken, {
      type: 'password',
      name: 'ok',
      fields: { [`p${lone}`]: 'v' },
    });
    expect(key.statusCode).toBe(400);
    expect(key.json().error.field).toBe(`body.fields`);
    await expect(h.tresor.secrets.get(h.admin, 'ok')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lets no query string or form smuggle one in: an encoded surrogate stays the text that was typed', async () => {
    // %ED%A0%80 is U+D800 written as if UTF-8, %uD800 the old escape: both decoders keep them as typed.
    const query = await h.api('GET', '/api/v1/audit?secret=a%ED%A0%80%uD800', adminToken);
    expect(query.statusCode).toBe(200);
    const form = await h.request({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a%ED%A0%80%uD800@x.y&password=x',
    });
    expect(form.statusCode).toBeLessThan(500);
  });

  it('stores a lone surrogate that reaches the trail another way as U+FFFD', async () => {
    // A module or the CLI calls the service without the HTTP edge in front.
    await expect(h.tresor.users.authenticate(`ghost${lone}@x.y`, 'x')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const rows = await h.tresor.audit.query(h.admin, { action: 'auth.login_failed', limit: 50 });
    expect(rows.some((r) => r.targetName === 'ghost\ufffd@x.y')).toBe(true);
  });

  it('lets good requests among poisoned ones succeed, and puts every poisoned one on the trail', async () => {
    const reader = await createUser(h.tresor, h.admin, 'reader', ['SECRET_MANAGEMENT_CREATE']);
    const readerToken = await h.tokenFor(reader);
    await h.tresor.secrets.create(reader, { type: 'password', name: 'mine', fields: { password: 'p-canary-1' } });
    const before = await h.tresor.audit.query(h.admin, { action: 'request.refused', limit: 1000 });
    const poisoned = Array.from({ length: 12 }, (_, i) =>
      h.api('POST', '/api/v1/auth/token', undefined, { email: `p${i}-${lone}@x.y`, password: 'x' }),
    );
    const good = Array.from({ length: 24 }, () => h.api('GET', '/api/v1/secrets/mine', readerToken));
    const [bad, ok] = await Promise.all([Promise.all(poisoned), Promise.all(good)]);
    expect(bad.map((r) => r.statusCode)).toEqual(bad.map(() => 400));
    expect(ok.map((r) => r.statusCode)).toEqual(ok.map(() => 200));
    const after = await h.tresor.audit.query(h.admin, { action: 'request.refused', limit: 1000 });
    expect(after.length - before.length).toBe(12);
    expect(after[0]).toMatchObject({ targetName: 'POST /api/v1/auth/token', details: { field: 'body.email' } });
  });
});
