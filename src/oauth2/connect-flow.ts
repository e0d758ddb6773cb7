/**
 * The Connect flow of an OAuth2 secret (authorization code with PKCE): `begin` sends a person
 * who may change and use the secret to the authorization server with a fresh state, `complete` takes
 * the callback. The state is random, stored only as its SHA-256, bound to the user and the
 * browser session that asked, good for ten minutes and one callback; the PKCE verifier goes
 * with it. What the code is exchanged for is handed to `connected` (oauth2.service.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AccessGate, SecretGrant } from '../access/access.gate.ts';
import type { CredentialType } from '../credentials/index.ts';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { oauth2Store } from './oauth2.store.ts';
import { authorizationUrlFor, type ClientFields, clientOf, ownRedirectUri } from './oauth2-client.ts';
import { requestToken, type TokenAnswer, type TokenEnvironment, TokenRefusedError } from './token-endpoint.ts';

const stateLifetimeMs = 10 * 60_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

export function connectFlowFactory({
  db,
  gate,
  environment,
  publicUrl,
  now,
  typeOf,
  connected,
}: {
  db: Database;
  gate: Pick<AccessGate, 'check' | 'open'>;
  environment: TokenEnvironment;
  /** TRESOR_PUBLIC_URL: when set, the only origin a redirect URI may have. */
  publicUrl: string | undefined;
  now: () => Date;
  /** The secret's type, refused unless it is an OAuth2 type. */
  typeOf(grant: SecretGrant): CredentialType;
  connected(
    principal: Principal & { kind: 'user' },
    secret: { id: string; name: string },
    client: ClientFields,
    answer: TokenAnswer,
  ): Promise<void>;
}) {
  /**
   * Connecting sets the account the secret's modules act as: whoever does must be able to
   * change the secret and to use it. A manager (SECRET_MANAGEMENT: change, never use) would
   * otherwise point the owner's modules at an account it controls.
   */
  async function connectGrant(principal: Principal, ref: string): Promise<SecretGrant> {
    await gate.check(principal, ref, 'use');
    return gate.check(principal, ref, 'update');
  }

  return {
    /**
     * Starts the Connect flow for a secret the principal may change: the authorization URL to
     * send the browser to. `session` identifies the browser session (the callback must come
     * back in it); `redirectUri` is Tresor's own callback, at TRESOR_PUBLIC_URL when set.
     */
    async begin(
      principal: Principal,
      ref: string,
      { session, redirectUri }: { session: string; redirectUri: string },
    ): Promise<{ authorizationUrl: string }> {
      if (principal.kind !== 'user') throw ValidationError.field('principal', 'Only a person connects a secret');
      const grant = await connectGrant(principal, ref);
      typeOf(grant);
      const callback = ownRedirectUri(redirectUri, publicUrl);
      const client = clientOf(await gate.open(db, grant));
      if (client.grant !== 'authorization_code' || !client.authorizationUrl)
        throw ValidationError.field('grant', `Secret "${grant.row.name}" gets its tokens itself (client credentials)`);
      const state = randomBytes(32).toString('base64url');
      const verifier = randomBytes(48).toString('base64url');
      const at = now();
      await oauth2Store.pruneStates(db, at);
      await oauth2Store.insertState(db, {
        stateHash: sha256(state),
        secretId: grant.row.id,
        userId: principal.id,
        sessionHash: sha256(session),
        verifier,
        redirectUri: callback.toString(),
        expiresAt: new Date(at.getTime() + stateLifetimeMs),
      });
      return { authorizationUrl: authorizationUrlFor(client, { state, verifier, redirectUri: callback }) };
    },

    /**
     * The callback: the state must be one this session started (unknown, used, expired or
     * another session's: refused, and nothing changes); the code is exchanged and the grant
     * stored as the secret's connection. Answers the secret, for the page to go back to.
     */
    async complete(
      principal: Principal,
      callback: { state: string; code: string; error: string; session: string },
    ): Promise<{ secretId: string; name: string }> {
      if (principal.kind !== 'user') throw ValidationError.field('state', 'Only a person connects a secret');
      if (!callback.state)
        throw ValidationError.field('state', 'The callback carries no state: start again with Connect');
      const taken = await oauth2Store.takeState(db, sha256(callback.state), {
        userId: principal.id,
        sessionHash: sha256(callback.session),
      });
      const at = now();
      if (!taken || taken.expiresAt <= at)
        throw ValidationError.field(
          'state',
          'This authorization was not started here, or has expired: start again with Connect',
        );
      if (callback.error)
        throw ValidationError.field(
          'code',
          `The authorization server did not grant access (${callback.error.slice(0, 100)})`,
        );
      if (!callback.code) throw ValidationError.field('code', 'The callback carries no code');
      const grant = await connectGrant(principal, taken.secretId);
      typeOf(grant);
      const client = clientOf(await gate.open(db, grant));
      const answer = await requestToken(
        client,
        {
          grant_type: 'authorization_code',
          code: callback.code,
          redirect_uri: taken.redirectUri,
          code_verifier: taken.verifier,
        },
        environment,
      ).catch((error: unknown) => {
        if (error instanceof TokenRefusedError)
          throw ValidationError.field(
            'code',
            `The authorization server refused the code (${error.oauthError}): connect again`,
          );
        throw error;
      });
      const secret = { id: grant.row.id, name: grant.row.name };
      await connected(principal, secret, client, answer);
      return { secretId: secret.id, name: secret.name };
    },
  };
}
