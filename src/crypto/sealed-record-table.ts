/**
 * Where a room keeps sealed records (sealed-record.ts): the table and the columns of the
 * record's id, generation, wrapped data key and key version. A room that seals records
 * declares its table once (webhook signing secrets, OAuth2 connections) and hands it to the
 * key service, which counts and re-wraps their data keys with rotation without knowing what
 * the records are.
 */
import { and, count, eq, getTableColumns, ne } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.ts';

/** A sealed record's wrapped key, locked for re-wrapping. */
export interface RecordKey {
  id: string;
  generation: number;
  dataKey: Buffer;
  kekVersion: number;
}

/** What rotation needs of a table of sealed records. */
export interface SealedRecordTable {
  /** Data keys per key version. */
  usage(db: Executor): Promise<{ kekVersion: number; n: number }[]>;
  /** Records not yet on key version `target`. */
  countNotOn(db: Executor, target: number): Promise<number>;
  /** The records not yet on `target`, locked (a table holds a handful: rotation moves them in one go). */
  lockNotOn(db: Executor, target: number): Promise<RecordKey[]>;
  /** Saves re-wrapped keys; a record whose generation changed meanwhile keeps its own. */
  save(db: Executor, rows: readonly RecordKey[]): Promise<void>;
}

export function sealedRecordTable(
  table: PgTable,
  columns: { id: PgColumn; generation: PgColumn; dataKey: PgColumn; kekVersion: PgColumn },
): SealedRecordTable {
  const { id, generation, dataKey, kekVersion } = columns;
  // An update names columns by their property in the table's schema, not by their SQL name.
  const propertyOf = (column: PgColumn) => {
    const found = Object.entries(getTableColumns(table)).find(([, c]) => c === column);
    if (!found) throw new Error(`Column ${column.name} is not a column of the sealed records' table`);
    return found[0];
  };
  const [dataKeyProperty, kekVersionProperty] = [propertyOf(dataKey), propertyOf(kekVersion)];
  return {
    async usage(db) {
      const rows = await db.select({ kekVersion, n: count() }).from(table).groupBy(kekVersion);
      return rows.map((r) => ({ kekVersion: r.kekVersion as number, n: Number(r.n) }));
    },
    async countNotOn(db, target) {
      const [row] = await db.select({ n: count() }).from(table).where(ne(kekVersion, target));
      return Number(row?.n ?? 0);
    },
    async lockNotOn(db, target) {
      const rows = await db
        .select({ id, generation, dataKey, kekVersion })
        .from(table)
        .where(ne(kekVersion, target))
        // Not a key lock: writers that name a space key (a foreign key) keep writing meanwhile.
        .for('no key update');
      return rows as RecordKey[];
    },
    async save(db, rows) {
      for (const r of rows)
        await db
          .update(table)
          .set({ [dataKeyProperty]: r.dataKey, [kekVersionProperty]: r.kekVersion })
          .where(and(eq(id, r.id), eq(generation, r.generation)));
    },
  };
}
