/**
 * Server-side sessions (web UI) and bearer API tokens. Both are random values shown to
 * their holder once; the database keeps only SHA-256 hashes. Logging out, changing the
 * password and disabling the user end them. What a new token may be (scope, lifetime,
 * parent) is the access gate's decision; every token created, from every path, is audited.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AccessGate } from '../access/access.gate.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { ReadCache } from '../cluster/read-cache.ts';
import type { Database, Executor } from '../db/client.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { parseField } from '../validation.ts';
import { authStore, type SessionHolder, type TokenRow } from './auth.store.ts';
import { identityStore } from './identity.store.ts';
import { verifyPassword } from './password-hash.ts';
import { type Principal, type TokenScope, tokenScopes, type UserPrincipal } from './principal.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest();
const tokenPattern = /^tsr_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface ApiToken {
  id: string;
  name: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  scope: TokenScope;
}

const scopeOf = (value: string): TokenScope => (value === 'read' ? 'read' : 'full');
const tokenOf = (row: TokenRow): ApiToken => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt,
  expiresAt: row.expiresAt,
  revokedAt: row.revokedAt,
  lastUsedAt: row.lastUsedAt,
  scope: scopeOf(row.scope),
});
const scopeSchema = z.enum(tokenScopes as [TokenScope, ...TokenScope[]], { error: 'Scope must be read or full' });

/** What a bearer token stands for, once checked. */
export interface TokenHolder {
  userId: string;
  tokenId: string;
  scope: TokenScope;
  expiresAt: Date | null;
}

export interface TokenInput {
  name: unknown;
  expiresInDays?: unknown;
  scope?: unknown;
  /** From a web session, a token is minted only with the current password: a stolen cookie alone cannot mint one. */
  currentPassword?: unknown;
}

const tokenNameSchema = z
  .string({ error: 'Name must be text' })
  .trim()
  .min(1, 'Name must not be empty')
  .max(100, 'Name must be at most 100 characters')
  .refine((s) => !s.includes('\u0000'), 'Name must not contain NUL characters');
const expiresInDaysSchema = z
  .number({ error: 'Expiry must be a number of days' })
  .int('Expiry must be a whole number of days')
  .min(1, 'Expiry must be at least 1 day')
  .max(3650, 'Expiry must be at most 3650 days');

export interface SessionServiceDeps {
  db: Database;
  gate: Pick<AccessGate, 'mint' | 'userAction' | 'requireChange' | 'stepUp'>;
  audit: Pick<AuditService, 'appendInTx' | 'write'>;
  sessionHours: number;
  cache?: ReadCache;
}

/** How recent a sign-in stands in for a password the account does not have (minting a token). */
/** How long a password sign-in waits for its second factor's code, and how many wrong codes it takes. */
const pendingFactorMs = 5 * 60_000;
const maxFactorFailures = 5;
const freshSignInMs = 10 * 60_000;

const tokenValue = (id: string, secret: string) => `tsr_${id.replaceAll('-', '')}_${secret}`;

