/** Database access for sessions and API tokens. */
import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { apiTokens, sessions, totpFactors, users } from '../db/schema/index.ts';

export type TokenRow = typeof apiTokens.$inferSelect;

/** Who a live session belongs to, and what the UI needs to know of them on every request. */
export interface SessionHolder {
  userId: string;
  expiresAt: Date;
  mustChangePassword: boolean;
  /** The user's chosen language, or null for the browser's. */
  locale: string | null;
  /** When the session was signed in (a fresh sign-in stands in for a password the account does not have). */
  signedInAt: Date;
  /** How: null for a password, else the source (`oidc`), whose sign-out follows Tresor's. */
  signInSource: string | null;
  /** Whether the user has a second factor set up (the policy may send one without it to set one up). */
  factorEnrolled: boolean;
  /** When the session last proved the second factor (sign-in or step-up). */
  factorAt: Date | null;
}

export const authStore = {
  async insertSession(db: Executor, row: typeof sessions.$inferInsert): Promise<void> {
    await db.insert(sessions).values(row);
  },
  /** The live session's user, if the user is still enabled. */
  async sessionUser(db: Executor, idHash: Buffer): Promise<SessionHolder | undefined> {
    const [row] = await db
      .select({
        userId: sessions.userId,
        expiresAt: sessions.expiresAt,
        mustChangePassword: users.mustChangePassword,
        locale: users.locale,
        signedInAt: sessions.createdAt,
        signInSource: sessions.signInSource,
        factorEnrolled: sql<boolean>`(${totpFactors.confirmedAt} is not null
          or exists (select 1 from passkeys p where p.user_id = ${sessions.userId}))`,
        factorAt: sessions.factorAt,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .leftJoin(totpFactors, eq(totpFactors.userId, sessions.userId))
      .where(
        and(
          eq(sessions.idHash, idHash),
          gt(sessions.expiresAt, new Date()),
          eq(users.disabled, false),
          // A session waiting for a second factor's code opens nothing.
          eq(sessions.factorPending, false),
        ),
      )
      .limit(1);
    return row;
  },
  /** A session waiting for a second factor's code: its user and the wrong codes so far. */
  async pendingSession(db: Executor, idHash: Buffer): Promise<{ userId: string; failures: number } | undefined> {
    const [row] = await db
      .select({ userId: sessions.userId, failures: sessions.factorFailures })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          eq(sessions.idHash, idHash),
          gt(sessions.expiresAt, new Date()),
          eq(users.disabled, false),
          eq(sessions.factorPending, true),
        ),
      )
      .limit(1);
    return row;
  },
  async markFactor(db: Executor, idHash: Buffer): Promise<void> {
    await db.update(sessions).set({ factorAt: new Date() }).where(eq(sessions.idHash, idHash));
  },
  async countFactorFailure(db: Executor, idHash: Buffer): Promise<number> {
    const [row] = await db
      .update(sessions)
      .set({ factorFailures: sql`${sessions.factorFailures} + 1` })
      .where(eq(sessions.idHash, idHash))
      .returning({ failures: sessions.factorFailures });
    return row?.failures ?? 0;
  },
  async deleteSession(db: Executor, idHash: Buffer): Promise<void> {
    await db.delete(sessions).where(eq(sessions.idHash, idHash));
  },
  async deleteSessionsOf(db: Executor, userId: string): Promise<void> {
    await db.delete(sessions).where(eq(sessions.userId, userId));
  },
  async deleteExpiredSessions(db: Executor): Promise<void> {
    await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
  },

  async insertToken(db: Executor, row: typeof apiTokens.$inferInsert): Promise<TokenRow> {
    const [inserted] = await db.insert(apiTokens).values(row).returning();
    return inserted!;
  },
  async token(db: Executor, id: string): Promise<TokenRow | undefined> {
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id)).limit(1);
    return row;
  },
  /** A usable token: not revoked, not expired, its user enabled. */
  async liveToken(db: Executor, id: string): Promise<TokenRow | undefined> {
    const [row] = await db
      .select({ token: apiTokens })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(
        and(
          eq(apiTokens.id, id),
          isNull(apiTokens.revokedAt),
          or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, new Date())),
          eq(users.disabled, false),
        ),
      )
      .limit(1);
    return row?.token;
  },
  async tokensOf(db: Executor, userId: string): Promise<TokenRow[]> {
    return db.select().from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(desc(apiTokens.createdAt));
  },
  /** Revokes the token and every token minted with it, and theirs (a child never outlives its parent). */
  async revokeToken(db: Executor, id: string): Promise<boolean> {
    const rows = await db.execute<{ id: string }>(sql`
      with recursive tree(id) as (
        select ${id}::uuid union select t.id from api_tokens t join tree on t.parent_id = tree.id
      )
      update api_tokens set revoked_at = now() where id in (select id from tree) and revoked_at is null returning id`);
    const list = Array.isArray(rows) ? rows : ((rows as { rows?: { id: string }[] }).rows ?? []);
    return list.some((r) => r.id === id);
  },
  async revokeTokensOf(db: Executor, userId: string): Promise<void> {
    await db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)));
  },
  /** At most one write per token per minute. */
  async touchToken(db: Executor, id: string): Promise<void> {
    await db
      .update(apiTokens)
      .set({ lastUsedAt: new Date() })
      .where(
        and(
          eq(apiTokens.id, id),
          or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - interval '1 minute'`)),
        ),
      );
  },
};
