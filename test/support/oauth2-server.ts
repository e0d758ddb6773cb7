/**
 * A real OAuth2 / OpenID authorization server for the tests: `oidc-provider` on loopback
 * HTTPS (its own CA, for TRESOR_OUTBOUND_CA_FILE), with PKCE required, refresh tokens issued
 * and rotated on every use, client credentials on, and its development login and consent
 * pages. It counts the tokens it grants by grant type, can forget every refresh token (so
 * the next refresh is refused with invalid_grant), and `authorize()` walks its pages over
 * HTTPS as a browser would (cookies and all), up to the redirect back to the client.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import Provider from 'oidc-provider';
import type { Principal } from '../../src/identity/principal.ts';
import type { Tresor } from '../../src/tresor.ts';
import { serverCertificate } from './pki.ts';

export interface OAuth2TestServer {
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  /** A PEM file holding the server's CA (for TRESOR_OUTBOUND_CA_FILE). */
  caFile: string;
  ca: string;
  clientId: string;
  clientSecret: string;
  /** Tokens granted so far, by grant type (authorization_code, refresh_token, client_credentials). */
  granted: Record<string, number>;
  /** Refused token requests by OAuth2 error code. */
  refused: Record<string, number>;
  /** Forgets every refresh token: the next refresh is refused (invalid_grant). */
  forgetRefreshTokens(): void;
  /** Makes the token endpoint answer only after `ms` (0: at once again), as a slow server would. */
  slowTokenEndpoint(ms: number): void;
  /** Walks the login and consent pages for `login`; resolves the URL the server sent the browser back to. */
  authorize(authorizationUrl: string, login?: string): Promise<URL>;
  /** Whether the server takes `accessToken` (its userinfo endpoint answers 200). */
  accepts(accessToken: string): Promise<boolean>;
  /** The claims each login's account has beyond `sub` (tests change them between sign-ins). */
  accounts: Map<string, Record<string, unknown>>;
  /** Rewrites the ID token of the next token answers (a test's forgery), until set back to undefined. */
  rewriteIdToken:
    | ((idToken: string, sign: (claims: Record<string, unknown>) => Promise<string>) => Promise<string>)
    | undefined;
  /** Signs with a new key from now on (the old one stays published), as a provider rotating its keys does. */
  rotateSigningKey(): Promise<void>;
  /** Registers these redirect URIs instead (a client whose address is known only once it listens). */
  setRedirectUris(uris: string[], postLogout?: string[]): void;
  close(): Promise<void>;
}

type Stored = Record<string, unknown> & { grantId?: string; uid?: string };

/** An RS256 signing key with a fresh kid, as the provider publishes it. */
async function newSigningKey(): Promise<{ jwk: JWK; key: CryptoKey }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  return { jwk, key: privateKey };
}

