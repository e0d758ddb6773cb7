/**
 * OAuth2 credentials against a real authorization server (oidc-provider on loopback HTTPS):
 * connect (authorization code with PKCE), fresh tokens through use(), rotated refresh tokens
 * kept, a refused refresh → needs reconnect, client credentials on first use, the callback's
 * refusals, two nodes refreshing once — and no token or client secret anywhere it must not be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenericOAuth2 } from '../../credential-types/oauth2.ts';
import { type Principal, systemPrincipal } from '../../src/identity/principal.ts';
import { Credential, OAuth2 } from '../../src/index.ts';
import { databaseKinds, type TestTresor, type TwoNodes, testTresor, twoNodes } from '../support/databases.ts';
import {
  connectThrough,
  type OAuth2TestServer,
  oauth2Fields,
  startOAuth2Server,
  testRedirectUri,
} from '../support/oauth2-server.ts';
import { createUser } from '../support/principals.ts';
import { relaySecretFields, startSmtpServer } from '../support/smtp-server.ts';

const redirectUri = testRedirectUri;
const session = 'session-cookie-of-the-browser';
const connect = connectThrough;
const fields = oauth2Fields;

/** An OAuth2 type whose token modules may send to the test server itself (its userinfo endpoint). */
@Credential({
  id: 'test-oauth2-api',
  name: 'Test API (OAuth2)',
  description: 'The test server as the API.',
  logo: 'oauth2.svg',
  allowedDomains: ['127.0.0.1'],
})
class TestApiOAuth2 extends OAuth2 {}

