/**
 * The administration matrix over HTTP: every administration route (users, passwords,
 * permissions, groups, memberships, audit) plus creating secrets and listing them all, for
 * a bearer token of each role, on both databases. Allowed cells answer 2xx, refused ones 403
 * (key status and rotation have no HTTP route; the service-level matrix covers them).
 */
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Permission } from '../../src/identity/permissions.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { createGroup, createUser } from '../support/principals.ts';

const roles = ['admin', 'userAdmin', 'groupAdmin', 'auditReader', 'manager', 'plain'] as const;
type Role = (typeof roles)[number];
const grantsOf: Record<Exclude<Role, 'admin'>, Permission[]> = {
  userAdmin: ['USER_ADMIN'],
  groupAdmin: ['GROUP_ADMIN'],
  auditReader: ['AUDIT_READ'],
  manager: ['SECRET_MANAGEMENT'],
  plain: [],
};

describe.each(databaseKinds)('administration matrix over HTTP on %s', (kind) => {
  let h: TestApp;
  const tokens = {} as Record<Role, string>;
  const figures = { cells: 0, unexpectedAllows: 0 };
  let serial = 0;

  beforeAll(async () => {
    h = await testApp(kind);
    tokens.admin = await h.tokenFor(h.admin);
    for (const role of roles.filter((r): r is Exclude<Role, 'admin'> => r !== 'admin'))
      tokens[role] = await h.tokenFor(await createUser(h.tresor, h.admin, role, grantsOf[role]));
  });
  afterAll(async () => {
    process.stdout.write(
      `[figures] administration matrix (${kind}, HTTP level): ${figures.cells} cells checked, ${figures.unexpectedAllows} unexpected allows\n`,
    );
    await h?.close();
  });

  const target = () => createUser(h.tresor, h.admin, 'target');
  const group = () => createGroup(h.tresor, h.admin, 'target');
  const routes: {
    name: string;
    allowed: Role[];
    call: (token: string) => Promise<{ statusCode: number; body: string }>;
  }[] = [
    {
      name: 'POST /users',
      allowed: ['admin', 'userAdmin'],
      call: (t) => h.api('POST', '/api/v1/users', t, { email: `u${++serial}@example.test` }),
    },
    { name: 'GET /users', allowed: ['admin', 'userAdmin'], call: (t) => h.api('GET', '/api/v1/users', t) },
    {
      name: 'GET /users/:id',
      allowed: ['admin', 'userAdmin'],
      call: async (t) => h.api('GET', `/api/v1/users/${(await target()).id}`, t),
    },
    {
      name: 'POST /users/:id/password-reset',
      allowed: ['admin', 'userAdmin'],
      call: async (t) => h.api('POST', `/api/v1/users/${(await target()).id}/password-reset`, t),
    },
    {
      name: 'POST /users/:id/invitation',
      allowed: ['admin', 'userAdmin'],
      call: async (t) => {
        const invited = await h.tresor.accounts.invite(h.admin, { email: `invited${++serial}@example.test` });
        return h.api('POST', `/api/v1/users/${invited.user.id}/invitation`, t);
      },
    },
    {
      name: 'DELETE /users/:id/second-factor',
      allowed: ['admin', 'userAdmin'],
      call: async (t) => {
        const user = await target();
        const holder = { kind: 'user' as const, id: user.id, via: 'session' as const };
        const { secret } = await h.tresor.factors.begin(holder);
        await h.tresor.factors.confirm(holder, new TOTP({ secret: Secret.fromBase32(secret) }).generate());
        return h.api('DELETE', `/api/v1/users/${user.id}/second-factor`, t);
      },
    },
    {
      name: 'PATCH /users/:id (disable)',
      allowed: ['admin', 'userAdmin'],
      call: async (t) => h.api('PATCH', `/api/v1/users/${(await target()).id}`, t, { disabled: true }),
    },
    {
      name: 'PUT /users/:id/permissions/USER_ADMIN',
      allowed: ['admin', 'userAdmin'],
      call: async (t) => h.api('PUT', `/api/v1/users/${(await target()).id}/permissions/USER_ADMIN`, t),
    },
    {
      name: 'DELETE /users/:id/permissions/USER_ADMIN',
      allowed: ['admin', 'userAdmin'],
      call: async (t) =>
        h.api(
          'DELETE',
          `/api/v1/users/${(await createUser(h.tresor, h.admin, 'holder', ['USER_ADMIN'])).id}/permissions/USER_ADMIN`,
          t,
        ),
    },
    {
      name: 'GET /users/:id/permissions',
      allowed: ['admin', 'userAdmin'],
      call: async (t) => h.api('GET', `/api/v1/users/${(await target()).id}/permissions`, t),
    },
    {
      name: 'POST /groups',
      allowed: ['admin', 'groupAdmin'],
      call: (t) => h.api('POST', '/api/v1/groups', t, { name: `g${++serial}` }),
    },
    {
      name: 'DELETE /groups/:group',
      allowed: ['admin', 'groupAdmin'],
      call: async (t) => h.api('DELETE', `/api/v1/groups/${(await group()).name}`, t),
    },
    {
      name: 'PUT /groups/:group/members/:id',
      allowed: ['admin', 'groupAdmin'],
      call: async (t) => h.api('PUT', `/api/v1/groups/${(await group()).name}/members/${(await target()).id}`, t),
    },
    {
      name: 'DELETE /groups/:group/members/:id',
      allowed: ['admin', 'groupAdmin'],
      call: async (t) => {
        const [g, u] = [await group(), await target()];
        await h.tresor.groups.addMember(h.admin, g.name, u.id);
        return h.api('DELETE', `/api/v1/groups/${g.name}/members/${u.id}`, t);
      },
    },
    {
      name: 'PUT /groups/:group/permissions/GROUP_ADMIN',
      allowed: ['admin', 'groupAdmin'],
      call: async (t) => h.api('PUT', `/api/v1/groups/${(await group()).name}/permissions/GROUP_ADMIN`, t),
    },
    {
      name: 'GET /groups/:group/members',
      allowed: ['admin', 'userAdmin', 'groupAdmin'],
      call: async (t) => h.api('GET', `/api/v1/groups/${(await group()).name}/members`, t),
    },
    { name: 'GET /audit', allowed: ['admin', 'auditReader'], call: (t) => h.api('GET', '/api/v1/audit?limit=1', t) },
    {
      name: 'GET /audit/verify',
      allowed: ['admin', 'auditReader'],
      call: (t) => h.api('GET', '/api/v1/audit/verify', t),
    },
    {
      name: 'POST /secrets',
      allowed: ['admin', 'manager'],
      call: (t) =>
        h.api('POST', '/api/v1/secrets', t, { type: 'password', name: `s${++serial}`, fields: { password: 'pw' } }),
    },
    {
      name: 'GET /secrets?all=true',
      allowed: ['admin', 'manager'],
      call: (t) => h.api('GET', '/api/v1/secrets?all=true', t),
    },
  ];

  for (const route of routes) {
    it(`${route.name}: only ${route.allowed.join(', ')}`, async () => {
      for (const role of roles) {
        const res = await route.call(tokens[role]);
        figures.cells++;
        const allowed = route.allowed.includes(role);
        if (!allowed && res.statusCode < 300) figures.unexpectedAllows++;
        expect(`${role}: ${res.statusCode}`, res.body).toBe(`${role}: ${allowed ? res.statusCode : 403}`);
        if (allowed) expect(res.statusCode, `${role}: ${res.body}`).toBeLessThan(300);
      }
    });
  }
});
