/**
 * A second factor: TOTP (RFC 6238, with `otpauth`) and ten single-use recovery codes.
 * - Enrolment shows the seed once, as an otpauth:// URI and its QR code, and takes effect when
 *   a first code proves the app has it; then ten recovery codes are shown once. Nothing of
 *   either appears again: the seed is sealed like a secret's values, codes are kept as SHA-256.
 * - A code is accepted within ±1 time step (30 s) and never twice: the newest accepted step is
 *   kept and only a later one passes, atomically (two nodes cannot both take one code).
 * - The policy (`off`, `administrators`: anyone holding an administration permission, or
 *   `everyone`) says who must have one; password sign-ins then ask for it.
 * Every enrolment, removal, recovery-code use and wrong code is audited.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';
import type { AccessGate } from '../../access/access.gate.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { KeyService } from '../../crypto/key.service.ts';
import type { Database } from '../../db/client.ts';
import { AccessDeniedError, ConflictError, TresorError, ValidationError } from '../../errors.ts';
import { identityStore } from '../identity.store.ts';
import { administratorPermissions } from '../permissions.ts';
import type { Principal, UserPrincipal } from '../principal.ts';
import { secondFactorStore } from './second-factor.store.ts';
import { openSeed, sealSeed } from './totp-seed.seal.ts';

export type SecondFactorPolicy = 'off' | 'administrators' | 'everyone';
const period = 30;
const sha256 = (value: string) => createHash('sha256').update(value).digest();
/** Recovery codes as people type them: case, spaces and dashes do not matter. */
const normalised = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');
const wrongCode = () => new TresorError('UNAUTHENTICATED', 'That code is wrong, used or too old');

function newRecoveryCode(): string {
  const text = randomBytes(8).toString('base64url').replace(/[-_]/g, 'x').toLowerCase().slice(0, 10);
  return `${text.slice(0, 5)}-${text.slice(5)}`;
}