describe.each(databaseKinds)('OAuth2 credentials on %s', (kind) => {
  let t: TestTresor;
  let server: OAuth2TestServer;
  let owner: Principal & { email: string };
  const seenTokens: string[] = [];

  beforeAll(async () => {
    server = await startOAuth2Server({ redirectUris: [redirectUri], accessTokenSeconds: 120 });
    // Every authorization-code token (120 s) is within the margin: each use refreshes it.
    t = await testTresor(kind, {
      TRESOR_OUTBOUND_CA_FILE: server.caFile,
      TRESOR_OAUTH2_REFRESH_MARGIN_SECONDS: '300',
    });
    owner = await createUser(t.tresor, t.admin, 'oauth-owner', [
      'SECRET_MANAGEMENT_CREATE',
      'SECRET_MANAGEMENT_UPDATE',
    ]);
  });
  afterAll(async () => {
    // Nothing Tresor recorded or answered holds a token or the client secret.
    const trail = JSON.stringify(await t.tresor.audit.query(t.admin, { limit: 1000 }));
    for (const value of [...seenTokens, server.clientSecret]) expect(trail).not.toContain(value);
    await t?.close();
    await server?.close();
  });

  it('connects with PKCE and hands modules a token the server takes, refreshed with the rotated refresh token', async () => {
    await t.tresor.secrets.create(owner, { type: 'oauth2', name: 'crm', fields: fields(server) });
    await expect(t.tresor.use(GenericOAuth2, owner, 'crm')).rejects.toMatchObject({ code: 'RECONNECT_REQUIRED' });
    expect((await t.tresor.oauth2.status(owner, 'crm')).status).toBe('not-connected');

    expect(await connect(t.tresor, server, owner, 'crm')).toMatchObject({ name: 'crm' });
    expect(server.granted.authorization_code).toBe(1);
    const status = await t.tresor.oauth2.status(owner, 'crm');
    expect(status).toMatchObject({ status: 'connected', scopes: expect.stringContaining('email'), account: 'alice' });
    expect(JSON.stringify(status)).not.toMatch(/token/i);

    const refreshes = server.granted.refresh_token ?? 0;
    const first = (await t.tresor.use(GenericOAuth2, owner, 'crm', { module: 'crm-sync' })).value;
    const second = (await t.tresor.use(GenericOAuth2, owner, 'crm', { module: 'crm-sync' })).value;
    seenTokens.push(first.accessToken!, second.accessToken!);
    // Each use found its token within the margin and refreshed it: the second refresh could only
    // succeed with the refresh token the first one rotated in (the server refuses a used one).
    expect(server.granted.refresh_token).toBe(refreshes + 2);
    expect(server.refused).toEqual({});
    expect(first.accessToken).not.toBe(second.accessToken);
    expect(await server.accepts(second.accessToken!)).toBe(true);
    expect(second).toMatchObject({ tokenType: 'Bearer', clientId: server.clientId });
    expect(second.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now());

    const actions = (await t.tresor.audit.query(t.admin, { targetName: 'crm', limit: 50 })).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['secret.oauth2_connected', 'secret.oauth2_refreshed', 'secret.used']),
    );
  });

  it('marks a secret whose refresh the server refuses as needing a reconnect, until someone connects again', async () => {
    await t.tresor.secrets.create(owner, { type: 'oauth2', name: 'crm-revoked', fields: fields(server) });
    await t.tresor.notices.setRecipients(owner, 'crm-revoked', ['crm-team@example.test']);
    // Never sent to (no delivery run here): its queue shows what a change announces.
    const hook = await t.tresor.webhooks.create(t.admin, {
      url: 'https://127.0.0.1:9/hook',
      events: ['secret.needs_reconnect'],
    });
    await connect(t.tresor, server, owner, 'crm-revoked');
    server.forgetRefreshTokens();
    await expect(t.tresor.use(GenericOAuth2, owner, 'crm-revoked')).rejects.toMatchObject({
      code: 'RECONNECT_REQUIRED',
      message: expect.stringContaining('crm-revoked'),
    });
    expect(server.refused.invalid_grant).toBe(1);
    expect((await t.tresor.oauth2.status(owner, 'crm-revoked')).status).toBe('needs-reconnect');
    // Refused at once from now on: the server is not asked again.
    await expect(t.tresor.use(GenericOAuth2, owner, 'crm-revoked')).rejects.toMatchObject({
      code: 'RECONNECT_REQUIRED',
    });
    expect(server.refused.invalid_grant).toBe(1);
    // The connection test says so too, and that the token endpoint itself answers.
    const tested = await t.tresor.tests.testStored(owner, 'crm-revoked');
    expect(tested.report.ok).toBe(false);
    expect(tested.report.checks.map((c) => [c.name, c.status])).toEqual([
      ['Destination allowed', 'passed'],
      ['Token endpoint', 'passed'],
      ['Connected', 'failed'],
    ]);
    expect(tested.report.checks.at(-1)!.message).toContain('Needs reconnect');
    const marked = await t.tresor.audit.query(t.admin, { action: 'secret.oauth2_reconnect_needed', limit: 5 });
    expect(marked.map((e) => [e.targetName, e.details])).toEqual([['crm-revoked', { error: 'invalid_grant' }]]);

    expect((await t.tresor.webhooks.deliveries(t.admin, hook.endpoint.id)).map((d) => [d.event, d.secretName])).toEqual(
      [['secret.needs_reconnect', 'crm-revoked']],
    );
    await t.tresor.webhooks.remove(t.admin, hook.endpoint.id);

    // Mailed once, like an expiry notice, to the owner and the notice recipients.
    const smtp = await startSmtpServer('none', { username: 'oauth2', password: 'oauth2-relay' });
    try {
      await t.tresor.secrets.create(t.admin, { type: 'smtp', name: 'oauth2-relay', fields: relaySecretFields(smtp) });
      expect((await t.tresor.notices.run()).sent).toBe(1);
      expect(smtp.received.map((m) => [m.subject, m.to.sort()])).toEqual([
        ['Secret "crm-revoked" needs a reconnect', ['crm-team@example.test', owner.email].sort()],
      ]);
      expect(smtp.received[0]!.text).toContain('connects it again');
      expect((await t.tresor.notices.run()).sent).toBe(0);
    } finally {
      await smtp.close();
      await t.tresor.secrets.delete(t.admin, 'oauth2-relay');
    }

    await connect(t.tresor, server, owner, 'crm-revoked', 'bob');
    expect((await t.tresor.oauth2.status(owner, 'crm-revoked')).account).toBe('bob');
    expect((await t.tresor.tests.testStored(owner, 'crm-revoked')).report.ok).toBe(true);
    const again = (await t.tresor.use(GenericOAuth2, owner, 'crm-revoked')).value;
    seenTokens.push(again.accessToken!);
    expect(await server.accepts(again.accessToken!)).toBe(true);
  });

  it('fetches a client-credentials token on first use and keeps it while it is fresh', async () => {
    await t.tresor.secrets.create(owner, {
      type: 'oauth2',
      name: 'service-account',
      fields: fields(server, 'client_credentials'),
    });
    const before = server.granted.client_credentials ?? 0;
    const a = (await t.tresor.use(GenericOAuth2, owner, 'service-account')).value;
    const b = (await t.tresor.use(GenericOAuth2, owner, 'service-account')).value;
    seenTokens.push(a.accessToken!);
    expect(server.granted.client_credentials).toBe(before + 1);
    expect(b.accessToken).toBe(a.accessToken);
    expect((await t.tresor.oauth2.status(owner, 'service-account')).status).toBe('connected');
    await expect(t.tresor.oauth2.begin(owner, 'service-account', { session, redirectUri })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'grant',
    });
  });

  it('refuses a callback with a missing, wrong, used or other session’s state, a reused code, a foreign redirect URI', async () => {
    await t.tresor.secrets.create(owner, { type: 'oauth2', name: 'crm-csrf', fields: fields(server) });
    const refusedWith = (field: string) => expect.objectContaining({ code: 'VALIDATION_FAILED', field });
    await expect(
      t.tresor.oauth2.begin(owner, 'crm-csrf', { session, redirectUri: 'https://evil.example.test/steal' }),
    ).rejects.toEqual(refusedWith('redirectUri'));

    const { authorizationUrl } = await t.tresor.oauth2.begin(owner, 'crm-csrf', { session, redirectUri });
    const authorize = new URL(authorizationUrl);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(redirectUri);
    const back = await server.authorize(authorizationUrl);
    const state = back.searchParams.get('state')!;
    const code = back.searchParams.get('code')!;
    await expect(t.tresor.oauth2.complete(owner, { state: '', code, error: '', session })).rejects.toEqual(
      refusedWith('state'),
    );
    await expect(t.tresor.oauth2.complete(owner, { state: `${state}x`, code, error: '', session })).rejects.toEqual(
      refusedWith('state'),
    );
    // The right state from another session (a link sent to the victim): refused, and the state is not
    // spent — the real callback, in the session that started it, still completes.
    await expect(
      t.tresor.oauth2.complete(owner, { state, code, error: '', session: 'the attacker’s session' }),
    ).rejects.toEqual(refusedWith('state'));
    expect((await t.tresor.oauth2.status(owner, 'crm-csrf')).status).toBe('not-connected');
    await t.tresor.oauth2.complete(owner, { state, code, error: '', session });
    expect((await t.tresor.oauth2.status(owner, 'crm-csrf')).status).toBe('connected');
    // Used once: the same callback again is refused.
    await expect(t.tresor.oauth2.complete(owner, { state, code, error: '', session })).rejects.toEqual(
      refusedWith('state'),
    );
    await t.tresor.oauth2.disconnect(owner, 'crm-csrf');

    // A code already exchanged is refused by the server, and nothing changes here.
    const first = await t.tresor.oauth2.begin(owner, 'crm-csrf', { session, redirectUri });
    const ok = await server.authorize(first.authorizationUrl);
    await t.tresor.oauth2.complete(owner, {
      state: ok.searchParams.get('state')!,
      code: ok.searchParams.get('code')!,
      error: '',
      session,
    });
    const second = await t.tresor.oauth2.begin(owner, 'crm-csrf', { session, redirectUri });
    const secondState = new URL(second.authorizationUrl).searchParams.get('state')!;
    await expect(
      t.tresor.oauth2.complete(owner, { state: secondState, code: ok.searchParams.get('code')!, error: '', session }),
    ).rejects.toEqual(refusedWith('code'));
    expect((await t.tresor.oauth2.status(owner, 'crm-csrf')).status).toBe('connected');
  });

  it('lets only whoever may change and use the secret connect it, and a module only with a use grant', async () => {
    await t.tresor.secrets.create(owner, { type: 'oauth2', name: 'crm-shared', fields: fields(server) });
    const reader = await createUser(t.tresor, t.admin, 'oauth-reader');
    await t.tresor.shares.share(owner, 'crm-shared', { user: reader.email });
    await expect(t.tresor.oauth2.begin(reader, 'crm-shared', { session, redirectUri })).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
    });
    // A manager may change the secret but not use it: connecting would point the owner's modules at its account.
    const manager = await createUser(t.tresor, t.admin, 'oauth-manager', ['SECRET_MANAGEMENT']);
    await expect(t.tresor.oauth2.begin(manager, 'crm-shared', { session, redirectUri })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const stranger = await createUser(t.tresor, t.admin, 'oauth-stranger');
    await expect(t.tresor.oauth2.status(stranger, 'crm-shared')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await connect(t.tresor, server, owner, 'crm-shared');
    const used = (await t.tresor.use(GenericOAuth2, reader, 'crm-shared')).value;
    seenTokens.push(used.accessToken!);
    expect(await server.accepts(used.accessToken!)).toBe(true);
    expect((await t.tresor.oauth2.status(reader, 'crm-shared')).status).toBe('connected');
    // Whoever may read every secret (an administrator; Tresor itself) sees its state too, as its page shows it.
    expect((await t.tresor.oauth2.status(t.admin, 'crm-shared')).status).toBe('connected');
    expect((await t.tresor.oauth2.status(systemPrincipal, 'crm-shared')).status).toBe('connected');
  });

  it('applies the fresh access token to a module’s requests (context.http), only where the type allows', async () => {
    if (!t.tresor.registry.find('test-oauth2-api')) t.tresor.registry.register(TestApiOAuth2);
    await t.tresor.secrets.create(owner, { type: 'test-oauth2-api', name: 'crm-http', fields: fields(server) });
    await connect(t.tresor, server, owner, 'crm-http');
    const http = await t.tresor.moduleContext.http(owner, 'crm-http', { module: 'crm-sync', ca: server.ca });
    const me = await http.request(`${server.issuer}/me`);
    expect([me.status, JSON.parse(me.text).sub]).toEqual([200, 'alice']);
    expect(JSON.stringify(http)).not.toContain(server.clientSecret);
    await expect(http.request('https://localhost/elsewhere')).rejects.toMatchObject({ code: 'DESTINATION_REFUSED' });
    // The generic type declares no destinations: its token is not sent anywhere by Tresor.
    await expect(t.tresor.moduleContext.http(owner, 'crm', { ca: server.ca })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('allowedDomains'),
    });
  });

  it('lets every other query run while a refresh waits for a slow token endpoint', async () => {
    await t.tresor.secrets.create(owner, { type: 'oauth2', name: 'crm-slow', fields: fields(server) });
    await connect(t.tresor, server, owner, 'crm-slow');
    const finished: string[] = [];
    server.slowTokenEndpoint(3000);
    try {
      // Within the margin: this use refreshes, and its request waits at the server.
      const using = t.tresor.use(GenericOAuth2, owner, 'crm-slow').then(() => finished.push('use'));
      const before = server.granted.refresh_token ?? 0;
      await new Promise((done) => setTimeout(done, 200));
      // Meanwhile the store answers, and a change commits: no transaction is held through the request.
      await t.tresor.secrets.list(owner);
      await t.tresor.secrets.create(owner, { type: 'password', name: 'during-refresh', fields: { password: 'p' } });
      finished.push('others');
      await using;
      expect(finished).toEqual(['others', 'use']);
      expect(server.granted.refresh_token).toBe(before + 1);
    } finally {
      server.slowTokenEndpoint(0);
    }
  });

  it('forgets the connection when the client or its server changes', async () => {
    await t.tresor.secrets.create(owner, { type: 'oauth2', name: 'crm-moved', fields: fields(server) });
    await connect(t.tresor, server, owner, 'crm-moved');
    await t.tresor.secrets.update(owner, 'crm-moved', {
      fields: { ...fields(server), clientId: 'another-client' },
    });
    await expect(t.tresor.use(GenericOAuth2, owner, 'crm-moved')).rejects.toMatchObject({ code: 'RECONNECT_REQUIRED' });
  });
});

