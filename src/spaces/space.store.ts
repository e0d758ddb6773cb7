/** Database access for spaces and the roles held in them. */
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { groups, secretReferences, secrets, spaceRoles, spaces, userDefaultSpaces, users } from '../db/schema/index.ts';
import { defaultSpaceId } from '../db/schema/spaces.ts';
import { namesSecret } from '../secrets/reference.store.ts';
import { isSecretId } from '../secrets/secret-rules.ts';

export type SpaceRow = typeof spaces.$inferSelect;

export interface RoleRow {
  role: string;
  userId: string | null;
  groupId: string | null;
  /** The holder's e-mail address or group name. */
  holder: string;
}

export const spaceStore = {
  /** A user's own default space (null: none chosen, the installation's). */
  async setDefaultSpace(db: Executor, userId: string, spaceId: string | null): Promise<void> {
    if (spaceId === null) await db.delete(userDefaultSpaces).where(eq(userDefaultSpaces.userId, userId));
    else
      await db
        .insert(userDefaultSpaces)
        .values({ userId, spaceId })
        .onConflictDoUpdate({ target: userDefaultSpaces.userId, set: { spaceId } });
  },

  /** A space by name (case-insensitive), or by id: each on its own index (an `or` of the two would scan). */
  async byName(db: Executor, ref: string): Promise<SpaceRow | undefined> {
    const [row] = await db
      .select()
      .from(spaces)
      .where(isSecretId(ref) ? eq(spaces.id, ref) : sql`lower(${spaces.name}) = lower(${ref})`)
      .limit(1);
    return row;
  },

  async list(db: Executor): Promise<SpaceRow[]> {
    return db.select().from(spaces).orderBy(asc(spaces.name));
  },

  async insert(db: Executor, row: { name: string; description: string }): Promise<SpaceRow> {
    const [created] = await db.insert(spaces).values(row).returning();
    return created!;
  },

  async roles(db: Executor, spaceId: string): Promise<RoleRow[]> {
    return db
      .select({
        role: spaceRoles.role,
        userId: spaceRoles.userId,
        groupId: spaceRoles.groupId,
        holder: sql<string>`coalesce(${users.email}, ${groups.name})`,
      })
      .from(spaceRoles)
      .leftJoin(users, eq(users.id, spaceRoles.userId))
      .leftJoin(groups, eq(groups.id, spaceRoles.groupId))
      .where(eq(spaceRoles.spaceId, spaceId))
      .orderBy(asc(spaceRoles.role), asc(sql`coalesce(${users.email}, ${groups.name})`));
  },

  /** Gives `holder` `role` in the space (replacing the role it held there). */
  async setRole(db: Executor, spaceId: string, holder: { userId: string } | { groupId: string }, role: string) {
    const target =
      'userId' in holder ? [spaceRoles.spaceId, spaceRoles.userId] : [spaceRoles.spaceId, spaceRoles.groupId];
    await db
      .insert(spaceRoles)
      .values({ spaceId, ...holder, role })
      .onConflictDoUpdate({ target, set: { role } });
  },

  async removeRole(db: Executor, spaceId: string, holder: { userId: string } | { groupId: string }): Promise<boolean> {
    const who = 'userId' in holder ? eq(spaceRoles.userId, holder.userId) : eq(spaceRoles.groupId, holder.groupId);
    const rows = await db
      .delete(spaceRoles)
      .where(and(eq(spaceRoles.spaceId, spaceId), who))
      .returning({ id: spaceRoles.id });
    return rows.length > 0;
  },

  /** How many configurations outside the space name one of its secrets (in a `secretRef` field). */
  async namedFromOutside(db: Executor, spaceId: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(secretReferences)
      .innerJoin(secrets, namesSecret(sql`${secretReferences.targetName}`, { spaceId, name: sql`${secrets.name}` }))
      .where(
        and(
          eq(secrets.spaceId, spaceId),
          sql`${secretReferences.secretId} not in (select s.id from ${secrets} s where s.space_id = ${spaceId})`,
        ),
      );
    return row?.n ?? 0;
  },

  /** Deletes the space's secrets (their versions, shares, references with them) and then the space; how many. */
  async deleteWithSecrets(db: Executor, spaceId: string): Promise<number> {
    const gone = await db.delete(secrets).where(eq(secrets.spaceId, spaceId)).returning({ id: secrets.id });
    await db.delete(spaces).where(eq(spaces.id, spaceId));
    return gone.length;
  },

  /** Whether the installation has a space besides the default one. */
  async several(db: Executor): Promise<boolean> {
    const [row] = await db.select({ id: spaces.id }).from(spaces).where(ne(spaces.id, defaultSpaceId)).limit(1);
    return row !== undefined;
  },

  async secretCount(db: Executor, spaceId: string): Promise<number> {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(secrets).where(eq(secrets.spaceId, spaceId));
    return row?.n ?? 0;
  },
};
