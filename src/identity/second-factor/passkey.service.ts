/**
 * Passkeys (WebAuthn, with @simplewebauthn/server): register several, sign in with one, remove.
 * A passkey is asked for user verification (the device's PIN or biometrics), so signing in
 * with one is a whole sign-in with two factors: no password, nothing to phish. It also serves
 * as the second factor after a password, and for step-up.
 *
 * Every ceremony signs a fresh challenge the server keeps (its hash-named row, five minutes,
 * used once): an assertion seen once cannot be replayed. The signature counter is kept and a
 * counter that goes backwards (a cloned authenticator) is refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { and, eq, lt } from 'drizzle-orm';
import type { AccessGate } from '../../access/access.gate.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { Database } from '../../db/client.ts';
import { passkeys, webauthnChallenges } from '../../db/schema/index.ts';
import { AccessDeniedError, NotFoundError, TresorError, ValidationError } from '../../errors.ts';
import { identityStore } from '../identity.store.ts';
import type { UserPrincipal } from '../principal.ts';

const challengeMs = 5 * 60_000;
const sha256 = (value: string) => createHash('sha256').update(value).digest();
const refused = () => new TresorError('UNAUTHENTICATED', 'This passkey was not accepted: try again, or another way in');

/** Where the browser sees Tresor: the relying party is its host name, the origin its whole origin. */
export interface RelyingParty {
  id: string;
  origin: string;
}

function parsed<T>(json: unknown, field: string): T {
  try {
    const value = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
    if (typeof value !== 'object' || value === null || typeof (value as { id?: unknown }).id !== 'string')
      throw new Error('not a credential');
    return value as T;
  } catch {
    throw ValidationError.field(field, 'The browser sent no passkey answer: try again');
  }
}