/** oidc-provider's storage, as a plain Map the test can look into. */
function adapterOver(store: Map<string, Stored>) {
  return class TestAdapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Stored) {
      store.set(this.key(id), payload);
      if (payload.uid) store.set(`uid:${payload.uid}`, { id });
    }
    async find(id: string) {
      return store.get(this.key(id));
    }
    async findByUid(uid: string) {
      const ref = store.get(`uid:${uid}`);
      return typeof ref?.id === 'string' ? this.find(ref.id) : undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const found = store.get(this.key(id));
      if (found) found.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, value] of store) if (value.grantId === grantId) store.delete(key);
    }
  };
}

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function send(url: URL, ca: string, options: { method?: string; cookies: Map<string, string>; body?: string }) {
  return new Promise<Answer>((resolve, reject) => {
    const cookie = [...options.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca,
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(options.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          for (const line of res.headers['set-cookie'] ?? []) {
            const [pair] = line.split(';');
            const at = pair!.indexOf('=');
            options.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface OAuth2ServerCertificate {
  ca: string;
  cert: string;
  key: string;
  /** The CA as a PEM file (for TRESOR_OUTBOUND_CA_FILE). */
  caFile: string;
}

export async function oauth2ServerCertificate(): Promise<OAuth2ServerCertificate> {
  const tls = await serverCertificate();
  const caFile = join(mkdtempSync(join(tmpdir(), 'tresor-oauth2-ca-')), 'ca.pem');
  writeFileSync(caFile, tls.ca);
  return { ...tls, caFile };
}

export async function startOAuth2Server(options: {
  /** Where the server may send the browser back to (Tresor's /oauth2/callback). */
  redirectUris: string[];
  /** Access tokens' lifetime from the authorization-code grant, seconds (default 120). */
  accessTokenSeconds?: number;
  /** Its certificate, made beforehand (`oauth2ServerCertificate`) when Tresor must trust it before the server runs. */
  tls?: OAuth2ServerCertificate;
  /** Where the server may send the browser after signing out (RP-initiated logout). */
  postLogoutRedirectUris?: string[];
}): Promise<OAuth2TestServer> {
  const { caFile, ...tls } = options.tls ?? (await oauth2ServerCertificate());
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = new Map<string, Stored>();
  const clientId = 'tresor-test-client';
  const clientSecret = 'CANARY-oauth2-client-secret-5d1f';
  const accounts = new Map<string, Record<string, unknown>>();
  const signingKeys: { jwk: JWK; key: CryptoKey }[] = [await newSigningKey()];
  const makeProvider = (keys: JWK[]) =>
    new Provider(issuer, {
      jwks: { keys },
      adapter: adapterOver(store),
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: options.redirectUris,
          post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
          grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: 'openid email profile groups offline_access api:read',
        },
      ],
      scopes: ['openid', 'email', 'profile', 'groups', 'offline_access', 'api:read'],
      claims: { email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
      findAccount: async (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: async () => ({ sub: id, email: `${id}@example.test`, ...accounts.get(id) }),
      }),
      features: {
        devInteractions: { enabled: true },
        clientCredentials: { enabled: true },
      },
      pkce: { required: () => true },
      issueRefreshToken: async () => true,
      rotateRefreshToken: () => true,
      ttl: {
        AccessToken: options.accessTokenSeconds ?? 120,
        ClientCredentials: 3600,
        RefreshToken: 86_400,
        AuthorizationCode: 60,
        Grant: 86_400,
        Session: 3600,
        Interaction: 600,
        IdToken: 3600,
      },
      cookies: { keys: ['tresor-test-cookie-key'] },
    });
  let tokenDelayMs = 0;
  let rewriteIdToken: OAuth2TestServer['rewriteIdToken'];
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signingKeys[0]!.jwk.kid! }).sign(signingKeys[0]!.key);
  const granted: Record<string, number> = {};
  const refused: Record<string, number> = {};
  /** The provider signing with `signingKeys[0]`, publishing them all, over the one store. */
  function build() {
    // Its development login pages are what a test wants; the warning about them is noise.
    const warnBefore = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).includes('quick start development-only')) warnBefore(...args);
    };
    const provider = makeProvider(signingKeys.map((k) => k.jwk));
    console.warn = warnBefore;
    provider.use(async (ctx: { path: string; body?: unknown }, next: () => Promise<void>) => {
      if (ctx.path === '/token' && tokenDelayMs > 0) await new Promise((done) => setTimeout(done, tokenDelayMs));
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path === '/token' && rewriteIdToken && typeof body?.id_token === 'string')
        body.id_token = await rewriteIdToken(body.id_token, sign);
    });
    provider.on('grant.success', (ctx: { oidc: { params?: { grant_type?: unknown } } }) => {
      const type = String(ctx.oidc.params?.grant_type);
      granted[type] = (granted[type] ?? 0) + 1;
    });
    provider.on('grant.error', (_ctx: unknown, error: { error?: string }) => {
      const code = error.error ?? 'unknown';
      refused[code] = (refused[code] ?? 0) + 1;
    });
    handler = provider.callback() as typeof handler;
  }
  build();
  const ca = tls.ca;

  return {
    issuer,
    authorizationUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    caFile,
    ca,
    clientId,
    clientSecret,
    granted,
    refused,
    accounts,
    get rewriteIdToken() {
      return rewriteIdToken;
    },
    set rewriteIdToken(rewrite) {
      rewriteIdToken = rewrite;
    },
    async rotateSigningKey() {
      signingKeys.unshift(await newSigningKey());
      build();
    },
    setRedirectUris(uris, postLogout) {
      options.redirectUris = uris;
      if (postLogout) options.postLogoutRedirectUris = postLogout;
      build();
    },
    slowTokenEndpoint(ms) {
      tokenDelayMs = ms;
    },
    forgetRefreshTokens() {
      for (const key of [...store.keys()]) if (key.startsWith('RefreshToken:')) store.delete(key);
    },
    async authorize(authorizationUrl, login = 'alice') {
      const cookies = new Map<string, string>();
      let url = new URL(authorizationUrl);
      let form: string | undefined;
      for (let step = 0; step < 12; step++) {
        const answer = await send(url, ca, { cookies, ...(form ? { method: 'POST', body: form } : {}) });
        form = undefined;
        const location = answer.headers.location;
        if (answer.status >= 300 && answer.status < 400 && location) {
          const next = new URL(location, url);
          if (next.origin !== issuer) return next;
          url = next;
          continue;
        }
        const prompt = /name="prompt" value="(\w+)"/.exec(answer.body)?.[1];
        if (answer.status !== 200 || !prompt)
          throw new Error(`the authorization server answered ${answer.status}: ${answer.body.slice(0, 300)}`);
        form = new URLSearchParams(
          prompt === 'login' ? { prompt, login, password: 'any password' } : { prompt },
        ).toString();
        url = new URL(/action="([^"]+)"/.exec(answer.body)![1]!, url);
      }
      throw new Error('the authorization server never sent the browser back');
    },
    async accepts(accessToken) {
      const answer = await new Promise<number>((resolve, reject) => {
        const req = request(`${issuer}/me`, { ca, headers: { authorization: `Bearer ${accessToken}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      return answer === 200;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Where the tests' authorization server sends the browser back to (Tresor's callback is not called: `connect` completes). */
export const testRedirectUri = 'https://tresor.example.test/oauth2/callback';
const testSession = 'session-cookie-of-the-browser';

/** Connects `ref` as `who` through the server's login and consent pages; answers what complete() answered. */
export async function connectThrough(
  tresor: Tresor,
  server: OAuth2TestServer,
  who: Principal,
  ref: string,
  login = 'alice',
) {
  const { authorizationUrl } = await tresor.oauth2.begin(who, ref, {
    session: testSession,
    redirectUri: testRedirectUri,
  });
  const back = await server.authorize(authorizationUrl, login);
  return tresor.oauth2.complete(who, {
    state: back.searchParams.get('state') ?? '',
    code: back.searchParams.get('code') ?? '',
    error: back.searchParams.get('error') ?? '',
    session: testSession,
  });
}

/** An OAuth2 secret's fields for the test server's client. */
export function oauth2Fields(
  server: OAuth2TestServer,
  grant: 'authorization_code' | 'client_credentials' = 'authorization_code',
) {
  return {
    grant,
    clientId: server.clientId,
    clientSecret: server.clientSecret,
    authorizationUrl: server.authorizationUrl,
    tokenUrl: server.tokenUrl,
    scopes: grant === 'client_credentials' ? 'api:read' : 'openid email offline_access',
  };
}
