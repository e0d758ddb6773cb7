/** Database access for mailed one-time links (invitations, password resets); only hashes are stored. */
import { and, desc, eq, gt, inArray, lt } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { accountLinks } from '../db/schema/index.ts';

export type AccountLinkPurpose = 'invite' | 'reset';
export type AccountLinkRow = typeof accountLinks.$inferSelect;

export const accountLinkStore = {
  /** Records a link, voiding the user's earlier ones (any purpose: the newest mail is the one that works). */
  async replace(db: Executor, row: typeof accountLinks.$inferInsert): Promise<void> {
    await db.delete(accountLinks).where(eq(accountLinks.userId, row.userId));
    await db.delete(accountLinks).where(lt(accountLinks.expiresAt, new Date()));
    await db.insert(accountLinks).values(row);
  },

  async find(db: Executor, tokenHash: Buffer): Promise<AccountLinkRow | undefined> {
    const [row] = await db.select().from(accountLinks).where(eq(accountLinks.tokenHash, tokenHash)).limit(1);
    return row;
  },

  /** Takes a link out (it is used once): a second use finds nothing. */
  async take(db: Executor, tokenHash: Buffer): Promise<AccountLinkRow | undefined> {
    const [row] = await db.delete(accountLinks).where(eq(accountLinks.tokenHash, tokenHash)).returning();
    return row;
  },

  /** The user's newest link of a purpose, for "was one just sent?" (throttling a forgotten-password form). */
  async newest(db: Executor, userId: string, purpose: AccountLinkPurpose): Promise<AccountLinkRow | undefined> {
    const [row] = await db
      .select()
      .from(accountLinks)
      .where(and(eq(accountLinks.userId, userId), eq(accountLinks.purpose, purpose)))
      .orderBy(desc(accountLinks.createdAt))
      .limit(1);
    return row;
  },

  /** The live invitations of these users, by user id (one query for a whole page of users). */
  async invitations(db: Executor, userIds: readonly string[]): Promise<Map<string, Date>> {
    if (userIds.length === 0) return new Map();
    const rows = await db
      .select({ userId: accountLinks.userId, expiresAt: accountLinks.expiresAt })
      .from(accountLinks)
      .where(
        and(
          inArray(accountLinks.userId, [...userIds]),
          eq(accountLinks.purpose, 'invite'),
          gt(accountLinks.expiresAt, new Date()),
        ),
      );
    return new Map(rows.map((r) => [r.userId, r.expiresAt]));
  },
};
