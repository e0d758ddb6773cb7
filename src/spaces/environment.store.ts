/** Database access for the environments spaces declare. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { secretReferences, secrets, secretVersions, spaceEnvironments } from '../db/schema/index.ts';

export interface EnvironmentRow {
  name: string;
  position: number;
  createdAt: Date;
}

const inSpace = (secretId: typeof secretVersions.secretId | typeof secretReferences.secretId, spaceId: string) =>
  sql`${secretId} in (select s.id from ${secrets} s where s.space_id = ${spaceId})`;

export const environmentStore = {
  /** The space's environments in the order it declared them (the first is its default). */
  async list(db: Executor, spaceId: string): Promise<EnvironmentRow[]> {
    return db
      .select({
        name: spaceEnvironments.name,
        position: spaceEnvironments.position,
        createdAt: spaceEnvironments.createdAt,
      })
      .from(spaceEnvironments)
      .where(eq(spaceEnvironments.spaceId, spaceId))
      .orderBy(asc(spaceEnvironments.position));
  },

  /** Declares one after the others; its position (0: the space's first, its default). */
  async append(db: Executor, spaceId: string, name: string): Promise<number> {
    const [row] = await db
      .insert(spaceEnvironments)
      .values({
        spaceId,
        name,
        position: sql`(select coalesce(max(e.position) + 1, 0) from space_environments e
          where e.space_id = ${spaceId})`,
      })
      .returning({ position: spaceEnvironments.position });
    return row!.position;
  },

  async remove(db: Executor, spaceId: string, name: string): Promise<boolean> {
    const gone = await db
      .delete(spaceEnvironments)
      .where(and(eq(spaceEnvironments.spaceId, spaceId), eq(spaceEnvironments.name, name)))
      .returning({ name: spaceEnvironments.name });
    return gone.length > 0;
  },

  /** How many of the space's secrets hold a value in the environment. */
  async secretsWithValues(db: Executor, spaceId: string, name: string): Promise<number> {
    const [row] = await db
      .select({ n: sql<number>`count(distinct ${secretVersions.secretId})`.mapWith(Number) })
      .from(secretVersions)
      .where(and(eq(secretVersions.environment, name), inSpace(secretVersions.secretId, spaceId)));
    return row?.n ?? 0;
  },

  /** Destroys every value (each version) the space's secrets hold in the environment, and their references. */
  async destroyValues(db: Executor, spaceId: string, name: string): Promise<number> {
    await db
      .delete(secretReferences)
      .where(and(eq(secretReferences.environment, name), inSpace(secretReferences.secretId, spaceId)));
    const gone = await db
      .delete(secretVersions)
      .where(and(eq(secretVersions.environment, name), inSpace(secretVersions.secretId, spaceId)))
      .returning({ version: secretVersions.version });
    return gone.length;
  },
};
