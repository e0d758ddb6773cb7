/**
 * An OAuth2 secret's client, as its payload holds it (the base type's fields, oauth2.credential.ts),
 * and what Tresor derives from it alone: where its tokens are valid (the fingerprint), the
 * authorization request the browser is sent to, and the token request of client credentials.
 */
import { createHash } from 'node:crypto';
import type { Payload } from '../credentials/index.ts';
import { ValidationError } from '../errors.ts';
import type { OAuth2Grant } from './oauth2.credential.ts';

/** The OAuth2 fields of a payload (the base type's: oauth2.credential.ts). */
export interface ClientFields {
  grant: OAuth2Grant;
  clientId: string;
  clientSecret: string | undefined;
  authorizationUrl: string | undefined;
  tokenUrl: string;
  scopes: string | undefined;
  audience: string | undefined;
  extraParameters: string | undefined;
}

export function clientOf(payload: Payload): ClientFields {
  const text = (key: string) =>
    typeof payload[key] === 'string' && payload[key] !== '' ? String(payload[key]) : undefined;
  return {
    grant: payload.grant === 'client_credentials' ? 'client_credentials' : 'authorization_code',
    clientId: text('clientId') ?? '',
    clientSecret: text('clientSecret'),
    authorizationUrl: text('authorizationUrl'),
    tokenUrl: text('tokenUrl') ?? '',
    scopes: text('scopes'),
    audience: text('audience'),
    extraParameters: text('extraParameters'),
  };
}

/** Where tokens are valid: a connection made for other values is no connection (a new client, another server). */
export function fingerprintOf(client: ClientFields): string {
  return createHash('sha256')
    .update(JSON.stringify([client.grant, client.clientId, client.tokenUrl, client.authorizationUrl ?? '']))
    .digest('hex');
}

export function clientCredentialsParameters(client: ClientFields): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    ...(client.scopes ? { scope: client.scopes } : {}),
    ...(client.audience ? { audience: client.audience } : {}),
  };
}

/** Tresor's own callback: `/oauth2/callback`, on TRESOR_PUBLIC_URL's origin when that is set. */
export function ownRedirectUri(redirectUri: string, publicUrl: string | undefined): URL {
  const callback = URL.canParse(redirectUri) ? new URL(redirectUri) : undefined;
  if (!callback?.pathname.endsWith('/oauth2/callback') || callback.search !== '' || callback.hash !== '')
    throw ValidationError.field('redirectUri', 'The redirect URI is Tresor’s own /oauth2/callback');
  if (publicUrl && callback.origin !== new URL(publicUrl).origin)
    throw ValidationError.field('redirectUri', `The redirect URI must be on ${new URL(publicUrl).origin}`);
  return callback;
}

/** The authorization request (RFC 6749 §4.1.1 with PKCE S256, RFC 7636): the author's extra parameters first. */
export function authorizationUrlFor(
  client: ClientFields,
  request: { state: string; verifier: string; redirectUri: URL },
): string {
  const url = new URL(client.authorizationUrl ?? '');
  for (const [name, value] of new URLSearchParams(client.extraParameters ?? '')) url.searchParams.set(name, value);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', request.redirectUri.toString());
  url.searchParams.set('state', request.state);
  url.searchParams.set('code_challenge', createHash('sha256').update(request.verifier).digest('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  if (client.scopes) url.searchParams.set('scope', client.scopes);
  if (client.audience) url.searchParams.set('audience', client.audience);
  return url.toString();
}
