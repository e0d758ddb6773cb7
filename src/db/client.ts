/**
 * The one database factory: PGlite in a data folder (the embedded default, nothing to
 * install) or PostgreSQL through the `postgres` driver when a URL is given. Everything
 * above this file uses the same drizzle API and cannot tell which one it runs on.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { defaultEmbeddedSharedBuffers } from '../config.ts';
import { openDurablePglite } from './durable-pglite.ts';
import { withInProcessNotices } from './in-process-notices.ts';
import { createDatabaseFolder, hasDatabase } from './pglite-init.ts';
import { withPreparedStatements } from './pglite-prepared.ts';

/**
 * Without drizzle's relational query API (`db.query.…`, unused here): given the schema, drizzle
 * built a query builder for every table on every transaction it opened (measured: 1.3 % of a
 * delete's CPU on PostgreSQL).
 */
export type Database = PgDatabase<PgQueryResultHKT>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either the database or a transaction on it: store functions accept both. */
export type Executor = Database | Transaction;

export type DatabaseTarget =
  | { kind: 'pglite'; dataDir: string | undefined; sharedBuffers?: string }
  | { kind: 'postgres'; url: string; maxConnections?: number };

/** Plain SQL for the few places that need the driver itself (migration locks, tests, benchmarks). */
export interface RawSql {
  query<T extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface DatabaseHandle {
  kind: DatabaseTarget['kind'];
  /** The PostgreSQL URL (for the listening connection); undefined for PGlite. */
  url: string | undefined;
  db: Database;
  raw: RawSql;
  /** The driver's client, for LISTEN/NOTIFY in the cluster layer. */
  driver: { kind: 'pglite'; client: PGlite } | { kind: 'postgres'; client: postgres.Sql };
  /** Closes the client; calling it again is a no-op (PGlite throws on a second close). */
  close(): Promise<void>;
}

function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}

/**
 * drizzle sends every query unprepared (`prepare: false` unless built with `.prepare(name)`),
 * so PostgreSQL parsed and planned each statement of every request again. Tresor's SQL is
 * parameterised and comes from a fixed set of shapes, so each connection prepares each shape
 * once (postgres.js keeps them per connection), transactions included.
 */
export function preparing(sql: postgres.Sql): postgres.Sql {
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property === 'unsafe')
        return (query: string, params?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(query, params, { ...options, prepare: true });
      if (property === 'begin')
        return (...args: unknown[]) => {
          const body = args.pop() as (tx: postgres.TransactionSql) => unknown;
          const inPreparing = (tx: postgres.TransactionSql) => body(preparing(tx as unknown as postgres.Sql) as never);
          return typeof args[0] === 'string' ? target.begin(args[0], inPreparing) : target.begin(inPreparing);
        };
      return Reflect.get(target, property, receiver);
    },
  });
}

export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  if (target.kind === 'pglite') {
    const sharedBuffers = target.sharedBuffers ?? defaultEmbeddedSharedBuffers;
    if (target.dataDir) {
      mkdirSync(target.dataDir, { recursive: true });
      // A first start unpacks the build's template (initdb and migrations done), else runs initdb in a child.
      if (!hasDatabase(target.dataDir)) await createDatabaseFolder(target.dataDir, sharedBuffers);
    }
    // On disk every acknowledged commit is synced (durable-pglite.ts); in memory there is no disk.
    const client = target.dataDir ? openDurablePglite(target.dataDir, { sharedBuffers }) : new PGlite();
    await client.waitReady;
    // The driver's own users (group commit's audit appends above all) prepare their statements too:
    // PGlite's query() parses and plans each again, in six trips through the backend (measured).
    // Its notices are delivered in memory when their transaction commits (in-process-notices.ts says why).
    const prepared = withInProcessNotices(withPreparedStatements(client));
    return {
      kind: 'pglite',
      url: undefined,
      db: drizzlePglite({ client: prepared }) as unknown as Database,
      raw: {
        query: async <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
          (await client.query<T>(text, params)).rows,
      },
      driver: { kind: 'pglite', client: prepared },
      close: once(() => client.close()),
    };
  }
  const client = postgres(target.url, {
    max: target.maxConnections ?? 10,
    onnotice: () => {},
    connection: { application_name: 'tresor' },
  });
  return {
    kind: 'postgres',
    url: target.url,
    db: drizzlePostgres({ client: preparing(client) }) as unknown as Database,
    raw: {
      query: async <T extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
        (await client.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[],
    },
    driver: { kind: 'postgres', client },
    close: once(() => client.end({ timeout: 5 })),
  };
}
