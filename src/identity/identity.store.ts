/** Database access for users, groups, memberships, permission grants and setup tokens. */
import { and, asc, eq, gt, inArray, isNull, or, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { compiled } from '../db/compiled.ts';
import { storable } from '../db/errors.ts';
import {
  groups,
  memberships,
  permissionGrants,
  setupTokens,
  spaceRoles,
  spaces,
  userDefaultSpaces,
  users,
} from '../db/schema/index.ts';

export type UserRow = typeof users.$inferSelect;
export type GroupRow = typeof groups.$inferSelect;
/** What a user may do, as stored: disabled or not, its groups, the permissions it holds directly or through them. */
export interface UserStanding {
  disabled: boolean;
  groupIds: string[];
  permissions: string[];
  /** `space-id:role` for each role held in a space, directly or through a group. */
  spaceRoles: string[];
  /**
   * The name of the space the user chose as their default (where their bare names resolve first), if any. Read
   * with the facts only: the statement a change begins with resolves no names, and a write pays nothing for it.
   */
  homeSpace?: string | null;
}

/**
 * A user's standing (groups and permissions, as text arrays) as SQL expressions on the user
 * id `user`: one query of its own, or columns of the statement a change begins with.
 */
export function standingColumns(user: SQL | Placeholder) {
  return {
    groupIds: sql<string[]>`coalesce((select array_agg(m.group_id::text) from ${memberships} m
      where m.user_id = ${user}), '{}')`,
    permissions: sql<string[]>`coalesce((select array_agg(distinct g.permission) from ${permissionGrants} g
      where g.user_id = ${user}
         or g.group_id in (select m.group_id from ${memberships} m where m.user_id = ${user})), '{}')`,
    // Two indexed lookups joined by union, not one `or`: an `or` with a subquery scans every role of
    // every space (the 10,000-space bench found it, on the statement every change reads).
    spaceRoles: sql<string[]>`coalesce((select array_agg(distinct held.pair) from (
        select r.space_id::text || ':' || r.role as pair from ${spaceRoles} r where r.user_id = ${user}
        union all
        select r.space_id::text || ':' || r.role from ${spaceRoles} r
          join ${memberships} m on m.group_id = r.group_id where m.user_id = ${user}) held), '{}')`,
  };
}

// A user's standing is read for every change the user makes, so built once (compiled.ts says why).
const standingOf = compiled('user_standing', (db) =>
  db
    .select({
      disabled: users.disabled,
      ...standingColumns(sql.placeholder('id')),
      homeSpace: sql<string | null>`(select s.name from ${userDefaultSpaces} d join ${spaces} s on s.id = d.space_id
        where d.user_id = ${sql.placeholder('id')})`,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .limit(1),
);

export const identityStore = {
  async insertUser(db: Executor, row: typeof users.$inferInsert): Promise<UserRow> {
    const [inserted] = await db.insert(users).values(row).returning();
    return inserted!;
  },
  async userById(db: Executor, id: string): Promise<UserRow | undefined> {
    const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
    return row;
  },
  async userByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
    if (!storable(email)) return undefined;
    const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
    return row;
  },
  async updateUser(db: Executor, id: string, patch: Partial<typeof users.$inferInsert>): Promise<UserRow | undefined> {
    const [row] = await db
      .update(users)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(users.id, id))
      .returning();
    return row;
  },
  async listUsers(db: Executor): Promise<UserRow[]> {
    return db.select().from(users).orderBy(asc(users.email));
  },
  async countUsers(db: Executor): Promise<number> {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
    return row?.n ?? 0;
  },

  async insertGroup(db: Executor, row: typeof groups.$inferInsert): Promise<GroupRow> {
    const [inserted] = await db.insert(groups).values(row).returning();
    return inserted!;
  },
  async ensureGroup(db: Executor, row: typeof groups.$inferInsert): Promise<void> {
    await db.insert(groups).values(row).onConflictDoNothing();
  },
  async groupByName(db: Executor, name: string): Promise<GroupRow | undefined> {
    if (!storable(name)) return undefined;
    const [row] = await db.select().from(groups).where(eq(groups.name, name)).limit(1);
    return row;
  },
  async groupById(db: Executor, id: string): Promise<GroupRow | undefined> {
    const [row] = await db.select().from(groups).where(eq(groups.id, id)).limit(1);
    return row;
  },
  async listGroups(db: Executor): Promise<GroupRow[]> {
    return db.select().from(groups).orderBy(asc(groups.name));
  },
  async updateGroupDescription(db: Executor, id: string, description: string): Promise<void> {
    await db.update(groups).set({ description }).where(eq(groups.id, id));
  },
  async deleteGroup(db: Executor, id: string): Promise<void> {
    await db.delete(groups).where(eq(groups.id, id));
  },

  async addMember(db: Executor, userId: string, groupId: string): Promise<boolean> {
    const rows = await db.insert(memberships).values({ userId, groupId }).onConflictDoNothing().returning();
    return rows.length > 0;
  },
  async removeMember(db: Executor, userId: string, groupId: string): Promise<boolean> {
    const rows = await db
      .delete(memberships)
      .where(and(eq(memberships.userId, userId), eq(memberships.groupId, groupId)))
      .returning();
    return rows.length > 0;
  },
  /**
   * A user's standing in one round trip: disabled or not, the groups they are in and the
   * permissions they hold directly or through those groups (undefined: no such user). The
   * access gate asks this on every change, inside the change's transaction.
   */
  async spaceRolesOfGroup(db: Executor, groupId: string): Promise<string[]> {
    const rows = await db
      .select({ pair: sql<string>`${spaceRoles.spaceId}::text || ':' || ${spaceRoles.role}` })
      .from(spaceRoles)
      .where(eq(spaceRoles.groupId, groupId));
    return rows.map((r) => r.pair);
  },
  async userStanding(db: Executor, userId: string): Promise<UserStanding | undefined> {
    return (await standingOf(db, { id: userId }))[0];
  },
  async membersOf(db: Executor, groupId: string): Promise<UserRow[]> {
    return db
      .select({ user: users })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.groupId, groupId))
      .orderBy(asc(users.email))
      .then((rows) => rows.map((r) => r.user));
  },

  async grant(db: Executor, holder: { userId: string } | { groupId: string }, permission: string): Promise<boolean> {
    const rows = await db
      .insert(permissionGrants)
      .values({ ...holder, permission })
      .onConflictDoNothing()
      .returning();
    return rows.length > 0;
  },
  async revoke(db: Executor, holder: { userId: string } | { groupId: string }, permission: string): Promise<boolean> {
    const who =
      'userId' in holder ? eq(permissionGrants.userId, holder.userId) : eq(permissionGrants.groupId, holder.groupId);
    const rows = await db
      .delete(permissionGrants)
      .where(and(who, eq(permissionGrants.permission, permission)))
      .returning();
    return rows.length > 0;
  },
  /** Permissions granted to the user directly or to any of the given groups. */
  async permissionsOf(db: Executor, userId: string | undefined, groupIds: readonly string[]): Promise<string[]> {
    const holders = [];
    if (userId) holders.push(eq(permissionGrants.userId, userId));
    if (groupIds.length > 0) holders.push(inArray(permissionGrants.groupId, [...groupIds]));
    if (holders.length === 0) return [];
    const rows = await db
      .select({ permission: permissionGrants.permission })
      .from(permissionGrants)
      .where(or(...holders));
    return rows.map((r) => r.permission);
  },
  async grantsOf(db: Executor, holder: { userId: string } | { groupId: string }): Promise<string[]> {
    const who =
      'userId' in holder ? eq(permissionGrants.userId, holder.userId) : eq(permissionGrants.groupId, holder.groupId);
    return (await db.select({ permission: permissionGrants.permission }).from(permissionGrants).where(who))
      .map((r) => r.permission)
      .sort();
  },

  async insertSetupToken(db: Executor, tokenHash: Buffer, expiresAt: Date): Promise<void> {
    await db.insert(setupTokens).values({ tokenHash, expiresAt });
  },
  /** Whether the token is valid (unused, unexpired), without using it: checked before any costly work. */
  async setupTokenLive(db: Executor, tokenHash: Buffer): Promise<boolean> {
    const rows = await db
      .select({ tokenHash: setupTokens.tokenHash })
      .from(setupTokens)
      .where(
        and(eq(setupTokens.tokenHash, tokenHash), isNull(setupTokens.usedAt), gt(setupTokens.expiresAt, new Date())),
      )
      .limit(1);
    return rows.length > 0;
  },
  /** Marks the token used if it is valid; true when it was. One use only, even under a race. */
  async consumeSetupToken(db: Executor, tokenHash: Buffer): Promise<boolean> {
    const rows = await db
      .update(setupTokens)
      .set({ usedAt: new Date() })
      .where(
        and(eq(setupTokens.tokenHash, tokenHash), isNull(setupTokens.usedAt), gt(setupTokens.expiresAt, new Date())),
      )
      .returning();
    return rows.length > 0;
  },
};
