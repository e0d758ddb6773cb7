/** Database access for OAuth2 connections and the authorization requests under way. */
import { eq, inArray, lt } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { oauth2Connections, oauth2States } from '../db/schema/index.ts';

export type ConnectionRow = typeof oauth2Connections.$inferSelect;
export type StateRow = typeof oauth2States.$inferSelect;

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

  async setStatus(db: Executor, secretId: string, status: 'connected' | 'needs-reconnect'): Promise<void> {
    await db.update(oauth2Connections).set({ status }).where(eq(oauth2Connections.secretId, secretId));
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

  /** Takes a state out (deleted in the same statement): a state is good for one callback. */
  async takeState(db: Executor, stateHash: Buffer): Promise<StateRow | undefined> {
    const [row] = await db.delete(oauth2States).where(eq(oauth2States.stateHash, stateHash)).returning();
    return row;
  },

  async pruneStates(db: Executor, now: Date): Promise<void> {
    await db.delete(oauth2States).where(lt(oauth2States.expiresAt, now));
  },
};
