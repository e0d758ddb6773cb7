/**
 * Requests to an authorization server's token endpoint (RFC 6749 §4.1.3, §4.4, §6): through
 * the egress policy, https only, bounded in time and size. The client authenticates with
 * HTTP Basic (client_secret_basic) when it has a secret, else sends its id alone (a public
 * client, proven by PKCE). An OAuth2 error answer is a TokenRefusedError carrying the
 * server's error code (`invalid_grant`: the grant is gone); a message never holds a token.
 */
import { UpstreamError } from '../errors.ts';
import type { EgressPolicy } from '../net/egress-policy.ts';
import { outboundHttps } from '../net/outbound-https.ts';

export interface TokenAnswer {
  accessToken: string;
  tokenType: string;
  refreshToken: string | undefined;
  /** Seconds the access token lives, when the server said. */
  expiresIn: number | undefined;
  scope: string | undefined;
  /** Whom an OpenID server's ID token names (e-mail, user name or subject): display only, never trusted for access. */
  account: string | undefined;
}

/** The account an ID token's claims name. Its signature is not checked: it is shown, never used to decide. */
function accountOf(idToken: unknown): string | undefined {
  if (typeof idToken !== 'string') return undefined;
  try {
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const named = [claims.email, claims.preferred_username, claims.sub].find((v) => typeof v === 'string' && v !== '');
    return typeof named === 'string' ? named.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

/** The server answered with an OAuth2 error (RFC 6749 §5.2). */
export class TokenRefusedError extends UpstreamError {
  constructor(
    readonly oauthError: string,
    host: string,
    description: string | undefined,
  ) {
    super(`${host} refused the token request: ${oauthError}${description ? ` (${description.slice(0, 200)})` : ''}`);
  }
}

export interface TokenClient {
  clientId: string;
  clientSecret?: string | undefined;
  tokenUrl: string;
}

export interface TokenEnvironment {
  egress: EgressPolicy;
  ca: string | undefined;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined for Basic. */
const formEncoded = (text: string) => encodeURIComponent(text).replaceAll('%20', '+');

export async function requestToken(
  client: TokenClient,
  parameters: Record<string, string>,
  environment: TokenEnvironment,
): Promise<TokenAnswer> {
  const url = new URL(client.tokenUrl);
  const body = new URLSearchParams(parameters);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (client.clientSecret)
    headers.authorization = `Basic ${Buffer.from(
      `${formEncoded(client.clientId)}:${formEncoded(client.clientSecret)}`,
    ).toString('base64')}`;
  else body.set('client_id', client.clientId);
  const answer = await outboundHttps({
    url,
    method: 'POST',
    headers,
    body: body.toString(),
    egress: environment.egress,
    ca: environment.ca,
    timeoutMs: environment.timeoutMs,
    ...(environment.signal ? { signal: environment.signal } : {}),
    maxBodyBytes: 256 * 1024,
  });
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    throw new UpstreamError(`${url.host} answered ${answer.status} without JSON to the token request`);
  }
  if (answer.status < 200 || answer.status >= 300 || typeof json.error === 'string')
    throw new TokenRefusedError(
      typeof json.error === 'string' ? json.error : `HTTP ${answer.status}`,
      url.host,
      typeof json.error_description === 'string' ? json.error_description : undefined,
    );
  if (typeof json.access_token !== 'string' || json.access_token === '')
    throw new UpstreamError(`${url.host} answered the token request without an access token`);
  const expiresIn = Number(json.expires_in);
  return {
    accessToken: json.access_token,
    tokenType: typeof json.token_type === 'string' ? json.token_type : 'Bearer',
    refreshToken: typeof json.refresh_token === 'string' && json.refresh_token !== '' ? json.refresh_token : undefined,
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined,
    scope: typeof json.scope === 'string' ? json.scope : undefined,
    account: accountOf(json.id_token),
  };
}