export function passkeyServiceFactory({
  db,
  gate,
  audit,
}: {
  db: Database;
  gate: Pick<AccessGate, 'requireChange'>;
  audit: Pick<AuditService, 'write'>;
}) {
  /** Keeps a challenge; answers the cookie value that names it. */
  async function keep(challenge: string, userId: string | null): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await db.delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, new Date()));
    await db
      .insert(webauthnChallenges)
      .values({ idHash: sha256(id), userId, challenge, expiresAt: new Date(Date.now() + challengeMs) });
    return id;
  }

  /** Takes a kept challenge out (once); undefined when unknown, used or late. */
  async function take(ceremony: string | undefined) {
    if (!ceremony || ceremony.length > 100) return undefined;
    const [row] = await db
      .delete(webauthnChallenges)
      .where(eq(webauthnChallenges.idHash, sha256(ceremony)))
      .returning();
    return row && row.expiresAt.getTime() > Date.now() ? row : undefined;
  }

  async function record(userId: string, action: 'factor.enrolled' | 'factor.removed' | 'factor.failed') {
    const user = await identityStore.userById(db, userId);
    await audit.write({
      actor: { kind: 'user', id: userId },
      ...(action === 'factor.failed' ? { outcome: 'failure' as const } : {}),
      event: { action, target: { id: userId, name: user?.email ?? userId }, details: { method: 'passkey' } },
    });
  }

  async function own(principal: UserPrincipal): Promise<void> {
    await gate.requireChange(principal, 'Changing your passkeys');
    if (principal.via === 'token') throw new AccessDeniedError('Manage your passkeys in the web UI');
  }

  return {
    async list(userId: string) {
      return db
        .select({
          id: passkeys.id,
          name: passkeys.name,
          createdAt: passkeys.createdAt,
          lastUsedAt: passkeys.lastUsedAt,
        })
        .from(passkeys)
        .where(eq(passkeys.userId, userId))
        .orderBy(passkeys.createdAt);
    },

    async has(userId: string): Promise<boolean> {
      const [row] = await db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, userId)).limit(1);
      return row !== undefined;
    },

    /** Options for the browser to make a passkey for the signed-in user; `ceremony` goes in a cookie. */
    async registrationOptions(principal: UserPrincipal, rp: RelyingParty) {
      await own(principal);
      const user = await identityStore.userById(db, principal.id);
      const existing = await db.select().from(passkeys).where(eq(passkeys.userId, principal.id));
      const options = await generateRegistrationOptions({
        rpName: 'Tresor',
        rpID: rp.id,
        userName: user!.email,
        userDisplayName: user!.displayName,
        userID: new TextEncoder().encode(principal.id),
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({ id: p.id })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
      return { options, ceremony: await keep(options.challenge, principal.id) };
    },

    /** Checks the browser's new passkey against the kept challenge and stores its public key. */
    async register(
      principal: UserPrincipal,
      rp: RelyingParty,
      ceremony: string | undefined,
      input: { response: unknown; name: unknown },
    ) {
      await own(principal);
      const response = parsed<RegistrationResponseJSON>(input.response, 'response');
      const name = typeof input.name === 'string' && input.name.trim() ? input.name.trim().slice(0, 100) : 'Passkey';
      const kept = await take(ceremony);
      if (!kept || kept.userId !== principal.id)
        throw ValidationError.field('response', 'This passkey set-up expired: start again');
      const verification = await verifyRegistrationResponse({
        response,
        expectedChallenge: kept.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: true,
      }).catch(() => undefined);
      if (!verification?.verified || !verification.registrationInfo)
        throw ValidationError.field('response', 'The passkey could not be verified: try again');
      const { credential } = verification.registrationInfo;
      await db.insert(passkeys).values({
        id: credential.id,
        userId: principal.id,
        name,
        publicKey: Buffer.from(credential.publicKey),
        counter: credential.counter,
        transports: (credential.transports ?? []).join(','),
      });
      await record(principal.id, 'factor.enrolled');
    },

    /** Options to sign in with any passkey of this site (discoverable credentials: no user named). */
    async authenticationOptions(rp: RelyingParty) {
      const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required' });
      return { options, ceremony: await keep(options.challenge, null) };
    },

    /** The user whose passkey signed the kept challenge; UNAUTHENTICATED otherwise (audited for a known passkey). */
    async authenticate(
      rp: RelyingParty,
      ceremony: string | undefined,
      responseInput: unknown,
      purpose: 'sign-in' | 'step-up',
    ): Promise<string> {
      const response = parsed<AuthenticationResponseJSON>(responseInput, 'response');
      const kept = await take(ceremony);
      const [key] = await db.select().from(passkeys).where(eq(passkeys.id, response.id)).limit(1);
      if (!kept || !key) throw refused();
      const verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: kept.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        credential: {
          id: key.id,
          publicKey: new Uint8Array(key.publicKey),
          counter: key.counter,
          transports: key.transports ? (key.transports.split(',') as never) : [],
        },
        requireUserVerification: true,
      }).catch(() => undefined);
      const user = await identityStore.userById(db, key.userId);
      if (!verification?.verified || !user || user.disabled) {
        await record(key.userId, 'factor.failed');
        throw refused();
      }
      await db
        .update(passkeys)
        .set({ counter: verification.authenticationInfo.newCounter, lastUsedAt: new Date() })
        .where(eq(passkeys.id, key.id));
      if (purpose === 'sign-in')
        await audit.write({
          actor: { kind: 'user', id: user.id },
          event: { action: 'auth.login', target: { id: user.id, name: user.email }, details: { method: 'passkey' } },
        });
      return key.userId;
    },

    async remove(principal: UserPrincipal, id: string): Promise<void> {
      await own(principal);
      const gone = await db
        .delete(passkeys)
        .where(and(eq(passkeys.id, id), eq(passkeys.userId, principal.id)))
        .returning({ id: passkeys.id });
      if (gone.length === 0) throw new NotFoundError('No such passkey of yours');
      await record(principal.id, 'factor.removed');
    },
  };
}

export type Passkeys = ReturnType<typeof passkeyServiceFactory>;