export function secondFactorServiceFactory({
  db,
  gate,
  audit,
  keys,
  policy,
}: {
  db: Database;
  gate: Pick<AccessGate, 'requireChange' | 'userAction' | 'facts'>;
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  keys: Pick<KeyService, 'sealingRing' | 'ringFor'>;
  policy: SecondFactorPolicy;
}) {
  const totpFor = (email: string, base32: string) =>
    new TOTP({
      issuer: 'Tresor',
      label: email,
      algorithm: 'SHA1',
      digits: 6,
      period,
      secret: Secret.fromBase32(base32),
    });

  async function record(
    userId: string,
    action: 'factor.enrolled' | 'factor.removed' | 'factor.used' | 'factor.failed',
    details: { method: 'totp' | 'recovery' | 'administrator' },
    actor: Principal = { kind: 'user', id: userId },
  ): Promise<void> {
    const user = await identityStore.userById(db, userId);
    await audit.write({
      actor,
      ...(action === 'factor.failed' ? { outcome: 'failure' as const } : {}),
      event: { action, target: { id: userId, name: user?.email ?? userId }, details },
    });
  }

  /** The step `code` is good for now (±1 step), or undefined. */
  async function stepOf(userId: string, code: string, confirmed: boolean): Promise<number | undefined> {
    const factor = await secondFactorStore.factor(db, userId);
    if (!factor || (factor.confirmedAt !== null) !== confirmed || !/^\d{6}$/.test(code)) return undefined;
    const base32 = openSeed(await keys.ringFor(factor.kekVersion), factor);
    const now = Date.now();
    const delta = totpFor('', base32).validate({ token: code, timestamp: now, window: 1 });
    return delta === null ? undefined : Math.floor(now / 1000 / period) + delta;
  }

  async function ownSession(principal: UserPrincipal, what: string): Promise<void> {
    await gate.requireChange(principal, what);
    if (principal.via === 'token') throw new AccessDeniedError(`${what} in the web UI, not with an API token`);
  }

  const service = {
    policy,

    /** Whether the policy asks this user for a second factor. */
    async required(userId: string): Promise<boolean> {
      if (policy === 'everyone') return true;
      if (policy === 'off') return false;
      const facts = await gate.facts({ kind: 'user', id: userId });
      return administratorPermissions.some((p) => facts.permissions.has(p));
    },

    /** Whether the user has a second factor: a confirmed authenticator app or a passkey. */
    async enrolled(userId: string): Promise<boolean> {
      return secondFactorStore.hasAny(db, userId);
    },

    /** Which of these users have a second factor (for the administrators' user list). */
    async enrolledAmong(userIds: readonly string[]): Promise<Set<string>> {
      return secondFactorStore.withAnyFactor(db, userIds);
    },

    /** Whether the user has a confirmed authenticator app (codes can be typed). */
    async hasTotp(userId: string): Promise<boolean> {
      return (await secondFactorStore.factor(db, userId))?.confirmedAt != null;
    },

    async status(principal: UserPrincipal) {
      const factor = await secondFactorStore.factor(db, principal.id);
      return {
        enrolled: factor?.confirmedAt != null,
        enrolling: factor !== undefined && factor.confirmedAt === null,
        recoveryCodesLeft: factor?.confirmedAt ? await secondFactorStore.recoveryCodesLeft(db, principal.id) : 0,
        required: await service.required(principal.id),
      };
    },

    /** A new seed for the user's app: the URI and its QR code (an SVG data URI), shown while enrolling only. */
    async begin(principal: UserPrincipal): Promise<{ uri: string; secret: string; qr: string }> {
      await ownSession(principal, 'Setting up a second factor');
      const existing = await secondFactorStore.factor(db, principal.id);
      if (existing?.confirmedAt) throw new ConflictError('A second factor is set up already: remove it first');
      const user = await identityStore.userById(db, principal.id);
      const secret = existing
        ? openSeed(await keys.ringFor(existing.kekVersion), existing)
        : new Secret({ size: 20 }).base32;
      if (!existing) {
        const generation = 1;
        const sealed = sealSeed(await keys.sealingRing(), { userId: principal.id, generation }, secret);
        await secondFactorStore.save(db, { userId: principal.id, generation, ...sealed });
      }
      const uri = totpFor(user!.email, secret).toString();
      const qr = `data:image/svg+xml;base64,${Buffer.from(renderSVG(uri)).toString('base64')}`;
      return { uri, secret, qr };
    },

    /** The first code proves the app has the seed: the factor takes effect; answers the recovery codes, once. */
    async confirm(principal: UserPrincipal, code: unknown): Promise<{ recoveryCodes: string[] }> {
      await ownSession(principal, 'Setting up a second factor');
      const step = await stepOf(principal.id, typeof code === 'string' ? code.trim() : '', false);
      if (step === undefined) throw ValidationError.field('code', 'That code is not the one your app shows now');
      const codes = Array.from({ length: 10 }, newRecoveryCode);
      await db.transaction(async (tx) => {
        await secondFactorStore.confirm(tx, principal.id, step);
        await secondFactorStore.replaceRecoveryCodes(
          tx,
          principal.id,
          codes.map((c) => sha256(normalised(c))),
        );
      });
      await record(principal.id, 'factor.enrolled', { method: 'totp' });
      return { recoveryCodes: codes };
    },

    /** Checks a code (the app's, or a recovery code) at sign-in; UNAUTHENTICATED when wrong, used or old. */
    async verify(userId: string, codeInput: unknown): Promise<'totp' | 'recovery'> {
      const code = typeof codeInput === 'string' ? codeInput.trim().slice(0, 40) : '';
      if (/^\d{6}$/.test(code)) {
        const step = await stepOf(userId, code, true);
        if (step !== undefined && (await secondFactorStore.takeStep(db, userId, step))) return 'totp';
      } else if (
        code !== '' &&
        (await service.hasTotp(userId)) &&
        (await secondFactorStore.useRecoveryCode(db, userId, sha256(normalised(code))))
      ) {
        await record(userId, 'factor.used', { method: 'recovery' });
        return 'recovery';
      }
      await record(userId, 'factor.failed', { method: /^\d{6}$/.test(code) ? 'totp' : 'recovery' });
      throw wrongCode();
    },

    /**
     * A password traded for a token (POST /auth/token, `tresor login`): an account with a second
     * factor sends its code too; one the policy asks for a factor sets it up in the web UI first.
     */
    async tokenExchange(userId: string, code: string | undefined): Promise<void> {
      if (!(await service.hasTotp(userId)) && (await service.enrolled(userId)))
        throw new TresorError(
          'UNAUTHENTICATED',
          'This account signs in with a passkey: use the web UI, or tresor login --browser',
        );
      if (await service.hasTotp(userId)) {
        if (code === undefined || code === '')
          throw new TresorError(
            'UNAUTHENTICATED',
            'This account has a second factor: send the code your authenticator app shows now as `code`',
          );
        await service.verify(userId, code);
      } else if (policy !== 'off' && (await service.required(userId)))
        throw new AccessDeniedError('Set up a second factor in the web UI (Account → Second factor) first');
    },

    /** Removes your own factor, with a current code (or a recovery code). */
    async remove(principal: UserPrincipal, code: unknown): Promise<void> {
      await ownSession(principal, 'Removing your second factor');
      if (await service.hasTotp(principal.id)) await service.verify(principal.id, code);
      await secondFactorStore.remove(db, principal.id);
      await record(principal.id, 'factor.removed', { method: 'totp' });
    },

    /** A USER_ADMIN removes the factor of a user who lost it (on a user holding nothing the administrator lacks). */
    async removeFor(principal: Principal, userId: string): Promise<void> {
      await gate.userAction(principal, userId, 'remove the second factor of');
      if (!(await secondFactorStore.remove(db, userId)))
        throw new ConflictError('This user has no second factor', 'userId');
      await record(userId, 'factor.removed', { method: 'administrator' }, principal);
    },
  };
  return service;
}

export type SecondFactors = ReturnType<typeof secondFactorServiceFactory>;
