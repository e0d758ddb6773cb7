/**
 * Sharing, administration, tokens and the authorisation matrix at the HTTP level: the
 * same policy as the service layer, seen through status codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { findCanaries } from '../support/leak-scan.ts';
import { createGroup, createUser } from '../support/principals.ts';

const full = ['SECRET_MANAGEMENT_CREATE', 'SECRET_MANAGEMENT_UPDATE', 'SECRET_MANAGEMENT_DELETE'] as const;

describe.each(databaseKinds)('REST API: access on %s', (kind) => {
  let h: TestApp;
  let admin: string;
  const canaries = ['CANARY-access-secret'];
  beforeAll(async () => {
    h = await testApp(kind);
    admin = await h.tokenFor(h.admin);
  });
  afterAll(async () => {
    expect(findCanaries(h.seen.join('\n'), canaries)).toEqual([]);
    await h?.close();
  });

  it('shares with a user and a group, lists and removes shares; errors name the field', async () => {
    const owner = await createUser(h.tresor, h.admin, 'api-owner', [...full]);
    const friend = await createUser(h.tresor, h.admin, 'api-friend');
    const team = await createGroup(h.tresor, h.admin, 'api-team');
    const token = await h.tokenFor(owner);
    const s = (
      await h.api('POST', '/api/v1/secrets', token, {
        type: 'password',
        name: 'api-shared',
        fields: { password: canaries[0] },
      })
    ).json();
    const toUser = await h.api('POST', `/api/v1/secrets/${s.id}/shares`, token, { user: friend.email });
    expect(toUser.statusCode).toBe(201);
    expect(toUser.json()).toMatchObject({ kind: 'user', label: friend.email });
    expect((await h.api('POST', `/api/v1/secrets/${s.id}/shares`, token, { group: team.name })).statusCode).toBe(201);
    expect((await h.api('GET', `/api/v1/secrets/${s.id}/shares`, token)).json().items).toHaveLength(2);
    const friendToken = await h.tokenFor(friend);
    expect(
      (await h.api('GET', '/api/v1/secrets', friendToken)).json().items.map((x: { name: string }) => x.name),
    ).toEqual(['api-shared']);
    const unknown = await h.api('POST', `/api/v1/secrets/${s.id}/shares`, token, { user: 'ghost@example.test' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.field).toBe('user');
    expect(
      (await h.api('POST', `/api/v1/secrets/${s.id}/shares`, token, { user: friend.email, group: team.name }))
        .statusCode,
    ).toBe(422);
    expect((await h.api('POST', `/api/v1/secrets/${s.id}/shares`, token, { user: friend.email })).statusCode).toBe(409);
    expect((await h.api('DELETE', `/api/v1/secrets/${s.id}/shares/${toUser.json().id}`, token)).statusCode).toBe(204);
    expect((await h.api('GET', '/api/v1/secrets', friendToken)).json().items).toEqual([]);
    expect((await h.api('DELETE', `/api/v1/secrets/${s.id}/shares/${toUser.json().id}`, token)).statusCode).toBe(404);
  });

  it('administers users, groups, memberships and permissions, and refuses non-admins with 403', async () => {
    const created = await h.api('POST', '/api/v1/users', admin, {
      email: 'api-user@example.test',
      displayName: 'Api User',
    });
    expect(created.statusCode).toBe(201);
    const userId = created.json().id;
    expect((await h.api('POST', '/api/v1/users', admin, { email: 'api-user@example.test' })).statusCode).toBe(409);
    expect((await h.api('POST', '/api/v1/users', admin, { email: 'nope' })).json().error.field).toBe('email');
    expect((await h.api('PUT', `/api/v1/users/${userId}/permissions/SECRET_MANAGEMENT_CREATE`, admin)).statusCode).toBe(
      204,
    );
    expect((await h.api('GET', `/api/v1/users/${userId}/permissions`, admin)).json().items).toEqual([
      'SECRET_MANAGEMENT_CREATE',
    ]);
    expect((await h.api('PUT', `/api/v1/users/${userId}/permissions/GOD_MODE`, admin)).statusCode).toBe(422);
    expect((await h.api('POST', '/api/v1/groups', admin, { name: 'api-group' })).statusCode).toBe(201);
    expect((await h.api('PUT', `/api/v1/groups/api-group/members/${userId}`, admin)).statusCode).toBe(204);
    expect(
      (await h.api('GET', '/api/v1/groups/api-group/members', admin))
        .json()
        .items.map((u: { email: string }) => u.email),
    ).toEqual(['api-user@example.test']);
    expect((await h.api('PUT', '/api/v1/groups/api-group/permissions/SECRET_MANAGEMENT', admin)).statusCode).toBe(204);
    expect((await h.api('DELETE', '/api/v1/groups/system', admin)).statusCode).toBe(409);
    const userToken = await h.tokenFor({ kind: 'user', id: userId });
    expect((await h.api('GET', '/api/v1/users', userToken)).statusCode).toBe(403);
    expect((await h.api('POST', '/api/v1/groups', userToken, { name: 'x' })).statusCode).toBe(403);
    expect((await h.api('GET', '/api/v1/me', userToken)).json().email).toBe('api-user@example.test');
    expect((await h.api('DELETE', `/api/v1/groups/api-group/members/${userId}`, admin)).statusCode).toBe(204);
    expect((await h.api('DELETE', '/api/v1/groups/api-group', admin)).statusCode).toBe(204);
    // Disabling a user ends their tokens at once.
    expect((await h.api('PATCH', `/api/v1/users/${userId}`, admin, { disabled: true })).json().disabled).toBe(true);
    expect((await h.api('GET', '/api/v1/me', userToken)).statusCode).toBe(401);
    expect((await h.api('GET', '/api/v1/users/not-a-uuid', admin)).statusCode).toBe(422);
  });

  it('creates tokens shown once, lists them without values, and refuses a revoked one', async () => {
    const created = await h.api('POST', '/api/v1/tokens', admin, { name: 'ci', expiresInDays: 30 });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json();
    expect(token).toMatch(/^tsr_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    const secretPart = /^tsr_[0-9a-f]{32}_(.+)$/.exec(token)![1]!; // base64url: may itself contain '_'
    const list = await h.api('GET', '/api/v1/tokens', token);
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(secretPart);
    expect((await h.api('POST', '/api/v1/tokens', admin, { name: '' })).json().error.field).toBe('name');
    expect((await h.api('DELETE', `/api/v1/tokens/${id}`, admin)).statusCode).toBe(204);
    expect((await h.api('GET', '/api/v1/tokens', token)).statusCode).toBe(401);
    const stored = await h.database.handle.raw.query<{ row: string }>('select t::text as row from api_tokens t');
    expect(findCanaries(stored.map((r) => r.row).join('\n'), [token])).toEqual([]);
  });

  it('serves the audit trail to AUDIT_READ holders, with request id and client address, and its chain check', async () => {
    // changes=only leaves out what changed nothing (reads, sign-ins, refusals); the full trail has them.
    const all = (await h.api('GET', '/api/v1/audit?limit=1000', admin)).json().items as { action: string }[];
    const changes = (await h.api('GET', '/api/v1/audit?changes=only&limit=1000', admin)).json().items as {
      action: string;
    }[];
    expect(
      all.some((e) => e.action === 'auth.login' || e.action === 'secret.read' || e.action === 'access.denied'),
    ).toBe(true);
    expect(changes.length).toBeGreaterThan(0);
    expect(
      changes.filter((e) => ['auth.login', 'secret.read', 'secret.used', 'access.denied'].includes(e.action)),
    ).toEqual([]);
    const res = await h.api('GET', '/api/v1/audit?action=user.created&limit=5', admin);
    expect(res.statusCode).toBe(200);
    const entry = res.json().items.find((e: { targetName: string }) => e.targetName === 'api-user@example.test');
    expect(entry).toMatchObject({
      action: 'user.created',
      actorId: (h.admin as { id: string }).id,
      outcome: 'success',
      clientAddress: '127.0.0.1',
    });
    expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await h.api('GET', '/api/v1/audit/verify', admin)).json()).toMatchObject({ ok: true });
    const plain = await createUser(h.tresor, h.admin, 'no-audit');
    expect((await h.api('GET', '/api/v1/audit', await h.tokenFor(plain))).statusCode).toBe(403);
  });

  it('trades e-mail and password for a short-lived token, refuses wrong ones with 401, and rate-limits', async () => {
    const user = await createUser(h.tresor, h.admin, 'trader');
    const ok = await h.api('POST', '/api/v1/auth/token', undefined, {
      email: user.email,
      password: 'correct horse battery staple',
    });
    expect(ok.statusCode).toBe(200);
    expect(new Date(ok.json().expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
    expect((await h.api('GET', '/api/v1/me', ok.json().token)).json().id).toBe(user.id);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await h.api('POST', '/api/v1/auth/token', undefined, { email: user.email, password: 'wrong password!!' }))
          .statusCode,
      );
    expect(statuses.slice(0, 9)).toEqual(Array(9).fill(401));
    expect(statuses.at(-1)).toBe(429);
  });
});

describe.each(databaseKinds)('authorisation matrix over HTTP on %s', (kind) => {
  let h: TestApp;
  let tokens: Record<string, string>;
  const figures = { cells: 0, unexpectedAllows: 0 };
  beforeAll(async () => {
    h = await testApp(kind);
    const team = await createGroup(h.tresor, h.admin, 'm-team');
    const users = {
      owner: await createUser(h.tresor, h.admin, 'h-owner', [...full]),
      directShare: await createUser(h.tresor, h.admin, 'h-direct', [...full]),
      groupMember: await createUser(h.tresor, h.admin, 'h-member', [...full], [team.name]),
      stranger: await createUser(h.tresor, h.admin, 'h-stranger', [...full]),
      manager: await createUser(h.tresor, h.admin, 'h-manager', ['SECRET_MANAGEMENT']),
    };
    tokens = Object.fromEntries(
      await Promise.all(Object.entries(users).map(async ([k, u]) => [k, await h.tokenFor(u)] as const)),
    );
    (h as unknown as { team: string }).team = team.name;
    (h as unknown as { direct: string }).direct = users.directShare.email;
  });
  afterAll(async () => {
    process.stdout.write(
      `[figures] authorisation matrix (${kind}, HTTP level): ${figures.cells} cells checked, ${figures.unexpectedAllows} unexpected allows\n`,
    );
    await h?.close();
  });

  // Expected status per relation; 2xx = allowed.
  const routes: [string, (id: string) => [string, string, unknown?], Record<string, number>][] = [
    [
      'GET /secrets/:id',
      (id) => ['GET', `/api/v1/secrets/${id}`],
      { owner: 200, directShare: 200, groupMember: 404, stranger: 404, manager: 200 },
    ],
    [
      'PATCH /secrets/:id',
      (id) => ['PATCH', `/api/v1/secrets/${id}`, { description: 'x' }],
      { owner: 200, directShare: 403, groupMember: 404, stranger: 404, manager: 200 },
    ],
    [
      'DELETE /secrets/:id',
      (id) => ['DELETE', `/api/v1/secrets/${id}`],
      { owner: 204, directShare: 403, groupMember: 404, stranger: 404, manager: 204 },
    ],
    [
      'GET /secrets/:id/versions',
      (id) => ['GET', `/api/v1/secrets/${id}/versions`],
      { owner: 200, directShare: 200, groupMember: 404, stranger: 404, manager: 200 },
    ],
    [
      'POST /secrets/:id/rollback',
      (id) => ['POST', `/api/v1/secrets/${id}/rollback`, { version: 1 }],
      { owner: 200, directShare: 403, groupMember: 404, stranger: 404, manager: 200 },
    ],
    [
      'GET /secrets/:id/shares',
      (id) => ['GET', `/api/v1/secrets/${id}/shares`],
      { owner: 200, directShare: 403, groupMember: 404, stranger: 404, manager: 200 },
    ],
    [
      'POST /secrets/:id/shares',
      (id) => ['POST', `/api/v1/secrets/${id}/shares`, { group: 'system' }],
      { owner: 201, directShare: 403, groupMember: 404, stranger: 404, manager: 201 },
    ],
  ];

  for (const [route, build, expected] of routes) {
    for (const [relation, status] of Object.entries(expected)) {
      it(`${route} as ${relation} → ${status}`, async () => {
        const ownerToken = tokens.owner!;
        const s = (
          await h.api('POST', '/api/v1/secrets', ownerToken, {
            type: 'password',
            name: `hm-${Math.random().toString(36).slice(2, 10)}`,
            fields: { password: 'one' },
          })
        ).json();
        await h.api('PATCH', `/api/v1/secrets/${s.id}`, ownerToken, { fields: { password: 'two' } });
        await h.api('POST', `/api/v1/secrets/${s.id}/shares`, ownerToken, {
          user: (h as unknown as { direct: string }).direct,
        });
        await h.api('POST', `/api/v1/secrets/${s.id}/shares`, ownerToken, {
          group: (h as unknown as { team: string }).team,
        });
        const [method, url, body] = build(s.id);
        const res = await h.api(method as 'GET', url, tokens[relation], body);
        figures.cells++;
        if (res.statusCode < 300 && status >= 400) figures.unexpectedAllows++;
        expect(res.statusCode, res.body).toBe(status);
      });
    }
  }
});
