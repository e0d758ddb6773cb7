/**
 * Token scopes, token lifetimes and administration over HTTP, on both databases: what a
 * read-only and a full token may do through each route, that a token never mints a wider
 * or longer-lived one, that every token is audited, and the admin rules at the HTTP level.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserPrincipal } from '../../src/identity/principal.ts';
import { systemPrincipal } from '../../src/identity/principal.ts';
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
      call: (t) => h.api('POST', '/api/v1/users', t, { email: `u${++serial}@example.test` }),
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

  it('a token alone never changes its own password, nor anyone else’s; a local-mode reset forces a change before /auth/token works again', async () => {
    const res = await h.api('PATCH', `/api/v1/users/${user.id}`, tokens.full, { password: 'a token-set password' });
    expect(res.statusCode).toBe(403);
    const victim = await createUser(h.tresor, h.admin, 'reset-me');
    const byAdmin = await h.api('PATCH', `/api/v1/users/${victim.id}`, tokens.full, {
      password: 'set by an administrator',
    });
    expect(byAdmin.statusCode).toBe(422);
    expect(byAdmin.json().error.field).toBe('password');
    expect(
      (
        await h.api('POST', '/api/v1/auth/token', undefined, {
          email: victim.email,
          password: 'set by an administrator',
        })
      ).statusCode,
    ).toBe(401);
    await h.tresor.users.setPassword(systemPrincipal, victim.id, 'set by an administrator');
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

  it('every write route of the OpenAPI document refuses a read-only token and changes nothing', async () => {
    // An administrator's read token: whatever its user may do, it changes nothing, tokens included.
    const admin = h.admin as UserPrincipal;
    const read = (await h.tresor.sessions.createToken(admin, { name: 'admin-read', scope: 'read' })).token;
    const full = await h.tresor.sessions.createToken(admin, { name: 'admin-full' });
    const other = await createUser(h.tresor, h.admin, 'matrix');
    const group = await h.tresor.groups.create(h.admin, { name: `matrix-${kind}` });
    const secret = await h.tresor.secrets.create(admin, {
      type: 'password',
      name: 'matrix',
      fields: { password: 'p' },
    });
    const share = await h.tresor.shares.share(admin, secret.id, { user: other.email });
    const hook = await h.tresor.webhooks.create(admin, { url: 'https://127.0.0.1:9/hook', events: ['secret.created'] });
    const ids: Record<string, string> = {
      id: secret.id,
      shareId: share.id,
      userId: other.id,
      group: group.name,
      permission: 'AUDIT_READ',
      delivery: '1',
      space: 'default',
      environment: 'staging',
    };
    const bodies: Record<string, unknown> = {
      'POST /api/v1/secrets': { type: 'password', name: 'matrix-new', fields: { password: 'p' } },
      'PATCH /api/v1/secrets/{id}': { description: 'changed' },
      'POST /api/v1/secrets/{id}/rollback': { version: 1 },
      'POST /api/v1/secrets/test': { type: 'password', fields: { password: 'p' } },
      'POST /api/v1/secrets/{id}/shares': { group: group.name },
      'PUT /api/v1/secrets/{id}/notice-recipients': { recipients: ['ops@example.test'] },
      'POST /api/v1/admin/export': { passphrase: 'a long export passphrase' },
      'PATCH /api/v1/me': { locale: 'de' },
      'POST /api/v1/users': { email: 'matrix-made@example.test' },
      'PATCH /api/v1/users/{userId}': { disabled: true },
      'POST /api/v1/groups': { name: 'matrix-made' },
      'POST /api/v1/tokens': { name: 'child' },
      'POST /api/v1/admin/webhooks': { url: 'https://127.0.0.1:9/other', events: ['secret.created'] },
      'PATCH /api/v1/admin/webhooks/{id}': { enabled: false },
      'POST /api/v1/spaces': { name: 'matrix-space' },
      'PUT /api/v1/me/default-space': { space: null },
      'POST /api/v1/spaces/{space}/environments': { name: 'production' },
      'PUT /api/v1/secrets/{id}/environments/{environment}': { fields: { password: 'p' } },
      'POST /api/v1/secrets/{id}/environments/{environment}/copy': { from: 'production' },
      'PUT /api/v1/spaces/{space}/roles': { user: other.email, role: 'member' },
      'DELETE /api/v1/spaces/{space}/roles': { user: other.email },
    };
    const fingerprint = async () =>
      JSON.stringify(
        await h.database.handle.raw.query(
          `select (select count(*) from secrets)::int s, (select coalesce(sum(version), 0) from secrets)::int v,
            (select count(*) from secret_shares)::int sh, (select count(*) from users where disabled)::int ud,
            (select count(*) from users)::int u, (select count(*) from groups)::int g,
            (select count(*) from memberships)::int m, (select count(*) from permission_grants)::int pg,
            (select count(*) from api_tokens where revoked_at is null)::int t,
            (select count(*) from webhook_endpoints where enabled)::int w,
            (select count(*) from spaces)::int sp, (select count(*) from space_roles)::int sr,
            (select string_agg(coalesce(locale, '-'), ',' order by id) from users) l`,
        ),
      );
    const doc = (await h.request({ method: 'GET', url: '/api/docs/json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const writes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => m !== 'get' && m !== 'head')
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    // Outside the bearer API: /auth/* take no token (credentials, a CLI code or a mailed link are the
    // proof), and the UI's posts take none either.
    const matrix = writes.filter((w) => w.includes(' /api/v1/') && !w.includes(' /api/v1/auth/'));
    expect(matrix.length).toBeGreaterThanOrEqual(30);
    const before = await fingerprint();
    const allowed: string[] = [];
    for (const route of matrix) {
      const [method, template] = route.split(' ') as [string, string];
      const url = template
        .replace('/webhooks/{id}', `/webhooks/${hook.endpoint.id}`)
        .replace('/tokens/{id}', `/tokens/${full.info.id}`)
        .replace(/\{(\w+)\}/g, (_, key: string) => encodeURIComponent(ids[key] ?? key));
      const res = await h.api(method as 'POST', url, read, bodies[route] ?? (method === 'DELETE' ? undefined : {}));
      figures.cells++;
      if (res.statusCode !== 403) allowed.push(`${route} -> ${res.statusCode}`);
    }
    if (allowed.length > 0) figures.unexpectedAllows += allowed.length;
    expect(allowed).toEqual([]);
    expect(await fingerprint()).toBe(before);
    // The full token it could have revoked still works.
    expect((await h.api('GET', '/api/v1/me', full.token)).statusCode).toBe(200);
  });
});