describe.runIf(databaseKinds.includes('postgres'))('OAuth2 refresh with two nodes on one PostgreSQL', () => {
  let server: OAuth2TestServer;
  let two: TwoNodes;
  let skew = 0;

  beforeAll(async () => {
    server = await startOAuth2Server({ redirectUris: [redirectUri], accessTokenSeconds: 120 });
    // The default margin (60 s) and tokens of 120 s: fresh after a refresh, stale once the clock moves 90 s.
    two = await twoNodes({ TRESOR_OUTBOUND_CA_FILE: server.caFile }, { clock: () => new Date(Date.now() + skew) });
  });
  afterAll(async () => {
    await two?.close();
    await server?.close();
  });

  it('refreshes once when both nodes find the token about to expire at the same time', async () => {
    const [a, b] = two.nodes;
    const { admin } = two;
    await a.secrets.create(admin, { type: 'oauth2', name: 'shared-crm', fields: fields(server) });
    await connect(a, server, admin, 'shared-crm');
    const connected = (await a.use(GenericOAuth2, admin, 'shared-crm')).value.accessToken;
    expect(server.granted.refresh_token ?? 0).toBe(0);
    skew = 90_000;
    const before = server.granted.refresh_token ?? 0;
    const uses = await Promise.all(
      [a, b, a, b, a, b].map((node) => node.use(GenericOAuth2, admin, 'shared-crm').then((u) => u.value.accessToken)),
    );
    expect(server.granted.refresh_token).toBe(before + 1);
    expect(server.refused).toEqual({});
    expect(new Set(uses).size).toBe(1);
    expect(uses[0]).not.toBe(connected);
    expect(await server.accepts(uses[0]!)).toBe(true);
    // Fresh now on both nodes: no further refresh.
    await Promise.all([a, b].map((node) => node.use(GenericOAuth2, admin, 'shared-crm')));
    expect(server.granted.refresh_token).toBe(before + 1);
  });
});