export function sessionServiceFactory({ db, gate, audit, sessionHours, cache }: SessionServiceDeps) {
  /** Inserts a token and its audit row in one transaction. */
  async function issue(
    principal: Principal,
    userId: string,
    fields: { name: string; scope: TokenScope; expiresAt: Date | null; parentId: string | null },
    via: string,
  ): Promise<{ token: string; row: TokenRow }> {
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const row = await db.transaction(async (tx) => {
      const inserted = await authStore.insertToken(tx, { id, userId, secretHash: sha256(secret), ...fields });
      await audit.appendInTx(tx, [
        {
          actor: principal,
          event: {
            action: 'token.created',
            target: { id, name: fields.name },
            details: { expiresAt: inserted.expiresAt?.toISOString() ?? null, scope: fields.scope, via },
          },
        },
      ]);
      return inserted;
    });
    return { token: tokenValue(id, secret), row };
  }

  /**
   * From a web session, minting a token asks for proof that its person is there: the current
   * password, or for an account without one (single sign-on) a sign-in minutes old. A stolen
   * cookie alone cannot mint a token that outlives the session.
   */
  async function confirmPresence(user: UserPrincipal, currentPassword: unknown): Promise<void> {
    if (user.via !== 'session') return;
    const row = await identityStore.userById(db, user.id);
    const signedInAt = user.credential?.signedInAt?.getTime() ?? 0;
    if (row && row.passwordHash === null) {
      if (signedInAt < Date.now() - freshSignInMs)
        throw ValidationError.field(
          'currentPassword',
          'Sign out and in again to create a token: your sign-in is more than 10 minutes old',
        );
    } else if (!(await verifyPassword(row?.passwordHash, typeof currentPassword === 'string' ? currentPassword : '')))
      throw ValidationError.field('currentPassword', 'Enter your current password to create a token');
  }

  /** When this node last stamped each token's last use: at most one write per token per minute. */
  const touched = new Map<string, number>();
  return {
    confirmPresence,

    /**
     * A new session; `source`: how it was signed in when not with a password (`oidc`).
     * `factorPending`: the password was right and a second factor's code is awaited — such a
     * session opens nothing, and lives five minutes.
     */
    async createSession(
      userId: string,
      clientAddress?: string,
      source?: string,
      options: { factorPending?: boolean; factorAt?: Date } = {},
    ): Promise<{ cookie: string; expiresAt: Date }> {
      const cookie = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.now() + (options.factorPending ? pendingFactorMs : sessionHours * 3600_000));
      await authStore.insertSession(db, {
        idHash: sha256(cookie),
        userId,
        expiresAt,
        clientAddress: clientAddress ?? null,
        signInSource: source ?? null,
        factorPending: options.factorPending ?? false,
        factorAt: options.factorAt ?? null,
      });
      return { cookie, expiresAt };
    },

    /** The user a session waiting for a second factor belongs to, if it still waits. */
    async pendingFactor(cookie: string | undefined): Promise<{ userId: string; failures: number } | undefined> {
      if (!cookie || cookie.length > 100) return undefined;
      return authStore.pendingSession(db, sha256(cookie));
    },

    /** Records that this session proved its second factor now (step-up). */
    async markFactor(cookie: string): Promise<void> {
      await authStore.markFactor(db, sha256(cookie));
    },

    /** Counts a wrong code against a waiting session; the fifth ends it (sign in again). */
    async factorFailed(cookie: string): Promise<{ ended: boolean }> {
      const failures = await authStore.countFactorFailure(db, sha256(cookie));
      if (failures < maxFactorFailures) return { ended: false };
      await authStore.deleteSession(db, sha256(cookie));
      return { ended: true };
    },

    async sessionUser(cookie: string | undefined): Promise<string | undefined> {
      return (await this.sessionHolder(cookie))?.userId;
    },

    /** The live session's user and when the session ends. */
    async sessionHolder(cookie: string | undefined): Promise<SessionHolder | undefined> {
      if (!cookie || cookie.length > 100) return undefined;
      return authStore.sessionUser(db, sha256(cookie));
    },

    /** Ends a session; with `principal`, records the logout. */
    async destroySession(cookie: string | undefined, principal?: Principal): Promise<void> {
      if (cookie) await authStore.deleteSession(db, sha256(cookie));
      if (principal && principal.kind === 'user')
        await audit.write({
          actor: principal,
          event: {
            action: 'auth.logout',
            target: { id: principal.id, name: principal.id },
            details: { method: 'session' },
          },
        });
    },

    /** Ends every session and token of a user (password changed, user disabled). */
    async revokeAll(userId: string, tx: Executor = db): Promise<void> {
      await authStore.deleteSessionsOf(tx, userId);
      await authStore.revokeTokensOf(tx, userId);
    },

    /**
     * A new API token for the acting user; the returned `token` is shown once and never stored.
     * Minted with a token, it is no wider and no longer-lived than that token, and is revoked
     * with it; minted from a web session, it needs the current password.
     */
    async createToken(principal: Principal, input: TokenInput): Promise<{ token: string; info: ApiToken }> {
      const name = parseField(tokenNameSchema, input.name, 'name');
      const days =
        input.expiresInDays === undefined || input.expiresInDays === null
          ? undefined
          : parseField(expiresInDaysSchema, input.expiresInDays, 'expiresInDays');
      const scope =
        input.scope === undefined || input.scope === null || input.scope === ''
          ? 'full'
          : parseField(scopeSchema, input.scope, 'scope');
      const minted = await gate.mint(principal, {
        scope,
        expiresAt: days === undefined ? null : new Date(Date.now() + days * 86_400_000),
      });
      const user = principal as UserPrincipal;
      if (minted.scope === 'full') await gate.stepUp(principal, 'Minting a full API token');
      await confirmPresence(user, input.currentPassword);
      const { token, row } = await issue(principal, user.id, { name, ...minted }, user.via ?? 'in-process');
      return { token, info: tokenOf(row) };
    },

    /**
     * A token for a user who just gave their e-mail and password (POST /auth/token): an hour
     * unless asked for longer (as `tresor login` does), full or read-only.
     */
    async createTokenForCredentials(
      userId: string,
      input: { name?: unknown; expiresInDays?: unknown; scope?: unknown } = {},
      /** How the person proved it: `credentials` (e-mail and password), `cli-browser` (`tresor login --browser`). */
      via: 'credentials' | 'cli-browser' = 'credentials',
    ): Promise<{ token: string; info: ApiToken }> {
      const name = input.name === undefined ? 'auth/token' : parseField(tokenNameSchema, input.name, 'name');
      const days =
        input.expiresInDays === undefined || input.expiresInDays === null
          ? undefined
          : parseField(expiresInDaysSchema, input.expiresInDays, 'expiresInDays');
      const scope =
        input.scope === undefined || input.scope === null ? 'full' : parseField(scopeSchema, input.scope, 'scope');
      const expiresAt = new Date(Date.now() + (days === undefined ? 3600_000 : days * 86_400_000));
      const { token, row } = await issue(
        { kind: 'user', id: userId },
        userId,
        { name, scope, expiresAt, parentId: null },
        via,
      );
      return { token, info: tokenOf(row) };
    },

    /** Who a bearer token stands for, if it is live. */
    async tokenHolder(token: string | undefined): Promise<TokenHolder | undefined> {
      const match = token ? tokenPattern.exec(token) : null;
      if (!match) return undefined;
      const hex = match[1]!;
      const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      // Revocation, expiry of the user's rights and disabling are announced, so a live token may be cached.
      const row = cache
        ? await cache.through('tokens', id, () => authStore.liveToken(db, id))
        : await authStore.liveToken(db, id);
      if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return undefined;
      const offered = sha256(match[2]!);
      if (!timingSafeEqual(offered, row.secretHash)) return undefined;
      if ((touched.get(id) ?? 0) < Date.now() - 60_000) {
        touched.set(id, Date.now());
        await authStore.touchToken(db, id);
      }
      return { userId: row.userId, tokenId: row.id, scope: scopeOf(row.scope), expiresAt: row.expiresAt };
    },

    async tokens(principal: Principal): Promise<ApiToken[]> {
      if (principal.kind !== 'user') return [];
      return (await authStore.tokensOf(db, principal.id)).map(tokenOf);
    },

    async revokeToken(principal: Principal, id: string): Promise<void> {
      const row = /^[0-9a-f-]{36}$/i.test(id) ? await authStore.token(db, id) : undefined;
      const own = row && principal.kind === 'user' && row.userId === principal.id;
      if (!row) throw new NotFoundError(`No token ${id}`);
      // A read-only token changes nothing, tokens included (its own user's full token too).
      if (own) await gate.requireChange(principal, 'Revoking a token');
      else await gate.userAction(principal, row.userId, 'revoke the tokens of');
      await db.transaction(async (tx) => {
        if (!(await authStore.revokeToken(tx, id))) throw new NotFoundError(`Token ${id} is already revoked`);
        await audit.appendInTx(tx, [
          {
            actor: principal,
            event: {
              action: 'token.revoked',
              target: { id, name: row.name },
              details: { expiresAt: row.expiresAt?.toISOString() ?? null },
            },
          },
        ]);
      });
    },
  };
}

export type SessionService = ReturnType<typeof sessionServiceFactory>;
