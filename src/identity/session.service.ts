/**
 * Server-side sessions (web UI) and bearer API tokens. Both are random values shown to
 * their holder once; the database keeps only SHA-256 hashes. Logging out, changing the
 * password and disabling the user end them.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AuditService } from '../audit/audit.service.ts';
import type { ReadCache } from '../cluster/read-cache.ts';
import type { Database } from '../db/client.ts';
import { AccessDeniedError, NotFoundError } from '../errors.ts';
import { parseField } from '../validation.ts';
import { holds, resolvePrincipal } from './access.resolver.ts';
import { authStore, type TokenRow } from './auth.store.ts';
import type { Principal } from './principal.ts';

const sha256 = (value: string) => createHash('sha256').update(value).digest();
const tokenPattern = /^tsr_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

export interface ApiToken {
  id: string;
  name: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

const tokenOf = (row: TokenRow): ApiToken => ({ id: row.id, name: row.name, createdAt: row.createdAt, expiresAt: row.expiresAt, revokedAt: row.revokedAt, lastUsedAt: row.lastUsedAt });

const tokenNameSchema = z.string({ error: 'Name must be text' }).trim().min(1, 'Name must not be empty').max(100, 'Name must be at most 100 characters').refine((s) => !s.includes('\u0000'), 'Name must not contain NUL characters');
const expiresInDaysSchema = z.number({ error: 'Expiry must be a number of days' }).int('Expiry must be a whole number of days').min(1, 'Expiry must be at least 1 day').max(3650, 'Expiry must be at most 3650 days');

export function sessionServiceFactory({ db, audit, sessionHours, cache }: { db: Database; audit: Pick<AuditService, 'appendInTx' | 'write'>; sessionHours: number; cache?: ReadCache }) {
  /** When this node last stamped each token's last use: at most one write per token per minute. */
  const touched = new Map<string, number>();
  return {
    async createSession(userId: string, clientAddress?: string): Promise<{ cookie: string; expiresAt: Date }> {
      const cookie = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.now() + sessionHours * 3600_000);
      await authStore.insertSession(db, { idHash: sha256(cookie), userId, expiresAt, clientAddress: clientAddress ?? null });
      return { cookie, expiresAt };
    },

    async sessionUser(cookie: string | undefined): Promise<string | undefined> {
      if (!cookie || cookie.length > 100) return undefined;
      return (await authStore.sessionUser(db, sha256(cookie)))?.userId;
    },

    /** Ends a session; with `principal`, records the logout. */
    async destroySession(cookie: string | undefined, principal?: Principal): Promise<void> {
      if (cookie) await authStore.deleteSession(db, sha256(cookie));
      if (principal && principal.kind === 'user') await audit.write({ actor: principal, event: { action: 'auth.logout', target: { id: principal.id, name: principal.id }, details: { method: 'session' } } });
    },

    /** Ends every session and token of a user (password changed, user disabled). */
    async revokeAll(userId: string): Promise<void> {
      await authStore.deleteSessionsOf(db, userId);
      await authStore.revokeTokensOf(db, userId);
    },

    /** A new API token for the acting user; the returned `token` is shown once and never stored. */
    async createToken(principal: Principal, input: { name: unknown; expiresInDays?: unknown }): Promise<{ token: string; info: ApiToken }> {
      if (principal.kind !== 'user' || !(await resolvePrincipal(db, principal)).active) throw new AccessDeniedError('Only a signed-in user can create API tokens');
      const name = parseField(tokenNameSchema, input.name, 'name');
      const days = input.expiresInDays === undefined || input.expiresInDays === null ? undefined : parseField(expiresInDaysSchema, input.expiresInDays, 'expiresInDays');
      const id = randomUUID();
      const secret = randomBytes(32).toString('base64url');
      const row = await db.transaction(async (tx) => {
        const inserted = await authStore.insertToken(tx, { id, userId: principal.id, name, secretHash: sha256(secret), expiresAt: days === undefined ? null : new Date(Date.now() + days * 86_400_000) });
        await audit.appendInTx(tx, [{ actor: principal, event: { action: 'token.created', target: { id, name }, details: { expiresAt: inserted.expiresAt?.toISOString() ?? null } } }]);
        return inserted;
      });
      return { token: `tsr_${id.replaceAll('-', '')}_${secret}`, info: tokenOf(row) };
    },

    /** A short-lived token for scripts that start from a user's credentials (POST /auth/token). */
    async createShortLivedToken(userId: string, minutes = 60): Promise<{ token: string; expiresAt: Date }> {
      const id = randomUUID();
      const secret = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.now() + minutes * 60_000);
      await authStore.insertToken(db, { id, userId, name: 'auth/token', secretHash: sha256(secret), expiresAt });
      return { token: `tsr_${id.replaceAll('-', '')}_${secret}`, expiresAt };
    },

    /** The user a bearer token belongs to, if it is live. */
    async tokenUser(token: string | undefined): Promise<string | undefined> {
      const match = token ? tokenPattern.exec(token) : null;
      if (!match) return undefined;
      const hex = match[1]!;
      const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      // Revocation, expiry of the user's rights and disabling are announced, so a live token may be cached.
      const row = cache ? await cache.through('tokens', id, () => authStore.liveToken(db, id)) : await authStore.liveToken(db, id);
      if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return undefined;
      const offered = sha256(match[2]!);
      if (!timingSafeEqual(offered, row.secretHash)) return undefined;
      if ((touched.get(id) ?? 0) < Date.now() - 60_000) {
        touched.set(id, Date.now());
        await authStore.touchToken(db, id);
      }
      return row.userId;
    },

    async tokens(principal: Principal): Promise<ApiToken[]> {
      if (principal.kind !== 'user') return [];
      return (await authStore.tokensOf(db, principal.id)).map(tokenOf);
    },

    async revokeToken(principal: Principal, id: string): Promise<void> {
      const row = /^[0-9a-f-]{36}$/i.test(id) ? await authStore.token(db, id) : undefined;
      const own = row && principal.kind === 'user' && row.userId === principal.id;
      if (!row || (!own && !holds(await resolvePrincipal(db, principal), 'USER_ADMIN'))) throw new NotFoundError(`No token ${id}`);
      await db.transaction(async (tx) => {
        if (!(await authStore.revokeToken(tx, id))) throw new NotFoundError(`Token ${id} is already revoked`);
        await audit.appendInTx(tx, [{ actor: principal, event: { action: 'token.revoked', target: { id, name: row.name }, details: { expiresAt: row.expiresAt?.toISOString() ?? null } } }]);
      });
    },
  };
}

export type SessionService = ReturnType<typeof sessionServiceFactory>;
