/**
 * Statements built once. drizzle turns a query builder into SQL text on every call, which
 * measured a fifth of a write's CPU (a wide select alone ~0.3 ms: every column is checked
 * and quoted again). A hot statement is built here once, with `sql.placeholder()` for its
 * values; each call only fills the values in and runs the text on the executor it is given
 * (the database, or the connection of a transaction) straight through its driver, mapping
 * each row with the columns' own decoders, as drizzle would.
 */
import { Column, fillPlaceholders, getTableColumns, is, type Query, SQL, sql, type Table } from 'drizzle-orm';
import type { PgPreparedQuery, PreparedQueryConfig, SelectedFieldsOrdered } from 'drizzle-orm/pg-core';
import { PgliteSession } from 'drizzle-orm/pglite';
import { PostgresJsSession } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import type { Executor } from './client.ts';

/** What a drizzle query builder offers: `prepare` builds its SQL and its result mapping. */
interface Preparable<R> {
  prepare(name: string): { execute(values?: Record<string, unknown>): Promise<R> };
}

/** The parts of a prepared query its constructor was given (set by every pg driver of drizzle). */
interface PreparedParts {
  fields?: SelectedFieldsOrdered;
  joinsNotNullableMap?: Record<string, boolean>;
  customResultMapper?: (rows: unknown[][]) => unknown;
}

interface Shape {
  query: Query;
  fields: SelectedFieldsOrdered | undefined;
  joins: Record<string, boolean> | undefined;
}

/** How one driver runs a statement's text: rows as arrays (for the statement's fields) or as the driver answers. */
type Run = (text: string, params: unknown[], arrays: boolean) => Promise<unknown>;

// drizzle reads dates, times and intervals from their text itself (column.mapFromDriverValue), so PGlite
// must not parse them: timestamp, timestamptz, interval, date and their arrays, as drizzle's own driver says.
const asText = (value: string) => value;
const passThrough = Object.fromEntries([1114, 1184, 1186, 1082, 1231, 1115, 1185, 1187, 1182].map((t) => [t, asText]));
const pgliteArrays = { rowMode: 'array', parsers: passThrough } as const;
const pgliteObjects = { rowMode: 'object', parsers: passThrough } as const;

/**
 * The executor's driver client, run directly: what drizzle's prepared query does for these
 * statements (fill the values in, run the text, map the rows), without building a prepared
 * query object, its parser tables and its tracing spans again on every call (~30 µs a
 * statement on the embedded database, measured). Undefined for a driver this does not know.
 */
function directRun(executor: Executor): Run | undefined {
  const session = executor._.session;
  const client = (session as unknown as { client: unknown }).client;
  const driver = driverOf(session);
  if (driver === 'pglite') {
    const pglite = client as { query(text: string, params: unknown[], options: object): Promise<{ rows: unknown[] }> };
    return async (text, params, arrays) => {
      const result = await pglite.query(text, params, arrays ? pgliteArrays : pgliteObjects);
      return arrays ? result.rows : result;
    };
  }
  if (driver === 'postgres') {
    const sql = client as postgres.Sql;
    return async (text, params, arrays) => {
      const query = sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
      return arrays ? query.values() : query;
    };
  }
  return undefined;
}

/**
 * A statement given as fixed text with positional parameters (`$1`…), run on the executor's
 * connection as the driver answers it: for a hot statement that drizzle would build anew each time.
 */
export async function runText(executor: Executor, text: string, params: unknown[]): Promise<void> {
  const run = directRun(executor);
  if (!run) throw new Error(`runText: no direct path for this driver (${text.slice(0, 40)}…)`);
  await run(text, params, false);
}

