/**
 * Tresor inside a host app that brings its own users and groups (issue "Inside the host app"):
 * the host's identity contract decides who is signed in; Tresor links, mirrors groups, and
 * keeps every access decision. Driven through fastify's inject on both databases; the Chromium
 * journey with the packed tarball is test/e2e/host-app.test.ts.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../credential-types/api-key.ts';
import type { HostUser } from '../../src/identity/host/host-user.ts';
import { tresorPlugin } from '../../src/web/app.ts';
import type { HostIdentity, HostPage } from '../../src/web/host-identity.ts';
import { UiClient } from '../support/browser-session.ts';
import { databaseKinds, type TestTresor, testTresor } from '../support/databases.ts';
import { encodings, findCanaries } from '../support/leak-scan.ts';

const canary = 'CANARY-host-identity-7d1c9';

/** The host's own user table: what its `lookup` and its session read. */
function hostDirectory() {
  const people = new Map<string, HostUser>([
    ['h-ann', { subject: 'h-ann', email: 'ann@host.test', displayName: 'Ann Admin', groups: ['Admin'] }],
    ['h-bob', { subject: 'h-bob', email: 'bob@host.test', displayName: 'Bob Ops', groups: ['ops'] }],
    ['h-cy', { subject: 'h-cy', email: 'cy@host.test', displayName: 'Cy', groups: [] }],
  ]);
  const identity: HostIdentity = {
    // The host's session, as a header here (test/e2e/host-app.test.ts uses a real session cookie).
    currentUser: (request: FastifyRequest) => people.get(String(request.headers['x-host-user'] ?? '')),
    signInUrl: (returnTo) => `/sign-in?return=${encodeURIComponent(returnTo)}`,
    signOutUrl: '/sign-out',
    lookup: (subject) => people.get(subject),
    groups: ['Payments Editors'],
    administratorGroups: ['Admin'],
  };
  return { people, identity };
}

