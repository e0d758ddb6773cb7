/**
 * Statements built once (src/db/compiled.ts): they run on the executor they are given (a
 * transaction's own connection), write null as SQL NULL through the column's encoding,
 * and map rows as drizzle does — on both databases.
 */
import { randomUUID } from 'node:crypto';
import { eq, getTableColumns, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../../src/db/client.ts';
import { compiled } from '../../src/db/compiled.ts';
import { migrate } from '../../src/db/migrate.ts';
import { secrets, secretVersions } from '../../src/db/schema/index.ts';
import { defaultSpaceId } from '../../src/db/schema/spaces.ts';
import { type SecretRow, secretStore } from '../../src/secrets/secret.store.ts';
import { databaseKinds, type FreshDatabase, freshDatabase } from '../support/databases.ts';

const row = (name: string, overrides: Partial<SecretRow> = {}): SecretRow => ({
  id: randomUUID(),
  name,
  spaceId: defaultSpaceId,
  visibility: 'private',
  description: 'd',
  typeId: 'api-key',
  ownerId: null,
  version: 1,
  createdAt: new Date('2026-01-02T03:04:05.678Z'),
  createdBy: null,
  updatedAt: new Date('2026-01-02T03:04:05.678Z'),
  updatedBy: null,
  expiresAt: null,
  lastUsedAt: null,
  facts: null,
  ...overrides,
});

describe.each(databaseKinds)('compiled statements on %s', (kind) => {
  let database: FreshDatabase;
  beforeAll(async () => {
    database = await freshDatabase(kind);
    await migrate(database.handle);
  });
  afterAll(() => database.drop());

  it('stores null as SQL NULL and values with their column encoding, and reads them back typed', async () => {
    const { db, raw } = database.handle;
    const withNulls = row('nulls');
    const withValues = row('values', { expiresAt: new Date('2027-05-06T07:08:09.000Z'), facts: { subject: 'CN=x' } });
    await secretStore.insert(db, withNulls);
    await secretStore.insert(db, withValues);
    const stored = await raw.query<{ name: string; facts_null: boolean; expires_null: boolean; kind: string | null }>(
      `select name, facts is null as facts_null, expires_at is null as expires_null, jsonb_typeof(facts) as kind
         from secrets order by name`,
    );
    expect(stored).toEqual([
      { name: 'nulls', facts_null: true, expires_null: true, kind: null },
      { name: 'values', facts_null: false, expires_null: false, kind: 'object' },
    ]);
    expect(await secretStore.find(db, 'VALUES')).toEqual(withValues);
    expect(await secretStore.find(db, withNulls.id)).toEqual(withNulls);
    expect(await secretStore.find(db, 'missing')).toBeUndefined();
  });

  it('runs inside the transaction it is given: its writes are seen there and rolled back with it', async () => {
    const { db } = database.handle;
    const inside = row('inside');
    let seenInside: SecretRow | undefined;
    await expect(
      db.transaction(async (tx) => {
        await secretStore.insert(tx, inside);
        seenInside = await secretStore.lock(tx, 'inside');
        const advanced = await secretStore.advance(tx, seenInside!, {
          version: 2,
          description: 'changed',
          expiresAt: null,
          facts: { a: 'b' },
          updatedAt: new Date('2026-02-03T00:00:00.000Z'),
          updatedBy: null,
        });
        expect(advanced).toMatchObject({ version: 2, description: 'changed', facts: { a: 'b' } });
        expect(await secretStore.find(tx, inside.id)).toEqual(advanced);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(seenInside?.id).toBe(inside.id);
    expect(await secretStore.find(db, 'inside')).toBeUndefined();
  });

  it('map rows exactly as drizzle does: columns, typed expressions, bytes, dates, null', async () => {
    const { db } = database.handle;
    const stored = row('mapped', { expiresAt: new Date('2028-01-01T00:00:00.000Z'), facts: { k: 'v' } });
    await secretStore.insert(db, stored);
    await db.insert(secretVersions).values({
      secretId: stored.id,
      version: 1,
      payload: Buffer.from('sealed'),
      dataKey: Buffer.from('key'),
      kekVersion: 1,
    });
    const build = (executor: Executor) =>
      executor
        .select({
          ...getTableColumns(secrets),
          versions: sql<number>`(select count(*) from secret_versions v where v.secret_id = ${secrets.id})`.mapWith(
            Number,
          ),
          payload: sql`(select v.payload from secret_versions v where v.secret_id = ${secrets.id})`.mapWith(
            secretVersions.payload,
          ),
          missing: sql<string | null>`null::text`,
        })
        .from(secrets)
        .where(eq(secrets.id, sql.placeholder('id')));
    const statement = compiled('test_mapped_like_drizzle', build);
    const direct = await statement(db, { id: stored.id });
    const byDrizzle = await build(db).execute({ id: stored.id });
    expect(direct).toEqual(byDrizzle);
    expect(direct[0]).toMatchObject({ ...stored, versions: 1, payload: Buffer.from('sealed'), missing: null });
    await db.transaction(async (tx) => expect(await statement(tx, { id: stored.id })).toEqual(byDrizzle));
  });
});
