/**
 * Database access for the spaces' own key-encryption keys (wrapped by the master key) and the
 * data keys of a space's secret versions, which a space's rotation moves from one of its key
 * versions to the next — and, once, from the master key onto the space's key (versions written
 * before spaces had keys).
 */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { secrets, secretVersions, spaceKeys, spaces } from '../db/schema/index.ts';
import { sealedRecordTable } from './sealed-record-table.ts';

/** A data key of one of a space's secret versions, locked for re-wrapping. */
export interface SpaceDataKey {
  secretId: string;
  /** '' for the secret's own value; another environment's name is bound into its seals. */
  environment: string;
  version: number;
  dataKey: Buffer;
  kekVersion: number;
  /** Null: wrapped by the master key (written before the space had a key). */
  keySpaceId: string | null;
}

/** The space keys as sealed records of the master key: its rotation re-wraps them like Tresor's other records. */
export const spaceKeyRecords = sealedRecordTable(spaceKeys, {
  id: spaceKeys.spaceId,
  generation: spaceKeys.version,
  dataKey: spaceKeys.wrappedKey,
  kekVersion: spaceKeys.kekVersion,
});

/** A space's data keys not yet on its key version `target`: its own older versions, and the master key's. */
const behind = (spaceId: string, target: number) =>
  sql`${secretVersions.secretId} in (select s.id from ${secrets} s where s.space_id = ${spaceId})
    and (${secretVersions.keySpaceId} is null or ${secretVersions.kekVersion} <> ${target})`;

export const spaceKeyStore = {
  async versions(db: Executor, spaceId: string) {
    return db.select().from(spaceKeys).where(eq(spaceKeys.spaceId, spaceId)).orderBy(asc(spaceKeys.version));
  },

  /** Adds a version; false when another node added the same one first. */
  async add(db: Executor, row: { spaceId: string; version: number; wrappedKey: Buffer; kekVersion: number }) {
    const added = await db
      .insert(spaceKeys)
      .values(row)
      .onConflictDoNothing()
      .returning({ version: spaceKeys.version });
    return added.length > 0;
  },

  /** The space's data keys per space key version (version 0: still under the master key). */
  async usage(db: Executor, spaceId: string): Promise<Map<number, number>> {
    const rows = await db
      .select({
        kekVersion: sql<number>`case when ${secretVersions.keySpaceId} is null then 0
          else ${secretVersions.kekVersion} end`.mapWith(Number),
        n: count(),
      })
      .from(secretVersions)
      .where(sql`${secretVersions.secretId} in (select s.id from ${secrets} s where s.space_id = ${spaceId})`)
      .groupBy(sql`1`);
    return new Map(rows.map((r) => [r.kekVersion, Number(r.n)]));
  },

  /** The space's data keys under an older version of its own key: an interrupted rotation left them. */
  async countOnOlder(db: Executor, spaceId: string, target: number): Promise<number> {
    const [row] = await db
      .select({ n: count() })
      .from(secretVersions)
      .where(and(eq(secretVersions.keySpaceId, spaceId), sql`${secretVersions.kekVersion} <> ${target}`));
    return Number(row?.n ?? 0);
  },

  /** A batch of the space's data keys not yet on `target`, locked; rows another rotator holds are skipped. */
  async lockBehind(db: Executor, spaceId: string, target: number, size: number): Promise<SpaceDataKey[]> {
    return db
      .select({
        secretId: secretVersions.secretId,
        environment: secretVersions.environment,
        version: secretVersions.version,
        dataKey: secretVersions.dataKey,
        kekVersion: secretVersions.kekVersion,
        keySpaceId: secretVersions.keySpaceId,
      })
      .from(secretVersions)
      .where(behind(spaceId, target))
      .limit(size)
      .for('update', { skipLocked: true });
  },

  /** Writes a batch of re-wrapped keys in one statement (one JSON parameter, as the master rotation does). */
  async saveBatch(db: Executor, spaceId: string, target: number, rows: readonly SpaceDataKey[]): Promise<void> {
    if (rows.length === 0) return;
    const batch = JSON.stringify(
      rows.map((r) => ({
        secretId: r.secretId,
        environment: r.environment,
        version: r.version,
        dataKey: r.dataKey.toString('base64'),
      })),
    );
    await db.execute(sql`update secret_versions as v set data_key = decode(u."dataKey", 'base64'),
        kek_version = ${target}, key_space_id = ${spaceId}
      from jsonb_to_recordset(${batch}::jsonb) as u("secretId" uuid, "environment" text, "version" int, "dataKey" text)
      where v.secret_id = u."secretId" and v.environment = u."environment" and v.version = u."version"`);
  },

  /**
   * Deletes the space's key versions before `target` that no data key uses any more. A node that
   * still wraps with one holds its row (the foreign key): the delete then waits for it, and skips it.
   */
  async retireUnused(db: Executor, spaceId: string, target: number): Promise<number> {
    const gone = await db
      .delete(spaceKeys)
      .where(
        and(
          eq(spaceKeys.spaceId, spaceId),
          sql`${spaceKeys.version} < ${target}`,
          sql`not exists (select 1 from ${secretVersions} v
            where v.key_space_id = ${spaceId} and v.kek_version = ${spaceKeys.version})`,
        ),
      )
      .returning({ version: spaceKeys.version });
    return gone.length;
  },

  /** The spaces that have no key yet. */
  async keyless(db: Executor): Promise<string[]> {
    const rows = await db
      .select({ id: spaces.id })
      .from(spaces)
      .where(sql`not exists (select 1 from ${spaceKeys} k where k.space_id = ${spaces.id})`);
    return rows.map((r) => r.id);
  },

  async count(db: Executor, spaceId: string): Promise<number> {
    const [row] = await db.select({ n: count() }).from(spaceKeys).where(eq(spaceKeys.spaceId, spaceId));
    return Number(row?.n ?? 0);
  },
};
