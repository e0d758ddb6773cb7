/**
 * Single sign-on with OpenID Connect, against a real provider (oidc-provider on loopback
 * HTTPS, a certified OpenID Provider implementation) over Tresor's HTTP pages: sign-in with
 * PKCE, state and nonce; accounts linked by subject, created when allowed, linked by a
 * verified e-mail; the provider's groups mirrored and synced at every sign-in (and not
 * editable in Tresor); every forged answer refused (state, nonce, signature, audience,
 * expiry, a replayed callback, a callback without its browser's cookie); the provider's key
 * rotation followed; SSO-only mode with a break-glass account; sign-out at the provider too.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { databaseKinds } from '../support/databases.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { type OAuth2TestServer, startOAuth2Server } from '../support/oauth2-server.ts';

const publicUrl = 'https://tresor.test';
const callback = `${publicUrl}/auth/oidc/callback`;

/** A browser's cookie jar over inject. */
class Browser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly h: TestApp) {}
  async get(url: string): Promise<LightMyRequestResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await this.h.request({ method: 'GET', url, headers: { accept: 'text/html', cookie } });
    for (const c of response.cookies)
      if (c.value === '' || (c.expires && new Date(c.expires).getTime() < Date.now())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    return response;
  }
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe.each(databaseKinds)('single sign-on (OpenID Connect) on %s', (kind) => {
  let server: OAuth2TestServer;
  let h: TestApp;

  beforeAll(async () => {
    server = await startOAuth2Server({ redirectUris: [callback], postLogoutRedirectUris: [`${publicUrl}/login`] });
    h = await testApp(kind, {
      TRESOR_PUBLIC_URL: publicUrl,
      TRESOR_OUTBOUND_CA_FILE: server.caFile,
      TRESOR_OIDC_ISSUER: server.issuer,
      TRESOR_OIDC_CLIENT_ID: server.clientId,
      TRESOR_OIDC_CLIENT_SECRET: server.clientSecret,
      TRESOR_OIDC_SCOPES: 'openid email profile groups',
      TRESOR_OIDC_GROUPS_CLAIM: 'groups',
      TRESOR_OIDC_AUTO_CREATE: 'true',
      TRESOR_OIDC_ALLOWED_DOMAINS: 'example.test',
      TRESOR_OIDC_LABEL: 'Test IdP',
      // Every test signs in several times from one address within a minute.
      TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '200',
    });
  });
  afterAll(async () => {
    await h?.close();
    await server?.close();
  });

  /** Signs in as `login` at the provider: the callback's answer (and the browser, signed in or not). */
  async function signIn(login: string, browser = new Browser(h)) {
    const start = await browser.get('/auth/oidc/start?next=%2Fsecrets%3Fq%3Dx');
    expect(start.statusCode).toBe(303);
    const back = await server.authorize(String(start.headers.location), login);
    expect(`${back.origin}${back.pathname}`).toBe(callback);
    const answer = await browser.get(`/auth/oidc/callback${back.search}`);
    return { answer, browser, back };
  }

  it('offers single sign-on on the sign-in page, and signs a new user in with PKCE, state and nonce', async () => {
    const login = await new Browser(h).get('/login');
    expect(login.body).toContain('Sign in with Test IdP');
    const browser = new Browser(h);
    const start = await browser.get('/auth/oidc/start');
    const authorization = new URL(String(start.headers.location));
    expect(authorization.origin).toBe(server.issuer);
    for (const p of ['state', 'nonce', 'code_challenge']) expect(authorization.searchParams.get(p)).toBeTruthy();
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('redirect_uri')).toBe(callback);

    server.accounts.set('alice', { email: 'alice@example.test', email_verified: true, name: 'Alice', groups: ['ops'] });
    const { answer, browser: signedIn } = await signIn('alice');
    expect(answer.statusCode).toBe(303);
    expect(answer.headers.location).toBe('/secrets?q=x');
    expect((await signedIn.get('/secrets')).statusCode).toBe(200);
    const user = await h.tresor.users.findByEmail('alice@example.test');
    expect(user).toMatchObject({ displayName: 'Alice' });
    const actions = (await h.tresor.audit.query(h.admin, { targetName: 'alice@example.test', limit: 20 })).map(
      (e) => e.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['user.created', 'user.linked', 'membership.synced', 'auth.login']));
  });

  it("mirrors the provider's groups: created as managed, synced at every sign-in, never edited in Tresor", async () => {
    server.accounts.set('bob', {
      email: 'bob@example.test',
      email_verified: true,
      groups: ['/Payments Editors', 'ops'],
    });
    await signIn('bob');
    const bob = (await h.tresor.users.findByEmail('bob@example.test'))!;
    const groupsOfBob = async () =>
      (await h.tresor.groups.list(h.admin))
        .filter((g) => g.managedBy === 'oidc')
        .map((g) => g.name)
        .filter(async () => true);
    expect((await groupsOfBob()).sort()).toEqual(expect.arrayContaining(['ops', 'payments-editors']));
    const members = async (group: string) => (await h.tresor.groups.members(h.admin, group)).map((u) => u.email);
    expect(await members('payments-editors')).toEqual(['bob@example.test']);
    // Removed at the provider: removed in Tresor at the next sign-in.
    server.accounts.set('bob', { email: 'bob@example.test', email_verified: true, groups: ['ops'] });
    await signIn('bob');
    expect(await members('payments-editors')).toEqual([]);
    expect(await members('ops')).toContain('bob@example.test');
    // Its members come from the provider only: Tresor's own administrators are refused.
    await expect(h.tresor.groups.addMember(h.admin, 'ops', bob.id)).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringContaining('takes its members from oidc'),
    });
    // A group made in Tresor with the same name as a provider's group is not the provider's to fill.
    await h.tresor.groups.create(h.admin, { name: 'local-only' });
    server.accounts.set('bob', { email: 'bob@example.test', email_verified: true, groups: ['ops', 'local-only'] });
    await signIn('bob');
    expect(await members('local-only')).toEqual([]);
  });

  it('grants what a group made ahead as managed holds, once the provider names the user in it', async () => {
    await h.tresor.groups.create(h.admin, { name: 'secret-makers', managedBy: 'oidc' });
    await h.tresor.groups.grant(
      h.admin,
      { groupId: (await h.tresor.groups.find('secret-makers')).id },
      'SECRET_MANAGEMENT_CREATE',
    );
    server.accounts.set('carol', { email: 'carol@example.test', email_verified: true, groups: ['secret-makers'] });
    await signIn('carol');
    const carol = (await h.tresor.users.findByEmail('carol@example.test'))!;
    const created = await h.tresor.secrets.create(
      { kind: 'user', id: carol.id },
      {
        type: 'password',
        name: 'made-by-carol',
        fields: { password: 'a long and unguessable passphrase 91' },
      },
    );
    expect(created.name).toBe('made-by-carol');
  });

  it('links an existing user by a verified e-mail only, and refuses addresses outside the allowed domains', async () => {
    const existing = await h.tresor.users.create(systemPrincipal, {
      email: 'dave@example.test',
      password: 'correct horse battery staple',
    });
    server.accounts.set('dave-unverified', { email: 'dave@example.test', email_verified: false });
    const unverified = await signIn('dave-unverified');
    expect(unverified.answer.statusCode).toBe(401);
    expect(unverified.answer.body).toContain('not linked to this sign-in');
    server.accounts.set('dave', { email: 'dave@example.test', email_verified: true });
    expect((await signIn('dave')).answer.statusCode).toBe(303);
    expect((await h.tresor.users.findByEmail('dave@example.test'))!.id).toBe(existing.id);

    server.accounts.set('eve', { email: 'eve@elsewhere.test', email_verified: true });
    const outside = await signIn('eve');
    expect(outside.answer.statusCode).toBe(401);
    expect(outside.answer.body).toContain('not created for elsewhere.test addresses');
    expect(await h.tresor.users.findByEmail('eve@elsewhere.test')).toBeUndefined();
  });

  it('refuses a disabled user whatever the provider says', async () => {
    server.accounts.set('frank', { email: 'frank@example.test', email_verified: true });
    await signIn('frank');
    const frank = (await h.tresor.users.findByEmail('frank@example.test'))!;
    await h.tresor.users.setDisabled(h.admin, frank.id, true);
    const again = await signIn('frank');
    expect(again.answer.statusCode).toBe(401);
    expect(again.answer.body).toContain('disabled');
  });

  it('refuses a forged state, a callback without its cookie, a replayed callback and a provider error', async () => {
    server.accounts.set('grace', { email: 'grace@example.test', email_verified: true });
    const browser = new Browser(h);
    const start = await browser.get('/auth/oidc/start');
    const back = await server.authorize(String(start.headers.location), 'grace');
    // Another browser (the victim of a login CSRF) brings the attacker's code: no flow cookie.
    const stranger = await new Browser(h).get(`/auth/oidc/callback${back.search}`);
    expect(stranger.statusCode).toBe(401);
    expect(stranger.body).toContain('not started in this browser');
    // The flow is taken by its first callback: the right browser's is gone too now? No: the stranger had no cookie.
    const forged = new URLSearchParams(back.search);
    forged.set('state', 'forged-state');
    const wrongState = await browser.get(`/auth/oidc/callback?${forged}`);
    expect(wrongState.statusCode).toBe(401);
    expect(wrongState.body, wrongState.body.slice(-800)).toMatch(/state/i);
    // The flow went with that callback: the genuine answer after it is a replay.
    expect((await browser.get(`/auth/oidc/callback${back.search}`)).statusCode).toBe(401);

    const refusedAtProvider = new Browser(h);
    await refusedAtProvider.get('/auth/oidc/start');
    const denied = await refusedAtProvider.get('/auth/oidc/callback?error=access_denied&state=x');
    expect(denied.statusCode).toBe(401);
    expect(denied.body).toContain('access_denied');
  });

  it('refuses an ID token with a bad signature, another audience, an expiry past, or another nonce', async () => {
    server.accounts.set('heidi', { email: 'heidi@example.test', email_verified: true });
    const forgeries: [string, typeof server.rewriteIdToken, RegExp][] = [
      ['signature', async (token) => `${token.split('.').slice(0, 2).join('.')}.${'A'.repeat(342)}`, /signature/i],
      ['audience', async (token, sign) => sign({ ...claimsOf(token), aud: 'someone-else' }), /aud/],
      ['expiry', async (token, sign) => sign({ ...claimsOf(token), exp: Math.floor(Date.now() / 1000) - 600 }), /exp/],
      ['nonce', async (token, sign) => sign({ ...claimsOf(token), nonce: 'another-nonce' }), /nonce/],
    ];
    for (const [what, rewrite, message] of forgeries) {
      server.rewriteIdToken = rewrite;
      try {
        const { answer } = await signIn('heidi');
        expect(answer.statusCode, what).toBe(401);
        expect(answer.body, what).toMatch(message);
      } finally {
        server.rewriteIdToken = undefined;
      }
    }
    expect(await h.tresor.users.findByEmail('heidi@example.test')).toBeUndefined();
    const failures = await h.tresor.audit.query(h.admin, { action: 'auth.login_failed', limit: 100 });
    expect(failures.filter((e) => (e.details as { method?: string }).method === 'oidc').length).toBeGreaterThanOrEqual(
      4,
    );
    // A re-signed token with every claim right is taken: the refusals were the forgeries'.
    server.rewriteIdToken = async (token, sign) => sign(claimsOf(token));
    try {
      expect((await signIn('heidi')).answer.statusCode).toBe(303);
    } finally {
      server.rewriteIdToken = undefined;
    }
  });

  it("follows the provider's key rotation: a token signed with a new key is checked against the keys fetched again", async () => {
    server.accounts.set('ivan', { email: 'ivan@example.test', email_verified: true });
    expect((await signIn('ivan')).answer.statusCode).toBe(303);
    await server.rotateSigningKey();
    // openid-client fetches the keys again for an unknown key id once its copy is a minute old
    // (a cooldown against being made to fetch on every forged token): the clock moves past it.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    try {
      const { answer, back } = await signIn('ivan');
      expect(answer.statusCode, answer.body.slice(-600)).toBe(303);
      expect(back.searchParams.get('code')).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
    // Before that minute, a token signed with a key not yet seen is refused, not trusted.
    await server.rotateSigningKey();
    const early = await signIn('ivan');
    expect(early.answer.statusCode).toBe(401);
    expect(early.answer.body).toContain('no applicable keys found');
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 122_000 });
    try {
      expect((await signIn('ivan')).answer.statusCode).toBe(303);
    } finally {
      vi.useRealTimers();
    }
  });

  it('signs out at the provider too, by a page that follows its end-session link', async () => {
    server.accounts.set('judy', { email: 'judy@example.test', email_verified: true });
    const { browser, answer } = await signIn('judy');
    expect(answer.statusCode, answer.body.slice(-500)).toBe(303);
    const page = await browser.get('/secrets');
    expect(page.statusCode, page.body.slice(0, 300)).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    expect(csrf, page.body).toBeTruthy();
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const out = await h.request({
      method: 'POST',
      url: '/logout',
      payload: new URLSearchParams({ _csrf: csrf ?? '' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, accept: 'text/html' },
    });
    expect(out.statusCode).toBe(302);
    expect(out.headers.location).toBe('/signed-out');
    for (const c of out.cookies) browser.cookies.set(c.name, c.value);
    const signedOut = await browser.get('/signed-out');
    expect(signedOut.statusCode).toBe(200);
    const endSession = new URL(
      /href="([^"]+)" id="provider-logout"/
        .exec(signedOut.body)![1]!
        .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
        .replaceAll('&amp;', '&'),
    );
    expect(endSession.origin).toBe(server.issuer);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${publicUrl}/login`);
    expect((await browser.get('/secrets')).statusCode).toBe(302);
  });
});

describe('single sign-on only, with a break-glass account (PGlite)', () => {
  let server: OAuth2TestServer;
  let h: TestApp;

  beforeAll(async () => {
    server = await startOAuth2Server({ redirectUris: [callback] });
    h = await testApp('pglite', {
      TRESOR_PUBLIC_URL: publicUrl,
      TRESOR_OUTBOUND_CA_FILE: server.caFile,
      TRESOR_OIDC_ISSUER: server.issuer,
      TRESOR_OIDC_CLIENT_ID: server.clientId,
      TRESOR_OIDC_CLIENT_SECRET: server.clientSecret,
      TRESOR_SSO_ONLY: 'true',
      TRESOR_SSO_BREAK_GLASS: 'Glass@Example.test',
    });
    for (const email of ['glass@example.test', 'plain@example.test'])
      await h.tresor.users.create(systemPrincipal, { email, password: 'correct horse battery staple' });
  });
  afterAll(async () => {
    await h?.close();
    await server?.close();
  });

  const passwordSignIn = (email: string) =>
    h.api('POST', '/api/v1/auth/token', undefined, { email, password: 'correct horse battery staple' });

  it('refuses every password but the break-glass account’s, with one answer for known and unknown addresses', async () => {
    const plain = await passwordSignIn('plain@example.test');
    const unknown = await passwordSignIn('nobody@example.test');
    expect([plain.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(plain.json()).toEqual(unknown.json());
    expect(plain.body).toContain('sign in with single sign-on');
    expect((await passwordSignIn('glass@example.test')).statusCode).toBe(200);
    const failed = await h.tresor.audit.query(h.admin, { action: 'auth.login_failed', limit: 10 });
    expect(failed.map((e) => e.targetName)).toEqual(
      expect.arrayContaining(['plain@example.test', 'nobody@example.test']),
    );
  });

  it('folds the password form away under break-glass on the sign-in page, beside the single sign-on button', async () => {
    const page = await h.request({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
    expect(page.body).toContain('Sign in with single sign-on');
    expect(page.body).toMatch(/<details[^>]*><summary>Break-glass sign-in/);
  });
});
