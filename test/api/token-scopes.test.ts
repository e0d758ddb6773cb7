/**
 * Token scopes, token lifetimes and administration over HTTP, on both databases: what a
 * read-only and a full token may do through each route, that a token never mints a wider
 * or longer-lived one, that every token is audited, and the admin rules at the HTTP level.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserPrincipal } from '../../src/identity/principal.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createUser } from '../support/principals.ts';

const password = 'correct horse battery staple';

describe.each(databaseKinds)('token scopes over HTTP on %s', (kind) => {
  let h: TestApp;
  let user: UserPrincipal & { email: string };
  let tokens: { read: string; full: string };
  let secretId: string;
  const figures = { cells: 0, unexpectedAllows: 0 };

  const exchange = async (email: string, body: Record<string, unknown> = {}) => {
    const res = await h.api('POST', '/api/v1/auth/token', undefined, { email, password, ...body });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { id: string; token: string; expiresAt: string; scope: string };
  };

  beforeAll(async () => {
    h = await testApp(kind);
    user = await createUser(h.tresor, h.admin, 'scoped', ['SECRET_MANAGEMENT', 'USER_ADMIN']);
    tokens = { read: (await exchange(user.email, { scope: 'read' })).token, full: (await exchange(user.email)).token };
    secretId = (
      await h.tresor.secrets.create(user, { type: 'password', name: 'scoped-secret', fields: { password: 'pw' } })
    ).id;
  });
  afterAll(async () => {
    process.stdout.write(
      `[figures] token scopes (${kind}, HTTP level): ${figures.cells} cells checked, ${figures.unexpectedAllows} unexpected allows\n`,
    );
    await h?.close();
  });

  let serial = 0;
  const routes: { name: string; call: (token: string) => ReturnType<TestApp['api']>; read: boolean }[] = [
    { name: 'GET /secrets', call: (t) => h.api('GET', '/api/v1/secrets', t), read: true },
    { name: 'GET /secrets?all=true', call: (t) => h.api('GET', '/api/v1/secrets?all=true', t), read: true },
    { name: 'GET /secrets/:id', call: (t) => h.api('GET', `/api/v1/secrets/${secretId}`, t), read: true },
    {
      name: 'GET /secrets/:id/versions',
      call: (t) => h.api('GET', `/api/v1/secrets/${secretId}/versions`, t),
      read: true,
    },
    { name: 'GET /users', call: (t) => h.api('GET', '/api/v1/users', t), read: true },
    {
      name: 'POST /secrets',
      call: (t) =>
        h.api('POST', '/api/v1/secrets', t, { type: 'password', name: `made-${++serial}`, fields: { password: 'pw' } }),
      read: false,
    },
    {
      name: 'PATCH /secrets/:id',
      call: (t) => h.api('PATCH', `/api/v1/secrets/${secretId}`, t, { description: `d${++serial}` }),
      read: false,
    },
    {
      name: 'POST /secrets/:id/shares',
      call: (t) => h.api('POST', `/api/v1/secrets/${secretId}/shares`, t, { group: 'system' }),
      read: false,
    },
    {
      name: 'POST /users',
      call: (t) => h.api('POST', '/api/v1/users', t, { email: `u${++serial}@example.test`, password }),
      read: false,
    },
    { name: 'POST /tokens', call: (t) => h.api('POST', '/api/v1/tokens', t, { name: 'child' }), read: false },
  ];

  for (const route of routes) {
    it(`${route.name}: full token allowed, read-only token ${route.read ? 'allowed' : 'refused with 403'}`, async () => {
      const read = await route.call(tokens.read);
      figures.cells += 2;
      if (!route.read && read.statusCode < 300) figures.unexpectedAllows++;
      expect(read.statusCode, read.body).toBe(route.read ? 200 : 403);
      const full = await route.call(tokens.full);
      expect(full.statusCode, full.body).toBeLessThan(300);
      if (route.name === 'POST /secrets/:id/shares')
        await h.api('DELETE', `/api/v1/secrets/${secretId}/shares/${full.json().id}`, tokens.full);
    });
  }

  it('a token minted with a one-hour token expires with it, is revoked with it, and every token is audited', async () => {
    const before = (await h.tresor.audit.query(h.admin, { action: 'token.created', limit: 1000 })).length;
    const hour = await exchange(user.email);
    const child = await h.api('POST', '/api/v1/tokens', hour.token, { name: 'never-expires' });
    expect(child.statusCode).toBe(201);
    expect(child.json().expiresAt).toBe(hour.expiresAt);
    expect((await h.api('GET', '/api/v1/me', child.json().token)).statusCode).toBe(200);
    expect((await h.api('DELETE', `/api/v1/tokens/${hour.id}`, hour.token)).statusCode).toBe(204);
    expect((await h.api('GET', '/api/v1/me', child.json().token)).statusCode).toBe(401);
    const created = await h.tresor.audit.query(h.admin, { action: 'token.created', limit: 1000 });
    expect(created.length).toBe(before + 2);
    expect(
      created
        .map((e) => (e.details as { via: string }).via)
        .slice(0, 2)
        .sort(),
    ).toEqual(['credentials', 'token']);
  });

  it('a token alone never changes its own password; an admin reset forces a change before /auth/token works again', async () => {
    const res = await h.api('PATCH', `/api/v1/users/${user.id}`, tokens.full, { password: 'a token-set password' });
    expect(res.statusCode).toBe(403);
    const victim = await createUser(h.tresor, h.admin, 'reset-me');
    expect(
      (await h.api('PATCH', `/api/v1/users/${victim.id}`, tokens.full, { password: 'set by an administrator' }))
        .statusCode,
    ).toBe(200);
    const refused = await h.api('POST', '/api/v1/auth/token', undefined, {
      email: victim.email,
      password: 'set by an administrator',
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toMatch(/choose a new one first/);
  });

  it('a USER_ADMIN cannot reset the administrator, and permissions of others are not readable by anyone', async () => {
    const admin = h.admin as UserPrincipal;
    expect(
      (await h.api('PATCH', `/api/v1/users/${admin.id}`, tokens.full, { password: 'take over the admin' })).statusCode,
    ).toBe(403);
    const plain = await createUser(h.tresor, h.admin, 'nosy');
    const nosy = (await exchange(plain.email)).token;
    expect((await h.api('GET', `/api/v1/users/${admin.id}/permissions`, nosy)).statusCode).toBe(403);
    expect(
      (await h.api('GET', '/api/v1/users/00000000-0000-4000-8000-000000000000/permissions', nosy)).statusCode,
    ).toBe(403);
    expect((await h.api('GET', '/api/v1/groups/system/permissions', nosy)).statusCode).toBe(403);
    expect((await h.api('GET', `/api/v1/users/${plain.id}/permissions`, nosy)).json()).toEqual({ items: [] });
  });
});
