/** Database access for secrets and their sealed versions. The only file that touches those tables. */
import { and, asc, desc, eq, ilike, lte, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { storable } from '../db/errors.ts';
import { secrets, secretVersions } from '../db/schema/index.ts';
import { isSecretId } from './secret-rules.ts';

export type SecretRow = typeof secrets.$inferSelect;
export type NewSecretRow = typeof secrets.$inferInsert;
export type VersionRow = typeof secretVersions.$inferSelect;
export type NewVersionRow = typeof secretVersions.$inferInsert;

// Names compare case-insensitively (one unique index on lower(name) serves the lookup).
const byRef = (ref: string): SQL =>
  isSecretId(ref) ? eq(secrets.id, ref) : storable(ref) ? sql`lower(${secrets.name}) = lower(${ref})` : sql`false`;

export interface SecretFilter {
  typeId?: string;
  text?: string;
  expiringBefore?: Date;
  ownerId?: string;
  /** The access gate's condition: which rows the principal may list (absent: every row, for managers). */
  access?: SQL;
  /** Leave out secrets whose expiry has passed. */
  unexpired?: boolean;
}

export const secretStore = {
  async insert(db: Executor, row: NewSecretRow): Promise<SecretRow> {
    const [inserted] = await db.insert(secrets).values(row).returning();
    return inserted!;
  },

  async find(db: Executor, ref: string): Promise<SecretRow | undefined> {
    const [row] = await db.select().from(secrets).where(byRef(ref)).limit(1);
    return row;
  },

  /** Locks the secret's row until the transaction ends: concurrent writers queue here. */
  async lock(db: Executor, ref: string): Promise<SecretRow | undefined> {
    const [row] = await db.select().from(secrets).where(byRef(ref)).limit(1).for('update');
    return row;
  },

  async update(db: Executor, id: string, patch: Partial<NewSecretRow>): Promise<SecretRow> {
    const [row] = await db.update(secrets).set(patch).where(eq(secrets.id, id)).returning();
    return row!;
  },

  async delete(db: Executor, id: string): Promise<void> {
    await db.delete(secrets).where(eq(secrets.id, id));
  },

  async list(db: Executor, filter: SecretFilter, page: { limit: number; afterName?: string }): Promise<SecretRow[]> {
    const where: SQL[] = [];
    if (filter.typeId) where.push(eq(secrets.typeId, filter.typeId));
    if (filter.ownerId) where.push(eq(secrets.ownerId, filter.ownerId));
    if (filter.text)
      where.push(
        sql`(${ilike(secrets.name, `%${escapeLike(filter.text)}%`)} or
          ${ilike(secrets.description, `%${escapeLike(filter.text)}%`)})`,
      );
    if (filter.expiringBefore) where.push(lte(secrets.expiresAt, filter.expiringBefore));
    if (filter.access) where.push(filter.access);
    if (filter.unexpired) where.push(sql`(${secrets.expiresAt} is null or ${secrets.expiresAt} > now())`);
    if (page.afterName !== undefined) where.push(sql`${secrets.name} > ${page.afterName}`);
    return db
      .select()
      .from(secrets)
      .where(and(...where))
      .orderBy(asc(secrets.name))
      .limit(page.limit);
  },

  async insertVersion(db: Executor, row: NewVersionRow): Promise<void> {
    await db.insert(secretVersions).values(row);
  },

  async version(db: Executor, secretId: string, version: number): Promise<VersionRow | undefined> {
    const [row] = await db
      .select()
      .from(secretVersions)
      .where(and(eq(secretVersions.secretId, secretId), eq(secretVersions.version, version)))
      .limit(1);
    return row;
  },

  async versions(db: Executor, secretId: string) {
    return db
      .select({
        version: secretVersions.version,
        createdAt: secretVersions.createdAt,
        createdBy: secretVersions.createdBy,
        reason: secretVersions.reason,
      })
      .from(secretVersions)
      .where(eq(secretVersions.secretId, secretId))
      .orderBy(desc(secretVersions.version));
  },

  /** Deletes versions older than `oldestKept`: their ciphertext and wrapped data keys go with them. */
  async prune(db: Executor, secretId: string, oldestKept: number): Promise<void> {
    await db
      .delete(secretVersions)
      .where(and(eq(secretVersions.secretId, secretId), sql`${secretVersions.version} < ${oldestKept}`));
  },
};

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
