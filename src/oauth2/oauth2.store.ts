/** Database access for OAuth2 connections and the authorization requests under way. */

import { and, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import { sealedRecordTable } from '../crypto/sealed-record-table.ts';
import type { Executor } from '../db/client.ts';
import { oauth2Connections, oauth2States, secrets, users } from '../db/schema/index.ts';

export type ConnectionRow = typeof oauth2Connections.$inferSelect;
export type StateRow = typeof oauth2States.$inferSelect;

/** Where connections (their sealed tokens) are kept, for key rotation to re-wrap. */
export const connectionRecords = sealedRecordTable(oauth2Connections, {
  id: oauth2Connections.secretId,
  generation: oauth2Connections.generation,
  dataKey: oauth2Connections.dataKey,
  kekVersion: oauth2Connections.kekVersion,
});

export const oauth2Store = {
  /** The secret's connection; with `lock`, locked for the rest of the transaction (one refresher at a time). */
  async connection(
    db: Executor,
    secretId: string,
    options: { lock?: boolean } = {},
  ): Promise<ConnectionRow | undefined> {
    const query = db.select().from(oauth2Connections).where(eq(oauth2Connections.secretId, secretId));
    const [row] = options.lock ? await query.for('update') : await query;
    return row;
  },

  async save(db: Executor, row: typeof oauth2Connections.$inferInsert): Promise<void> {
    const { secretId, ...rest } = row;
    await db
      .insert(oauth2Connections)
      .values(row)
      .onConflictDoUpdate({ target: oauth2Connections.secretId, set: rest });
  },

  /** Marks the connection as needing a reconnect; its notice is due (again). */
  async markNeedsReconnect(db: Executor, secretId: string): Promise<void> {
    await db
      .update(oauth2Connections)
      .set({ status: 'needs-reconnect', noticeSentAt: null, noticeClaimedUntil: null })
      .where(eq(oauth2Connections.secretId, secretId));
  },

  /**
   * Claims the needs-reconnect notices not sent yet for this node until `until` (a claim that
   * has not lapsed is another node's): the secrets, with their owner's address when enabled.
   */
  async claimNotices(
    db: Executor,
    now: Date,
    until: Date,
    limit: number,
  ): Promise<{ secretId: string; name: string; typeId: string; ownerEmail: string | null }[]> {
    const claimed = await db
      .update(oauth2Connections)
      .set({ noticeClaimedUntil: until })
      .where(
        inArray(
          oauth2Connections.secretId,
          db
            .select({ id: oauth2Connections.secretId })
            .from(oauth2Connections)
            .where(
              and(
                eq(oauth2Connections.status, 'needs-reconnect'),
                isNull(oauth2Connections.noticeSentAt),
                or(isNull(oauth2Connections.noticeClaimedUntil), lt(oauth2Connections.noticeClaimedUntil, now)),
              ),
            )
            .limit(limit)
            .for('update', { skipLocked: true }),
        ),
      )
      .returning({ secretId: oauth2Connections.secretId });
    if (claimed.length === 0) return [];
    const rows = await db
      .select({
        secretId: secrets.id,
        name: secrets.name,
        typeId: secrets.typeId,
        email: users.email,
        disabled: users.disabled,
      })
      .from(secrets)
      .leftJoin(users, eq(users.id, secrets.ownerId))
      .where(
        inArray(
          secrets.id,
          claimed.map((c) => c.secretId),
        ),
      );
    return rows.map((r) => ({
      secretId: r.secretId,
      name: r.name,
      typeId: r.typeId,
      ownerEmail: r.disabled ? null : r.email,
    }));
  },

  async markNoticeSent(db: Executor, secretId: string, at: Date): Promise<void> {
    await db.update(oauth2Connections).set({ noticeSentAt: at }).where(eq(oauth2Connections.secretId, secretId));
  },

  /** Gives a claim back (the mail could not go out): the next run tries again. */
  async releaseNotice(db: Executor, secretId: string): Promise<void> {
    await db
      .update(oauth2Connections)
      .set({ noticeClaimedUntil: null })
      .where(eq(oauth2Connections.secretId, secretId));
  },

  async remove(db: Executor, secretId: string): Promise<boolean> {
    const rows = await db
      .delete(oauth2Connections)
      .where(eq(oauth2Connections.secretId, secretId))
      .returning({ id: oauth2Connections.secretId });
    return rows.length > 0;
  },

  /** Status per secret, for a page of the store (metadata only). */
  async statuses(db: Executor, secretIds: readonly string[]): Promise<Map<string, string>> {
    if (secretIds.length === 0) return new Map();
    const rows = await db
      .select({ secretId: oauth2Connections.secretId, status: oauth2Connections.status })
      .from(oauth2Connections)
      .where(inArray(oauth2Connections.secretId, [...secretIds]));
    return new Map(rows.map((r) => [r.secretId, r.status]));
  },

  async insertState(db: Executor, row: StateRow): Promise<void> {
    await db.insert(oauth2States).values(row);
  },

  /**
   * Takes a state out (deleted in the same statement): a state is good for one callback, and
   * only for the user and browser session that started it — another session's try leaves it
   * for the real callback.
   */
  async takeState(
    db: Executor,
    stateHash: Buffer,
    owner: { userId: string; sessionHash: Buffer },
  ): Promise<StateRow | undefined> {
    const [row] = await db
      .delete(oauth2States)
      .where(
        and(
          eq(oauth2States.stateHash, stateHash),
          eq(oauth2States.userId, owner.userId),
          eq(oauth2States.sessionHash, owner.sessionHash),
        ),
      )
      .returning();
    return row;
  },

  async pruneStates(db: Executor, now: Date): Promise<void> {
    await db.delete(oauth2States).where(lt(oauth2States.expiresAt, now));
  },
};
