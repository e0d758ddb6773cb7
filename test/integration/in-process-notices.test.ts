/**
 * Change notices on both databases (src/db/in-process-notices.ts for PGlite, NOTIFY on
 * PostgreSQL): a change announced in a transaction is heard when it commits, not before and
 * not at all when it rolls back; one announced outside a transaction is heard at once; every
 * Tresor on the database hears it.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { announce, type Change, createChangeBus } from '../../src/cluster/change-bus.ts';
import { migrate } from '../../src/db/migrate.ts';
import { databaseKinds, type FreshDatabase, freshDatabase } from '../support/databases.ts';

describe.each(databaseKinds)('change notices on %s', (kind) => {
  let database: FreshDatabase;
  const heard: [string, Change][] = [];
  const buses: ReturnType<typeof createChangeBus>[] = [];
  beforeAll(async () => {
    database = await freshDatabase(kind);
    await migrate(database.handle);
    for (const name of ['one', 'two']) {
      const bus = createChangeBus(database.handle, { name: `notices-${name}` });
      bus.onChange((change) => heard.push([name, change]));
      await bus.start();
      buses.push(bus);
    }
    heard.length = 0;
  });
  afterAll(async () => {
    for (const bus of buses) await bus.stop();
    await database.drop();
  });

  // PostgreSQL delivers through the listening connection; generous for a busy machine.
  const heardWithin = { timeout: 15_000, interval: 5 };
  const secretsHeard = (id: string) => heard.filter(([, c]) => c.scope === 'secret' && c.id === id);

  it('are heard by every listener once the transaction commits, and not before', async () => {
    const { db } = database.handle;
    let inside = -1;
    await db.transaction(async (tx) => {
      await announce(tx, { scope: 'secret', id: 'committed' });
      await tx.execute(sql`select 1`);
      inside = secretsHeard('committed').length;
    });
    expect(inside).toBe(0);
    await vi.waitFor(
      () =>
        expect(
          secretsHeard('committed')
            .map(([name]) => name)
            .sort(),
        ).toEqual(['one', 'two']),
      heardWithin,
    );
  });

  it('are never heard when the transaction rolls back', async () => {
    const { db } = database.handle;
    await expect(
      db.transaction(async (tx) => {
        await announce(tx, { scope: 'secret', id: 'rolled-back' });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    // A later notice is heard: had the first one been delivered, it would be heard before it.
    await announce(db, { scope: 'secret', id: 'after' });
    await vi.waitFor(() => expect(secretsHeard('after')).toHaveLength(2), heardWithin);
    expect(secretsHeard('rolled-back')).toEqual([]);
  });

  it('are heard at once when sent outside a transaction', async () => {
    await announce(database.handle.db, { scope: 'keys' });
    await vi.waitFor(() => expect(heard.filter(([, c]) => c.scope === 'keys')).toHaveLength(2), heardWithin);
  });
});
