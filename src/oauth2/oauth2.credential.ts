/**
 * The OAuth2 base credential: a type author extends it in a few lines (preset endpoints,
 * scopes), and Tresor does the rest — the Connect flow (authorization code with PKCE), tokens
 * kept sealed beside the secret and refreshed before they expire, client-credentials tokens
 * fetched on first use (src/oauth2/oauth2.service.ts).
 *
 * The fields are what a person enters: the client and where the authorization server is.
 * The tokens are never fields: `use()` sets `accessToken` (and its type and expiry) on the
 * instance it returns, fresh; the refresh token never leaves Tresor.
 */
import { Field } from '../credentials/decorators.ts';
import type { TestCheck, TestContext } from '../credentials/index.ts';
import { destinationCheck, failed, passed } from '../credentials/index.ts';
import { requestToken, TokenRefusedError } from './token-endpoint.ts';

export type OAuth2Grant = 'authorization_code' | 'client_credentials';

export class OAuth2 {
  @Field({
    label: { en: 'Grant', de: 'Grant-Typ' },
    style: 'select',
    options: [
      {
        value: 'authorization_code',
        label: { en: 'Authorization code with PKCE: a person connects once', de: 'Autorisierungscode mit PKCE' },
      },
      {
        value: 'client_credentials',
        label: { en: 'Client credentials: the client acts for itself', de: 'Client-Credentials' },
      },
    ],
    default: 'authorization_code',
    destination: true,
    order: 1,
  })
  grant!: OAuth2Grant;

  @Field({ label: { en: 'Client ID', de: 'Client-ID' }, destination: true, maxLength: 500, order: 2 })
  clientId!: string;

  @Field({
    label: { en: 'Client secret', de: 'Client-Geheimnis' },
    style: 'secret',
    optional: true,
    help: {
      en: 'Leave empty for a public client (PKCE alone proves the request).',
      de: 'Leer lassen für einen öffentlichen Client (PKCE allein).',
    },
    order: 3,
  })
  clientSecret?: string;

  @Field({
    label: { en: 'Authorization URL', de: 'Autorisierungs-URL' },
    style: 'url',
    protocols: ['https'],
    destination: true,
    showWhen: { grant: ['authorization_code'] },
    order: 4,
  })
  authorizationUrl!: string;

  @Field({
    label: { en: 'Token URL', de: 'Token-URL' },
    style: 'url',
    protocols: ['https'],
    destination: true,
    order: 5,
  })
  tokenUrl!: string;

  @Field({
    label: { en: 'Scopes', de: 'Scopes' },
    optional: true,
    maxLength: 2000,
    help: { en: 'Separated by spaces, e.g. openid email', de: 'Durch Leerzeichen getrennt' },
    order: 6,
  })
  scopes?: string;

  @Field({ label: { en: 'Audience', de: 'Audience' }, optional: true, maxLength: 500, order: 7 })
  audience?: string;

  @Field({
    label: { en: 'Extra parameters', de: 'Weitere Parameter' },
    optional: true,
    maxLength: 2000,
    pattern: /^[^=&\s]+=[^&\s]*(&[^=&\s]+=[^&\s]*)*$/,
    patternMessage: { en: 'write name=value pairs joined by &', de: 'name=wert-Paare mit & verbinden' },
    help: {
      en: 'Added to the authorization request, e.g. access_type=offline&prompt=consent',
      de: 'Werden der Autorisierungsanfrage angefügt',
    },
    order: 8,
  })
  extraParameters?: string;

  /** Set by `use()`: a valid access token, refreshed when it was about to expire. Never stored in a version. */
  accessToken?: string;
  /** The token's type as the server said (usually `Bearer`). */
  tokenType?: string;
  /** When the access token expires, when the server said. */
  tokenExpiresAt?: Date;

  /**
   * Reaches the token endpoint: client credentials ask for a token (and throw it away); an
   * authorization-code client sends a refresh token that cannot be valid and expects the
   * server's OAuth2 answer (invalid_grant), which shows the endpoint and the client work.
   */
  async test(context: TestContext): Promise<TestCheck[]> {
    const host = new URL(this.tokenUrl).host;
    const destination = await destinationCheck(context.egress, new URL(this.tokenUrl).hostname, 'Token endpoint');
    if (!destination.ok) return destination.checks;
    const allowed = passed('Destination allowed', host);
    const environment = { egress: context.egress, ca: context.ca, timeoutMs: context.budgetMs, signal: context.signal };
    try {
      if (this.grant === 'client_credentials') {
        const token = await requestToken(this, { grant_type: 'client_credentials' }, environment);
        return [allowed, passed('Token endpoint', `A token was issued (${token.scope ?? 'default scopes'})`)];
      }
      await requestToken(this, { grant_type: 'refresh_token', refresh_token: 'tresor-connection-test' }, environment);
      return [allowed, failed('Token endpoint', 'The server accepted a refresh token that cannot be valid')];
    } catch (error) {
      if (error instanceof TokenRefusedError && error.oauthError === 'invalid_grant')
        return [allowed, passed('Token endpoint', `${host} answers OAuth2 (a made-up refresh token is refused)`)];
      return [allowed, failed('Token endpoint', (error as Error).message)];
    }
  }
}
