/**
 * Single sign-on with an OpenID Connect provider: the authorization code flow with PKCE,
 * `state` and `nonce` (openid-client), the provider found by discovery, the ID token's
 * signature checked against the provider's keys (fetched again when it signs with a new one)
 * with its issuer, audience, expiry and nonce. The flow is bound to the browser that began
 * it (a random id in a cookie; the database keeps its hash, for one callback within ten
 * minutes). Who the provider says signed in becomes a Tresor user by the identity-link rules
 * (linked by subject, groups mirrored). Every sign-in and every refusal is audited; no token
 * is stored, logged or shown.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import type { AuditService } from '../../audit/audit.service.ts';
import type { Database } from '../../db/client.ts';
import { TresorError, UpstreamError } from '../../errors.ts';
import type { IdentityLinkService } from '../identity-link.service.ts';
import type { User } from '../user.service.ts';
import { providerFetch } from './provider-fetch.ts';
import { signInFlowStore } from './sign-in-flow.store.ts';
import type { OidcSettings } from './sign-in-settings.ts';

const flowMs = 10 * 60_000;
const sha256 = (value: string) => createHash('sha256').update(value).digest();
const refused = (message: string) => new TresorError('UNAUTHENTICATED', message);

/**
 * Which check refused an answer, in openid-client's words: its message, and the underlying
 * one when the first is generic ("invalid response encountered").
 */
function reasonOf(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 3; e = e.cause) parts.push(e.message);
  return parts.join(': ').slice(0, 300) || 'refused';
}

/** The groups a claim holds: a list of names, or one name. */
function groupsIn(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string').slice(0, 500);
  return typeof value === 'string' ? [value] : undefined;
}

export interface OidcSignInDeps {
  db: Database;
  audit: Pick<AuditService, 'write'>;
  links: Pick<IdentityLinkService, 'signIn'>;
  settings: OidcSettings;
  /** Extra CA certificates for the provider's TLS (TRESOR_OUTBOUND_CA_FILE). */
  ca: string | undefined;
  timeoutMs: number;
}

export function oidcSignInFactory({ db, audit, links, settings, ca, timeoutMs }: OidcSignInDeps) {
  let discovered: Promise<client.Configuration> | undefined;
  /** The provider's configuration, found once (and again after a failed attempt). */
  function provider(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(settings.issuer, settings.clientId, settings.clientSecret, undefined, {
        [client.customFetch]: providerFetch(ca, timeoutMs),
        timeout: Math.ceil(timeoutMs / 1000),
        // The ID token's signature is checked against the provider's keys even though it came
        // straight from the token endpoint over TLS (OpenID Core allows skipping that; we do not).
        execute: [client.enableNonRepudiationChecks],
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw new UpstreamError(
          `The identity provider ${settings.issuer.origin} could not be reached or described itself wrongly ` +
            `(${error instanceof Error ? error.message : String(error)})`,
          error,
        );
      });
    return discovered;
  }

  /** Records a refused sign-in (never a token or a code) and throws it. */
  async function refuse(name: string, error: TresorError): Promise<never> {
    await audit.write({
      actor: { kind: 'system' },
      outcome: 'failure',
      event: {
        action: 'auth.login_failed',
        target: { id: null, name: name.slice(0, 200) },
        details: { method: 'oidc' },
      },
    });
    throw error;
  }

  return {
    label: settings.label,

    /**
     * Starts a sign-in: the provider's authorization URL to send the browser to, and the flow
     * cookie's value (the browser must bring it back to the callback).
     */
    async begin(request: { redirectUri: string; next: string }): Promise<{ url: string; flow: string }> {
      const config = await provider();
      const verifier = client.randomPKCECodeVerifier();
      const [state, nonce, flow] = [client.randomState(), client.randomNonce(), randomBytes(32).toString('base64url')];
      await signInFlowStore.begin(db, {
        idHash: sha256(flow),
        source: 'oidc',
        state,
        nonce,
        verifier,
        next: request.next,
        expiresAt: new Date(Date.now() + flowMs),
      });
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: request.redirectUri,
        scope: settings.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.href, flow };
    },

    /**
     * The callback: the flow this browser began (its cookie), the code exchanged and the ID
     * token checked, then the user linked. Refused (UNAUTHENTICATED, audited) otherwise.
     */
    async complete(request: {
      flow: string | undefined;
      redirectUri: string;
      /** The callback's query string, as the provider sent it. */
      query: URLSearchParams;
    }): Promise<{ user: User; next: string }> {
      const row =
        request.flow && request.flow.length < 100 ? await signInFlowStore.take(db, sha256(request.flow)) : undefined;
      if (!row || row.expiresAt.getTime() < Date.now())
        return refuse(
          '(single sign-on)',
          refused('This sign-in was not started in this browser, was already used or took too long: start again'),
        );
      const providerError = request.query.get('error');
      if (providerError)
        return refuse(
          '(single sign-on)',
          refused(`The identity provider refused the sign-in (${providerError.replace(/[^\w.-]/g, '').slice(0, 60)})`),
        );
      const config = await provider();
      const callback = new URL(request.redirectUri);
      callback.search = request.query.toString();
      let claims: client.IDToken;
      let accessToken: string;
      try {
        const tokens = await client.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: row.verifier,
          expectedState: row.state,
          expectedNonce: row.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims()!;
        accessToken = tokens.access_token;
      } catch (error) {
        // openid-client says which check failed (state, nonce, signature, audience, expiry); never a token.
        const reason = reasonOf(error);
        return refuse('(single sign-on)', refused(`The identity provider's answer was refused: ${reason}`));
      }
      // Groups and the e-mail address may be only in the userinfo answer.
      const needsInfo =
        (settings.groupsClaim !== undefined && claims[settings.groupsClaim] === undefined) ||
        claims.email === undefined;
      const info = needsInfo
        ? await client.fetchUserInfo(config, accessToken, claims.sub).catch(() => undefined)
        : undefined;
      const merged: Record<string, unknown> = { ...info, ...claims };
      const email = typeof merged.email === 'string' ? merged.email : undefined;
      const name = [merged.name, merged.preferred_username].find((v): v is string => typeof v === 'string');
      try {
        const user = await links.signIn(
          {
            source: 'oidc',
            subject: claims.sub,
            email,
            emailVerified: merged.email_verified === true,
            displayName: name,
            groups: settings.groupsClaim === undefined ? undefined : (groupsIn(merged[settings.groupsClaim]) ?? []),
          },
          settings.policy,
        );
        await audit.write({
          actor: { kind: 'user', id: user.id },
          event: { action: 'auth.login', target: { id: user.id, name: user.email }, details: { method: 'oidc' } },
        });
        return { user, next: row.next };
      } catch (error) {
        if (error instanceof TresorError && error.code === 'UNAUTHENTICATED') return refuse(email ?? claims.sub, error);
        throw error;
      }
    },

    /** Where to send the browser to end its session at the provider too (RP-initiated logout), if it offers that. */
    async endSessionUrl(postLogoutRedirectUri: string): Promise<string | undefined> {
      const config = await provider().catch(() => undefined);
      if (!config?.serverMetadata().end_session_endpoint) return undefined;
      return client.buildEndSessionUrl(config, {
        client_id: settings.clientId,
        post_logout_redirect_uri: postLogoutRedirectUri,
      }).href;
    },
  };
}

export type OidcSignIn = ReturnType<typeof oidcSignInFactory>;
