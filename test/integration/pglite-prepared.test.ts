/**
 * PGlite with prepared statements (src/db/pglite-prepared.ts): a statement is parsed once and
 * bound after; values and rows keep their types; a statement outside a transaction never
 * runs inside another caller's open transaction; a failed statement leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import { type PGlite, types } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { defaultSpaceId } from '../../src/db/schema/spaces.ts';
import { secretStore } from '../../src/secrets/secret.store.ts';
import { type FreshDatabase, freshDatabase } from '../support/databases.ts';

/** PGlite's result (`db.execute` is typed for both drivers, so its rows are unknown here). */
const rowsOf = (result: unknown) => (result as { rows: Record<string, unknown>[] }).rows;

describe('PGlite runs drizzle statements prepared', () => {
  let database: FreshDatabase;
  beforeAll(async () => {
    database = await freshDatabase('pglite');
    await migrate(database.handle);
  });
  afterAll(() => database.drop());

  const preparedCount = async (fragment: string) =>
    (
      await database.handle.raw.query<{ count: number }>(
        'select count(*)::int as count from pg_prepared_statements where statement like $1',
        [`%${fragment}%`],
      )
    )[0]!.count;

  it('parses a statement once and binds it on every later call', async () => {
    const { db } = database.handle;
    for (let round = 0; round < 3; round++)
      await db.execute(sql`select ${round}::int + 1 as marker_prepared_once, ${'x'}::text as t`);
    expect(await preparedCount('marker_prepared_once')).toBe(1);
  });

  it('keeps types both ways: null, dates, JSON and booleans', async () => {
    const { db } = database.handle;
    const at = new Date('2026-03-04T05:06:07.089Z');
    for (const facts of [null, { subject: 'CN=prepared' }]) {
      const id = randomUUID();
      await secretStore.insert(db, {
        id,
        name: `typed-${facts ? 'facts' : 'null'}`,
        spaceId: defaultSpaceId,
        visibility: 'private',
        description: '',
        typeId: 'api-key',
        ownerId: null,
        version: 1,
        createdAt: at,
        createdBy: null,
        updatedAt: at,
        updatedBy: null,
        expiresAt: facts ? at : null,
        lastUsedAt: null,
        facts,
      });
      const found = await secretStore.find(db, id);
      expect(found?.facts).toEqual(facts);
      expect(found?.expiresAt).toEqual(facts ? at : null);
      expect(found?.createdAt).toEqual(at);
    }
    const [flags] = rowsOf(await db.execute(sql`select ${true}::boolean as yes, ${null}::text as none`));
    expect(flags).toEqual({ yes: true, none: null });
  });

  it('reads results with the query’s own parsers first and the client’s for every other type', async () => {
    const client = database.handle.driver.client as PGlite;
    const text = 'select $1::timestamptz as at, $2::int as n, $3::boolean as yes';
    const own = { parsers: { [types.TIMESTAMPTZ]: (value: string) => `own:${value.slice(0, 4)}` } };
    for (let round = 0; round < 2; round++) {
      const { rows } = await client.query(text, [new Date('2026-01-02T03:04:05Z'), 7, true], own);
      expect(rows).toEqual([{ at: 'own:2026', n: 7, yes: true }]);
    }
    // The client's parsers are left as they were: the next query without its own reads a Date.
    const { rows } = await client.query<{ at: unknown }>(text, [new Date('2026-01-02T03:04:05Z'), 7, true]);
    expect(rows[0]!.at).toBeInstanceOf(Date);
  });

  it('never runs a statement inside another caller’s open transaction', async () => {
    const { db } = database.handle;
    await db.execute(sql`create table if not exists prepared_isolation (n int)`);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written!: () => void;
    const inserted = new Promise<void>((resolve) => {
      written = resolve;
    });
    const transaction = db
      .transaction(async (tx) => {
        await tx.execute(sql`insert into prepared_isolation values (${1})`);
        written();
        await held;
        throw new Error('roll back');
      })
      .catch(() => 'rolled back');
    await inserted;
    // Queued behind the transaction: had it run inside it, it would count the uncommitted row.
    // (drizzle's queries are lazy: `then` starts one; the pause lets a wrong lock run it in the transaction)
    const outside = Promise.resolve(db.execute(sql`select count(*)::int as n from prepared_isolation`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    expect(await transaction).toBe('rolled back');
    expect(rowsOf(await outside)).toEqual([{ n: 0 }]);
  });

  it('reports a failing statement and leaves the connection usable and the statement unprepared', async () => {
    const { db } = database.handle;
    await expect(db.execute(sql`select marker_fails from nowhere_at_all`)).rejects.toThrow();
    expect(await preparedCount('marker_fails')).toBe(0);
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(sql`select 1/${0}::int as marker_division`);
      }),
    ).rejects.toThrow();
    expect(rowsOf(await db.execute(sql`select ${1}::int as ok`))).toEqual([{ ok: 1 }]);
  });
});
