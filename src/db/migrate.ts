/**
 * Applies the committed drizzle migrations at start. On PostgreSQL an advisory lock makes
 * nodes that start together take turns, so each migration runs once.
 */
import { join } from 'node:path';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { packageRoot } from '../package-root.ts';
import type { DatabaseHandle } from './client.ts';

export const migrationsFolder = join(packageRoot, 'drizzle');

const lockId = 0x7265736f; // "reso", a constant unique to Tresor

export async function migrate(handle: DatabaseHandle, folder = migrationsFolder): Promise<void> {
  const config = { migrationsFolder: folder };
  // `as never`: `db` is typed as the driver-neutral supertype; each migrator wants its own
  // driver's database type, which this handle is (driver.kind says which).
  if (handle.driver.kind === 'pglite') {
    await migratePglite(handle.db as never, config);
    return;
  }
  const connection = await handle.driver.client.reserve();
  try {
    await connection`select pg_advisory_lock(${lockId})`;
    await migratePostgres(handle.db as never, config);
  } finally {
    await connection`select pg_advisory_unlock(${lockId})`.catch(() => {});
    connection.release();
  }
}
