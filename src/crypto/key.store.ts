/** Database access for key versions, rotations and the wrapped data keys rotation moves. */
import { and, asc, count, eq, isNull, ne, sql } from 'drizzle-orm';
import { announce } from '../cluster/change-bus.ts';
import type { Executor } from '../db/client.ts';
import { keyRotations, keyVersions, secretVersions } from '../db/schema/index.ts';
import type { SealedRecordTable } from './sealed-record-table.ts';

export interface WrappedRow {
  secretId: string;
  /** '' for the secret's own value; another environment's name is bound into its seals. */
  environment: string;
  version: number;
  dataKey: Buffer;
  kekVersion: number;
}

/**
 * Secret versions whose data key the master key wraps itself: those written before spaces had
 * keys. The rest are wrapped by their space's key (space-key.store.ts), which the master key wraps.
 */
const underMaster = isNull(secretVersions.keySpaceId);

export const keyStore = {
  async versions(db: Executor) {
    return db.select().from(keyVersions).orderBy(asc(keyVersions.version));
  },

  async addVersion(db: Executor, version: number, checkValue: Buffer): Promise<void> {
    await db.insert(keyVersions).values({ version, checkValue }).onConflictDoNothing();
  },

  async unretire(db: Executor, version: number): Promise<void> {
    await db.update(keyVersions).set({ retiredAt: null }).where(eq(keyVersions.version, version));
  },

  async retire(db: Executor, version: number): Promise<void> {
    await db
      .update(keyVersions)
      .set({ retiredAt: new Date() })
      .where(and(eq(keyVersions.version, version), isNull(keyVersions.retiredAt)));
  },

  /** Data keys per key version: secret versions' and every sealed record table's (the space keys among them). */
  async usage(db: Executor, records: readonly SealedRecordTable[]): Promise<Map<number, number>> {
    const counts = await Promise.all([
      db
        .select({ kekVersion: secretVersions.kekVersion, n: count() })
        .from(secretVersions)
        .where(underMaster)
        .groupBy(secretVersions.kekVersion),
      ...records.map((table) => table.usage(db)),
    ]);
    const out = new Map<number, number>();
    for (const r of counts.flat()) out.set(r.kekVersion, (out.get(r.kekVersion) ?? 0) + Number(r.n));
    return out;
  },

  async countNotOn(db: Executor, target: number, records: readonly SealedRecordTable[]): Promise<number> {
    const counts = await Promise.all([
      db
        .select({ n: count() })
        .from(secretVersions)
        .where(and(underMaster, ne(secretVersions.kekVersion, target)))
        .then(([row]) => Number(row?.n ?? 0)),
      ...records.map((table) => table.countNotOn(db, target)),
    ]);
    return counts.reduce((sum, n) => sum + n, 0);
  },

  async openRotation(db: Executor) {
    const [row] = await db
      .select()
      .from(keyRotations)
      .where(isNull(keyRotations.finishedAt))
      .orderBy(asc(keyRotations.id))
      .limit(1);
    return row;
  },

  async startRotation(db: Executor, targetVersion: number) {
    const [row] = await db.insert(keyRotations).values({ targetVersion }).returning();
    return row!;
  },

  async finishRotation(db: Executor, id: number): Promise<void> {
    await db.update(keyRotations).set({ finishedAt: new Date() }).where(eq(keyRotations.id, id));
  },

  /** A batch of data keys not yet on `target`, locked; rows another rotator holds are skipped. */
  async lockBatch(db: Executor, target: number, size: number): Promise<WrappedRow[]> {
    return db
      .select({
        secretId: secretVersions.secretId,
        environment: secretVersions.environment,
        version: secretVersions.version,
        dataKey: secretVersions.dataKey,
        kekVersion: secretVersions.kekVersion,
      })
      .from(secretVersions)
      .where(and(underMaster, ne(secretVersions.kekVersion, target)))
      .limit(size)
      .for('update', { skipLocked: true });
  },

  /**
   * Writes a batch of re-wrapped keys in one statement. The batch travels as one JSON
   * parameter (keys in base64): a thousand rows as four thousand bound values cost more to
   * build than the update itself.
   */
  async saveBatch(db: Executor, rotationId: number, rows: readonly WrappedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const batch = JSON.stringify(
      rows.map((r) => ({
        secretId: r.secretId,
        environment: r.environment,
        version: r.version,
        dataKey: r.dataKey.toString('base64'),
        kekVersion: r.kekVersion,
      })),
    );
    await db.execute(sql`update secret_versions as v set data_key = decode(u."dataKey", 'base64'), kek_version
      = u."kekVersion"
      from jsonb_to_recordset(${batch}::jsonb)
        as u("secretId" uuid, "environment" text, "version" int, "dataKey" text, "kekVersion" int)
      where v.secret_id = u."secretId" and v.environment = u."environment" and v.version = u."version"`);
    await db
      .update(keyRotations)
      .set({ rewrapped: sql`${keyRotations.rewrapped} + ${rows.length}` })
      .where(eq(keyRotations.id, rotationId));
    // Cached sealed rows now hold stale wrapped keys: every node drops them.
    await announce(db, { scope: 'keys' });
  },
};
