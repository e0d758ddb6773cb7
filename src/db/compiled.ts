/**
 * Statements built once. drizzle turns a query builder into SQL text on every call, which
 * measured a fifth of a write's CPU (a wide select alone ~0.3 ms: every column is checked
 * and quoted again). A hot statement is built here once, with `sql.placeholder()` for its
 * values; each call only fills the values in and runs the text on the executor it is given
 * (the database, or the connection of a transaction), with drizzle's own row mapping.
 */
import { type Column, getTableColumns, type Query, type SQL, sql, type Table } from 'drizzle-orm';
import type { PgPreparedQuery, PreparedQueryConfig, SelectedFieldsOrdered } from 'drizzle-orm/pg-core';
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

/**
 * A statement named `name`, built by `build` on first use. Run it as `statement(executor,
 * values)`, where `values` names each placeholder. The executor's session makes the
 * prepared query, so in a transaction it runs on the transaction's connection.
 */
export function compiled<R>(
  name: string,
  build: (executor: Executor) => Preparable<R>,
): (executor: Executor, values: Record<string, unknown>) => Promise<R> {
  let shape: Shape | undefined;
  const shapeOf = (executor: Executor): Shape => {
    const prepared = build(executor).prepare(name) as unknown as PgPreparedQuery<PreparedQueryConfig> & PreparedParts;
    // A custom result mapper (relational queries) needs more than the fields; none of the hot statements uses one.
    if (prepared.customResultMapper)
      throw new Error(`compiled statement ${name}: relational queries are not supported`);
    return { query: prepared.getQuery(), fields: prepared.fields, joins: prepared.joinsNotNullableMap };
  };
  return (executor, values) => {
    shape ??= shapeOf(executor);
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
