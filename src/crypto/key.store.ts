/** Database access for key versions, rotations and the wrapped data keys rotation moves. */
import { and, asc, count, eq, isNull, ne, sql } from 'drizzle-orm';
import { announce } from '../cluster/change-bus.ts';
import type { Executor } from '../db/client.ts';
import { keyRotations, keyVersions, oauth2Connections, secretVersions, webhookEndpoints } from '../db/schema/index.ts';

export interface WrappedRow {
  secretId: string;
  version: number;
  dataKey: Buffer;
  kekVersion: number;
}

/** A sealed record's wrapped key (sealed-record.ts), with the table it lives in. */
export interface RecordKey {
  table: 'webhook' | 'oauth2';
  id: string;
  generation: number;
  dataKey: Buffer;
  kekVersion: number;
}

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

  /** Data keys per key version: secret versions', webhook signing secrets' and OAuth2 connections'. */
  async usage(db: Executor): Promise<Map<number, number>> {
    const counts = await Promise.all([
      db
        .select({ kekVersion: secretVersions.kekVersion, n: count() })
        .from(secretVersions)
        .groupBy(secretVersions.kekVersion),
      db
        .select({ kekVersion: webhookEndpoints.kekVersion, n: count() })
        .from(webhookEndpoints)
        .groupBy(webhookEndpoints.kekVersion),
      db
        .select({ kekVersion: oauth2Connections.kekVersion, n: count() })
        .from(oauth2Connections)
        .groupBy(oauth2Connections.kekVersion),
    ]);
    const out = new Map<number, number>();
    for (const r of counts.flat()) out.set(r.kekVersion, (out.get(r.kekVersion) ?? 0) + Number(r.n));
    return out;
  },

  async countNotOn(db: Executor, target: number): Promise<number> {
    const counts = await Promise.all([
      db.select({ n: count() }).from(secretVersions).where(ne(secretVersions.kekVersion, target)),
      db.select({ n: count() }).from(webhookEndpoints).where(ne(webhookEndpoints.kekVersion, target)),
      db.select({ n: count() }).from(oauth2Connections).where(ne(oauth2Connections.kekVersion, target)),
    ]);
    return counts.reduce((sum, [row]) => sum + Number(row?.n ?? 0), 0);
  },

  /**
   * Tresor's own sealed records not yet on `target` (webhook signing secrets, OAuth2 connections),
   * locked. An instance has few of them, so rotation moves them in one transaction after the versions.
   */
  async lockRecordKeys(db: Executor, target: number): Promise<RecordKey[]> {
    const [endpoints, connections] = await Promise.all([
      db
        .select({
          id: webhookEndpoints.id,
          generation: webhookEndpoints.secretGeneration,
          dataKey: webhookEndpoints.dataKey,
          kekVersion: webhookEndpoints.kekVersion,
        })
        .from(webhookEndpoints)
        .where(ne(webhookEndpoints.kekVersion, target))
        .for('update'),
      db
        .select({
          id: oauth2Connections.secretId,
          generation: oauth2Connections.generation,
          dataKey: oauth2Connections.dataKey,
          kekVersion: oauth2Connections.kekVersion,
        })
        .from(oauth2Connections)
        .where(ne(oauth2Connections.kekVersion, target))
        .for('update'),
    ]);
    return [
      ...endpoints.map((r) => ({ ...r, table: 'webhook' as const })),
      ...connections.map((r) => ({ ...r, table: 'oauth2' as const })),
    ];
  },

  async saveRecordKeys(db: Executor, rows: readonly RecordKey[]): Promise<void> {
    for (const r of rows) {
      if (r.table === 'webhook')
        await db
          .update(webhookEndpoints)
          .set({ dataKey: r.dataKey, kekVersion: r.kekVersion })
          .where(and(eq(webhookEndpoints.id, r.id), eq(webhookEndpoints.secretGeneration, r.generation)));
      else
        await db
          .update(oauth2Connections)
          .set({ dataKey: r.dataKey, kekVersion: r.kekVersion })
          .where(and(eq(oauth2Connections.secretId, r.id), eq(oauth2Connections.generation, r.generation)));
    }
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
        version: secretVersions.version,
        dataKey: secretVersions.dataKey,
        kekVersion: secretVersions.kekVersion,
      })
      .from(secretVersions)
      .where(ne(secretVersions.kekVersion, target))
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
        version: r.version,
        dataKey: r.dataKey.toString('base64'),
        kekVersion: r.kekVersion,
      })),
    );
    await db.execute(sql`update secret_versions as v set data_key = decode(u."dataKey", 'base64'), kek_version
      = u."kekVersion"
      from jsonb_to_recordset(${batch}::jsonb) as u("secretId" uuid, "version" int, "dataKey" text, "kekVersion" int)
      where v.secret_id = u."secretId" and v.version = u."version"`);
    await db
      .update(keyRotations)
      .set({ rewrapped: sql`${keyRotations.rewrapped} + ${rows.length}` })
      .where(eq(keyRotations.id, rotationId));
    // Cached sealed rows now hold stale wrapped keys: every node drops them.
    await announce(db, { scope: 'keys' });
  },
};
