/** Database access for shares. */
import { and, asc, eq, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { compiled } from '../db/compiled.ts';
import { groups, memberships, secretShares, users } from '../db/schema/index.ts';

export interface ShareRow {
  id: string;
  secretId: string;
  userId: string | null;
  groupId: string | null;
  email: string | null;
  groupName: string | null;
  createdAt: Date;
}

// Asked on every decision about a secret, so built once (compiled.ts says why).
const relationRows = compiled('share_relation', (db) =>
  db
    .select({ userId: secretShares.userId, groupId: secretShares.groupId })
    .from(secretShares)
    .where(
      and(
        eq(secretShares.secretId, sql.placeholder('secretId')),
        sql`(${secretShares.userId} = ${sql.placeholder('userId')}
          or ${secretShares.groupId} = any(${sql.placeholder('groupIds')}::uuid[]))`,
      ),
    ),
);

export const shareStore = {
  async insert(
    db: Executor,
    row: { secretId: string; userId?: string; groupId?: string; createdBy: string | null },
  ): Promise<string> {
    const [inserted] = await db.insert(secretShares).values(row).returning({ id: secretShares.id });
    return inserted!.id;
  },

  async delete(db: Executor, secretId: string, shareId: string): Promise<boolean> {
    const rows = await db
      .delete(secretShares)
      .where(and(eq(secretShares.secretId, secretId), eq(secretShares.id, shareId)))
      .returning();
    return rows.length > 0;
  },

  async find(db: Executor, secretId: string, shareId: string): Promise<ShareRow | undefined> {
    return (await this.list(db, secretId)).find((s) => s.id === shareId);
  },

  async list(db: Executor, secretId: string): Promise<ShareRow[]> {
    return db
      .select({
        id: secretShares.id,
        secretId: secretShares.secretId,
        userId: secretShares.userId,
        groupId: secretShares.groupId,
        email: users.email,
        groupName: groups.name,
        createdAt: secretShares.createdAt,
      })
      .from(secretShares)
      .leftJoin(users, eq(users.id, secretShares.userId))
      .leftJoin(groups, eq(groups.id, secretShares.groupId))
      .where(eq(secretShares.secretId, secretId))
      .orderBy(asc(secretShares.createdAt), asc(secretShares.id));
  },

  /** How a principal (a user and its groups, or one group) is related to a secret through shares. */
  async relation(
    db: Executor,
    secretId: string,
    userId: string | null,
    groupIds: readonly string[],
  ): Promise<{ directShare: boolean; groupShare: boolean }> {
    if (!userId && groupIds.length === 0) return { directShare: false, groupShare: false };
    const rows = await relationRows(db, { secretId, userId, groupIds });
    return { directShare: rows.some((r) => r.userId !== null), groupShare: rows.some((r) => r.groupId !== null) };
  },

  /**
   * SQL: whether the secret `secretId` (an SQL expression) is shared with the user directly, and
   * whether with one of the groups the user belongs to (memberships read in the same statement).
   */
  relationOfUser: (secretId: SQL, userId: SQL | Placeholder) => ({
    directShare: sql<boolean>`exists (select 1 from ${secretShares} sh
      where sh.secret_id = ${secretId} and sh.user_id = ${userId})`,
    groupShare: sql<boolean>`exists (select 1 from ${secretShares} sh
      where sh.secret_id = ${secretId}
        and sh.group_id in (select m.group_id from ${memberships} m where m.user_id = ${userId}))`,
  }),

  /** SQL: the ids of secrets shared directly with `userId` (for store listings). */
  idsSharedWithUser: (userId: string) =>
    sql`select ${secretShares.secretId} from ${secretShares} where ${secretShares.userId} = ${userId}`,

  /** SQL: the secret is shared with `userId` or one of `groupIds` (for what modules may use). */
  sharedWithAny: (secretIdColumn: unknown, userId: string | null, groupIds: readonly string[]) => {
    const holders = [];
    if (userId) holders.push(sql`${secretShares.userId} = ${userId}`);
    if (groupIds.length > 0)
      holders.push(
        sql`${secretShares.groupId} in (${sql.join(
          groupIds.map((g) => sql`${g}::uuid`),
          sql`, `,
        )})`,
      );
    if (holders.length === 0) return sql`false`;
    return sql`exists (select 1 from ${secretShares} where ${secretShares.secretId} = ${secretIdColumn} and
      (${sql.join(holders, sql` or `)}))`;
  },
};