describe.each(databaseKinds)('a host app signs people in (%s)', (kind) => {
  let t: TestTresor;
  let host: FastifyInstance;
  let directory: ReturnType<typeof hostDirectory>;
  const seen: string[] = [];
  const as = (subject: string) => {
    const client = new UiClient(host);
    client.headers['x-host-user'] = subject;
    return client;
  };

  beforeAll(async () => {
    t = await testTresor(kind);
    directory = hostDirectory();
    host = Fastify();
    host.get('/', async () => 'the host');
    await host.register(tresorPlugin, {
      tresor: t.tresor,
      prefix: '/vault',
      identity: directory.identity,
      layout: (page: HostPage) =>
        `<!doctype html><html><head><title>${page.title} · Host</title>${page.head}</head>` +
        `<body><header id="host-header">Host app<nav>${page.navigation
          .map((n) => `<a href="${n.href}">${n.label}</a>`)
          .join('')}</nav></header><main>${page.content}</main></body></html>`,
    });
    host.addHook('onSend', async (request, reply, payload) => {
      seen.push(`${request.url}\n${JSON.stringify(reply.getHeaders())}\n${String(payload)}`);
      return payload;
    });
    await host.ready();
  });
  afterAll(async () => {
    await host.close();
    await t.close();
  });

  it('shows a host user their store with no sign-in of its own, in the host layout', async () => {
    const ann = as('h-ann');
    const store = await ann.get('/vault/secrets');
    expect(store.statusCode).toBe(200);
    expect(store.body).toContain('<header id="host-header">Host app');
    expect(store.body).toContain('href="/vault/assets/tresor.css"');
    expect(store.body).toContain('<div class="tresor"');
    // Ann is in the host's "Admin" group: Tresor administration, without a second list.
    expect(store.body).toContain('href="/vault/admin/users"');
    // Tresor's headers still go out with the host's layout.
    expect(store.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(store.headers['cache-control']).toBe('no-store');
    // No Tresor session: nothing but the CSRF cookie.
    expect(store.cookies.map((c) => c.name)).not.toContain('tresor_session');
    const user = await t.tresor.users.findByEmail('ann@host.test');
    expect(user?.displayName).toBe('Ann Admin');
    const groups = await t.tresor.groups.list(t.admin, { for: 'admin' });
    expect(groups.find((g) => g.name === 'admin')).toMatchObject({ managedBy: 'host' });
    // A group the host names exists before any member visits, so it can be shared with.
    expect(groups.find((g) => g.name === 'payments-editors')).toMatchObject({ managedBy: 'host' });
  });

  it('sends someone the host has not signed in to the host, and offers none of its own ways in', async () => {
    const nobody = as('');
    const store = await nobody.get('/vault/secrets/new');
    expect(store.statusCode).toBe(302);
    expect(store.headers.location).toBe(`/sign-in?return=${encodeURIComponent('/vault/secrets/new')}`);
    expect((await nobody.get('/vault/login?next=/vault/tokens')).headers.location).toBe(
      `/sign-in?return=${encodeURIComponent('/vault/tokens')}`,
    );
    for (const path of ['/vault/setup', '/vault/forgot-password', '/vault/account/password', '/vault/login/code'])
      expect((await as('h-cy').get(path)).statusCode, path).toBe(404);
    const post = await nobody.post('/vault/login', { email: 'ann@host.test', password: 'x' }, { csrf: false });
    expect(post.statusCode).toBe(404);
    const cy = as('h-cy');
    const out = await cy.post('/vault/logout', {}, { from: '/vault/account' });
    expect(out.statusCode).toBe(302);
    expect(out.headers.location).toBe('/sign-out');
    expect((await cy.get('/vault/account')).body).toContain('kept there');
  });

  it("keeps a host group's members in step and never lets Tresor edit them; use() follows the host", async () => {
    const ann = await t.tresor.host.principalFor('h-ann');
    await t.tresor.secrets.create(ann, { type: 'api-key', name: 'deploy', fields: { key: canary } });
    await as('h-bob').get('/vault/secrets'); // Bob's first visit links him and mirrors "ops"
    await t.tresor.shares.share(ann, 'deploy', { group: 'ops' });
    const bob = await t.tresor.host.principalFor('h-bob');
    expect((await t.tresor.use(ApiKey, bob, 'deploy')).value.key).toBe(canary);
    // Shared with a group: usable by Bob's modules, not in Bob's store.
    expect((await as('h-bob').get('/vault/secrets')).body).not.toContain('deploy');
    // An administrator cannot put anyone into the host's group in Tresor.
    const cy = await t.tresor.users.findByEmail('cy@host.test');
    await expect(t.tresor.groups.addMember(t.admin, 'ops', cy!.id)).rejects.toThrow(/host/);
    // The host takes Bob out of ops: the next use answers as for any stranger.
    directory.people.set('h-bob', { ...directory.people.get('h-bob')!, groups: [] });
    await expect(t.tresor.use(ApiKey, await t.tresor.host.principalFor('h-bob'), 'deploy')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const trail = await t.tresor.audit.query(t.admin, { action: 'membership.synced' });
    expect(trail.some((e) => JSON.stringify(e.details).includes('"removed":["ops"]'))).toBe(true);
  });

  it('writes a visit only when the host says something new', async () => {
    const before = (await t.tresor.audit.query(t.admin, { limit: 1000 })).length;
    for (let i = 0; i < 3; i++) expect((await as('h-cy').get('/vault/secrets')).statusCode).toBe(200);
    expect((await t.tresor.audit.query(t.admin, { limit: 1000 })).length).toBe(before);
    directory.people.set('h-cy', { ...directory.people.get('h-cy')!, groups: ['ops'] });
    await as('h-cy').get('/vault/secrets');
    const after = await t.tresor.audit.query(t.admin, { action: 'membership.synced' });
    expect(after[0]?.details).toMatchObject({ source: 'host', added: ['ops'] });
  });

  it('ends the access and the tokens of a person the host removes; the same subject returns as the same user', async () => {
    directory.people.set('h-dee', { subject: 'h-dee', email: 'dee@host.test', groups: [] });
    const dee = as('h-dee');
    await dee.get('/vault/tokens');
    // Minting a token: the host vouches for the sign-in (no Tresor password to ask for).
    const created = await dee.post('/vault/tokens', { name: 'ci', scope: 'read' }, { from: '/vault/tokens' });
    expect(created.statusCode).toBe(302);
    // The token travels to the next page in a cookie under the mount prefix (it went to /tokens before).
    expect(created.cookies.find((c) => c.name === 'tresor_new_token')?.path).toBe('/vault/tokens');
    const shown = await dee.get('/vault/tokens');
    const token = /tsr_[A-Za-z0-9_-]+/.exec(shown.body)?.[0];
    expect(token).toBeDefined();
    const list = () => host.inject({ url: '/vault/api/v1/secrets', headers: { authorization: `Bearer ${token}` } });
    expect((await list()).statusCode).toBe(200);
    const id = (await t.tresor.users.findByEmail('dee@host.test'))!.id;

    directory.people.delete('h-dee'); // removed at the host: its lookup knows nobody
    expect((await list()).statusCode).toBe(401);
    expect((await t.tresor.users.get(t.admin, id)).disabled).toBe(true);
    const trail = await t.tresor.audit.query(t.admin, { action: 'user.disabled' });
    expect(trail[0]).toMatchObject({ targetId: id, details: { source: 'host' } });

    directory.people.set('h-dee', { subject: 'h-dee', email: 'dee@host.test', groups: [] });
    expect((await as('h-dee').get('/vault/secrets')).statusCode).toBe(200);
    expect((await t.tresor.users.findByEmail('dee@host.test'))!.id).toBe(id);
    expect((await t.tresor.users.get(t.admin, id)).disabled).toBe(false);
    // Its old tokens stay ended: coming back is a new sign-in, not an undo.
    expect((await list()).statusCode).toBe(401);
  });

  it('keeps a user an administrator disabled in Tresor out, whatever the host says', async () => {
    const cy = (await t.tresor.users.findByEmail('cy@host.test'))!;
    await t.tresor.users.setDisabled(t.admin, cy.id, true);
    const page = await as('h-cy').get('/vault/secrets');
    expect(page.statusCode).toBe(401);
    await t.tresor.host.remove('h-cy');
    await as('h-cy').get('/vault/secrets');
    expect((await t.tresor.users.get(t.admin, cy.id)).disabled).toBe(true);
    await expect(t.tresor.host.principalFor('h-cy')).rejects.toThrow(/disabled/);
  });

  it('leaks no value into any page or answer', () => {
    expect(findCanaries(seen.join('\n'), encodings(canary))).toEqual([]);
  });
});

describe('bare pages', () => {
  it("renders Tresor's pages without its navigation, and refuses a second, different identity", async () => {
    const t = await testTresor('pglite');
    const { identity } = hostDirectory();
    const host = Fastify();
    await host.register(tresorPlugin, { tresor: t.tresor, prefix: '/vault', identity, layout: 'bare' });
    await host.ready();
    const client = new UiClient(host);
    client.headers['x-host-user'] = 'h-ann';
    const page = await client.get('/vault/secrets');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html lang="en" class="tresor">');
    expect(page.body).not.toContain('<nav');
    await expect(t.tresor.host.connect({ ...identity })).rejects.toThrow(/already has a host identity/);
    await host.close();
    await t.close();
  });
});
