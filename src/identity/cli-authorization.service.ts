/**
 * `tresor login --browser`: the CLI signs in through the web UI, by whatever way the person
 * signs in there (single sign-on included), and never sees a password. As `gh` and `gcloud`
 * do: the CLI listens on a loopback port and opens Tresor's authorize page with a challenge
 * (the SHA-256 of a verifier only the CLI knows, as PKCE has it); the signed-in person
 * approves (proving presence as for any token: the current password, or a fresh sign-in);
 * the browser hands a one-time code to the CLI's loopback address; the CLI trades the code
 * and its verifier for a token. A code is good once, for two minutes, and only with the
 * verifier: one seen in a browser's history or a log is worthless.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AccessGate } from '../access/access.gate.ts';
import type { Database } from '../db/client.ts';
import { TresorError } from '../errors.ts';
import { parseField } from '../validation.ts';
import { cliAuthorizationStore } from './cli-authorization.store.ts';
import { identityStore } from './identity.store.ts';
import type { UserPrincipal } from './principal.ts';
import type { ApiToken, SessionService } from './session.service.ts';

const codeMs = 2 * 60_000;
const sha256 = (value: string) => createHash('sha256').update(value).digest();

export const challengeSchema = z
  .string({ error: 'Challenge must be text' })
  .regex(/^[A-Za-z0-9_-]{43}$/, 'Challenge must be a base64url SHA-256 (43 characters)');

export function cliAuthorizationFactory({
  db,
  gate,
  sessions,
}: {
  db: Database;
  gate: Pick<AccessGate, 'mint' | 'stepUp'>;
  sessions: Pick<SessionService, 'confirmPresence' | 'createTokenForCredentials'>;
}) {
  return {
    /**
     * The signed-in person approves a CLI sign-in: checked as minting a token from the session
     * is (scope, presence); answers the one-time code for the CLI.
     */
    async approve(
      principal: UserPrincipal,
      input: {
        challenge: unknown;
        name: string;
        expiresInDays: number;
        scope: 'read' | 'full';
        currentPassword: unknown;
      },
    ): Promise<{ code: string }> {
      const challenge = parseField(challengeSchema, input.challenge, 'challenge');
      await gate.mint(principal, { scope: input.scope, expiresAt: null });
      if (input.scope === 'full') await gate.stepUp(principal, 'Signing in the CLI with a full token');
      await sessions.confirmPresence(principal, input.currentPassword);
      const code = randomBytes(32).toString('base64url');
      await cliAuthorizationStore.insert(db, {
        codeHash: sha256(code),
        userId: principal.id,
        challenge,
        tokenName: input.name,
        expiresInDays: input.expiresInDays,
        scope: input.scope,
        expiresAt: new Date(Date.now() + codeMs),
      });
      return { code };
    },

    /** The CLI trades the code and its verifier for a token (once; refused with UNAUTHENTICATED otherwise). */
    async exchange(input: { code: string; verifier: string }): Promise<{ token: string; info: ApiToken }> {
      const row = input.code.length <= 100 ? await cliAuthorizationStore.take(db, sha256(input.code)) : undefined;
      const expected = Buffer.from(row?.challenge ?? '');
      const offered = Buffer.from(sha256(input.verifier).toString('base64url'));
      if (
        !row ||
        row.expiresAt.getTime() < Date.now() ||
        expected.length !== offered.length ||
        !timingSafeEqual(expected, offered)
      )
        throw new TresorError(
          'UNAUTHENTICATED',
          'This sign-in code is unknown, used, expired or not yours: sign in again',
        );
      const user = await identityStore.userById(db, row.userId);
      if (!user || user.disabled) throw new TresorError('UNAUTHENTICATED', 'This account is disabled');
      return sessions.createTokenForCredentials(
        row.userId,
        { name: row.tokenName, expiresInDays: row.expiresInDays, scope: row.scope },
        'cli-browser',
      );
    },
  };
}

export type CliAuthorization = ReturnType<typeof cliAuthorizationFactory>;
