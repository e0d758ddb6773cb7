/**
 * The single sign-on callback under hostile input: fast-check sends forged codes, states,
 * errors and issuers, with no flow cookie, a made-up one, or a real flow this browser began;
 * then forged CLI sign-in codes and verifiers, forged mailed-link tokens, forged
 * second-factor codes beside a right password, and forged passkey answers.
 * Figures: requests sent, 5xx answers (must be 0), sessions handed out (must be 0), users
 * created (must be 0).
 */
import fc from 'fast-check';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemPrincipal, type UserPrincipal } from '../../src/identity/principal.ts';
import { UiClient } from '../support/browser-session.ts';
import { type TestApp, testApp } from '../support/http.ts';
import { type OAuth2TestServer, startOAuth2Server } from '../support/oauth2-server.ts';

const runs = Number(process.env.FUZZ_RUNS ?? 40);
const publicUrl = 'https://tresor.test';

const json = fc.jsonValue({ maxDepth: 3 });
const hostile = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    "'; drop table users; --",
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00',
    '__proto__',
    'A'.repeat(5000),
    'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.',
    'https://attacker.example/',
  ),
);

describe('hostile single sign-on callbacks (PGlite)', () => {
  let server: OAuth2TestServer;
  let h: TestApp;
  const figures = { requests: 0, serverErrors: 0, sessions: 0 };

  beforeAll(async () => {
    server = await startOAuth2Server({ redirectUris: [`${publicUrl}/auth/oidc/callback`] });
    h = await testApp('pglite', {
      TRESOR_PUBLIC_URL: publicUrl,
      TRESOR_OUTBOUND_CA_FILE: server.caFile,
      TRESOR_OIDC_ISSUER: server.issuer,
      TRESOR_OIDC_CLIENT_ID: server.clientId,
      TRESOR_OIDC_CLIENT_SECRET: server.clientSecret,
      TRESOR_OIDC_AUTO_CREATE: 'true',
      TRESOR_LOGIN_ATTEMPTS_PER_MINUTE: '10000',
    });
  });
  afterAll(async () => {
    process.stdout.write(`[figures] hostile SSO callbacks: ${JSON.stringify(figures)}\n`);
    await h?.close();
    await server?.close();
  });

  it('answers every forged callback with a refusal, hands out no session and creates no user', async () => {
    const usersBefore = (await h.tresor.users.list(h.admin)).length;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          { code: hostile, state: hostile, error: hostile, iss: hostile, session_state: hostile },
          { requiredKeys: [] },
        ),
        fc.constantFrom('none', 'made-up', 'real'),
        async (query, cookie) => {
          let flow = '';
          if (cookie === 'real') {
            const start = await h.request({ method: 'GET', url: '/auth/oidc/start' });
            flow = start.cookies.find((c) => c.name === 'tresor_sso_flow')?.value ?? '';
          } else if (cookie === 'made-up') flow = 'x'.repeat(43);
          const search = new URLSearchParams(query as Record<string, string>).toString();
          const answer = await h.request({
            method: 'GET',
            url: `/auth/oidc/callback?${search}`,
            headers: { accept: 'text/html', ...(flow ? { cookie: `tresor_sso_flow=${flow}` } : {}) },
          });
          figures.requests++;
          if (answer.statusCode >= 500) figures.serverErrors++;
          if (answer.cookies.some((c) => c.name === 'tresor_session' && c.value !== '')) figures.sessions++;
          expect(answer.statusCode, answer.body.slice(0, 300)).toBeLessThan(500);
          // Refused: unauthenticated, or an input too long for its field (422).
          expect([400, 401, 422]).toContain(answer.statusCode);
        },
      ),
      { numRuns: runs },
    );
    expect(figures.serverErrors).toBe(0);
    expect(figures.sessions).toBe(0);
    expect((await h.tresor.users.list(h.admin)).length).toBe(usersBefore);
  });

  it('answers forged CLI sign-in codes and verifiers with 400/401/422: no token minted', async () => {
    const tokensBefore = (await h.tresor.audit.query(h.admin, { action: 'token.created' })).length;
    // A real, approved code in the mix: only its own verifier may trade it, and fast-check never has it.
    const principal = h.admin as UserPrincipal;
    const codes: string[] = [];
    for (let i = 0; i < 3; i++)
      codes.push(
        (
          await h.tresor.signIn.cli.approve(principal, {
            challenge: 'c'.repeat(43),
            name: 'fuzzed',
            expiresInDays: 1,
            scope: 'full',
            currentPassword: 'correct horse battery staple',
          })
        ).code,
      );
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile, fc.constantFrom(...codes)), hostile, async (code, verifier) => {
        const answer = await h.request({
          method: 'POST',
          url: '/api/v1/auth/cli-token',
          payload: { code, verifier },
        });
        figures.requests++;
        if (answer.statusCode >= 500) figures.serverErrors++;
        expect([400, 401, 422]).toContain(answer.statusCode);
        expect(answer.body).not.toContain('"token"');
      }),
      { numRuns: runs },
    );
    const tokensAfter = (await h.tresor.audit.query(h.admin, { action: 'token.created' })).length;
    expect(tokensAfter).toBe(tokensBefore);
  });

  it('answers forged mailed-link tokens (choose a password) with 400/401/422: no password changes', async () => {
    const hashes = async () =>
      JSON.stringify(await h.database.handle.raw.query('select id, password_hash from users order by id'));
    const before = await hashes();
    await fc.assert(
      fc.asyncProperty(hostile, hostile, fc.boolean(), async (token, password, ui) => {
        const answer = ui
          ? await h.request({
              method: 'GET',
              url: `/password/choose?${new URLSearchParams({ token })}`,
              headers: { accept: 'text/html' },
            })
          : await h.request({ method: 'POST', url: '/api/v1/auth/password', payload: { token, password } });
        figures.requests++;
        if (answer.statusCode >= 500) figures.serverErrors++;
        expect([400, 401, 422]).toContain(answer.statusCode);
      }),
      { numRuns: runs },
    );
    expect(await hashes()).toBe(before);
  });

  it('answers forged second-factor codes with 400/401/422: no token for a right password without the code', async () => {
    const person = { ...(h.admin as UserPrincipal), via: 'session' as const };
    const { secret } = await h.tresor.factors.begin(person);
    const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate();
    await h.tresor.factors.confirm(person, code);
    const email = (await h.tresor.users.get(h.admin, person.id)).email;
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostile, fc.constant(code), fc.stringMatching(/^\d{6}$/)), async (forged) => {
        const answer = await h.request({
          method: 'POST',
          url: '/api/v1/auth/token',
          payload: { email, password: 'correct horse battery staple', code: forged },
        });
        figures.requests++;
        if (answer.statusCode >= 500) figures.serverErrors++;
        expect([400, 401, 422]).toContain(answer.statusCode);
        expect(answer.body).not.toContain('"token"');
      }),
      { numRuns: runs },
    );
    await h.tresor.factors.removeFor(systemPrincipal, person.id);
  });

  it('answers forged passkey answers with 400/401/422: no session', async () => {
    const browser = new UiClient(h.app);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostile,
          json.map((v) => JSON.stringify(v)),
          fc.constant('{"id":"x","response":{}}'),
        ),
        async (response) => {
          const answer = await browser.post('/login/passkey', { response }, { from: '/login' });
          figures.requests++;
          if (answer.statusCode >= 500) figures.serverErrors++;
          if (answer.cookies.some((c) => c.name === 'tresor_session' && c.value !== '')) figures.sessions++;
          expect([400, 401, 422]).toContain(answer.statusCode);
        },
      ),
      { numRuns: runs },
    );
    expect(figures.sessions).toBe(0);
  });
});