/** Which driver a session belongs to, asked once per session class (every transaction has a session of its own). */
const drivers = new WeakMap<object, 'pglite' | 'postgres' | 'other'>();
function driverOf(session: object): 'pglite' | 'postgres' | 'other' {
  const key = session.constructor;
  let driver = drivers.get(key);
  if (!driver) {
    driver = is(session, PgliteSession) ? 'pglite' : is(session, PostgresJsSession) ? 'postgres' : 'other';
    drivers.set(key, driver);
  }
  return driver;
}

interface Decoder {
  mapFromDriverValue(value: unknown): unknown;
}

/** A row as an object, from an array in the order of `fields` (flat fields only: see `flat`). */
function rowMapper(fields: SelectedFieldsOrdered): (row: unknown[]) => Record<string, unknown> {
  const columns = fields.map(({ path, field }) => ({
    key: path[0]!,
    decoder: (is(field, Column) ? field : (field as unknown as { decoder: unknown }).decoder) as Decoder,
  }));
  return (row) => {
    const result: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const value = row[i];
      result[columns[i]!.key] = value === null ? null : columns[i]!.decoder.mapFromDriverValue(value);
    }
    return result;
  };
}

/** Fields the direct path maps itself: one level (no joined tables), columns and SQL expressions. */
const flat = (fields: SelectedFieldsOrdered) =>
  fields.every(({ path, field }) => path.length === 1 && (is(field, Column) || is(field, SQL)));

/**
 * A statement named `name`, built by `build` on first use. Run it as `statement(executor,
 * values)`, where `values` names each placeholder. It runs on the executor's connection, so
 * in a transaction on the transaction's.
 */
export function compiled<R>(
  name: string,
  build: (executor: Executor) => Preparable<R>,
): (executor: Executor, values: Record<string, unknown>) => Promise<R> {
  let shape: Shape | undefined;
  let mapRow: ((row: unknown[]) => Record<string, unknown>) | undefined;
  const shapeOf = (executor: Executor): Shape => {
    const prepared = build(executor).prepare(name) as unknown as PgPreparedQuery<PreparedQueryConfig> & PreparedParts;
    // A custom result mapper (relational queries) needs more than the fields; none of the hot statements uses one.
    if (prepared.customResultMapper)
      throw new Error(`compiled statement ${name}: relational queries are not supported`);
    const fields = prepared.fields;
    if (fields && flat(fields)) mapRow = rowMapper(fields);
    return { query: prepared.getQuery(), fields, joins: prepared.joinsNotNullableMap };
  };
  return async (executor, values) => {
    shape ??= shapeOf(executor);
    const run = directRun(executor);
    if (run && (!shape.fields || mapRow)) {
      const params = fillPlaceholders(shape.query.params, values);
      if (!mapRow) return (await run(shape.query.sql, params, false)) as R;
      return ((await run(shape.query.sql, params, true)) as unknown[][]).map(mapRow) as R;
    }
    const prepared = executor._.session.prepareQuery(shape.query, shape.fields, name, true) as PgPreparedQuery<
      PreparedQueryConfig & { execute: R }
    > &
      PreparedParts;
    prepared.joinsNotNullableMap = shape.joins;
    return prepared.execute(values);
  };
}

/**
 * The placeholder `name` for a value written to `column`, with the column's own encoding
 * (dates, JSON, bytes). drizzle's encoders expect a value: a placeholder reaches them even
 * when null, which would store JSON `null` or throw for a date, so null passes through here.
 */
export function slot(name: string, column: Column): SQL {
  const encoder = { mapToDriverValue: (value: unknown) => (value === null ? null : column.mapToDriverValue(value)) };
  return sql`${sql.param(sql.placeholder(name), encoder)}`;
}

/** A `slot` for each column in `keys`, named as the column's key: the values of an insert or an update. */
export function slots<T extends Table, K extends keyof T['_']['columns'] & string>(
  table: T,
  keys: readonly K[],
): Record<K, SQL> {
  const columns = getTableColumns(table) as Record<string, Column>;
  return Object.fromEntries(keys.map((key) => [key, slot(key, columns[key]!)])) as Record<K, SQL>;
}
