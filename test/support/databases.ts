/**
 * Fresh databases for integration suites: PGlite always (in memory, or in a folder), and
 * PostgreSQL when TEST_DATABASE_URL is set, each suite on a database of its own that is
 * dropped afterwards, so suites never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { parseConfig, type TresorConfig } from '../../src/config.ts';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor, type TresorOverrides } from '../../src/tresor.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export const postgresUrl = process.env.TEST_DATABASE_URL || undefined;

/** The kinds every contract suite runs on. */
export const databaseKinds: DatabaseKind[] = postgresUrl ? ['pglite', 'postgres'] : ['pglite'];

export interface FreshDatabase {
  kind: DatabaseKind;
  /** For PostgreSQL: the URL of this suite's own database (child processes connect to it). */
  url: string | undefined;
  handle: DatabaseHandle;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates an empty PostgreSQL database and returns its URL and a function that drops it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `tresor_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return {
    url: withDatabase(postgresUrl, name),
    async drop() {
      const a = postgres(postgresUrl!, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export async function freshDatabase(kind: DatabaseKind): Promise<FreshDatabase> {
  if (kind === 'pglite') {
    const handle = await openDatabase({ kind: 'pglite', dataDir: undefined });
    return { kind, url: undefined, handle, drop: () => handle.close() };
  }
  const created = await createPostgresDatabase();
  const handle = await openDatabase({ kind: 'postgres', url: created.url, maxConnections: 20 });
  return {
    kind,
    url: created.url,
    handle,
    async drop() {
      await handle.close();
      await created.drop();
    },
  };
}

export const testMasterKey = () => randomBytes(32).toString('base64');

export function testConfig(env: Record<string, string> = {}): TresorConfig {
  return parseConfig({
    TRESOR_MASTER_KEY: testMasterKey(),
    TRESOR_LOG_LEVEL: 'silent',
    TRESOR_PASSWORD_MIN_SCORE: '0',
    TRESOR_DATA_DIR: '/nonexistent-test-data-dir',
    // Tresor's own tests talk to servers on loopback (SMTP, Jira), which a real deployment refuses by default.
    TRESOR_EGRESS_ALLOW: '127.0.0.1,::1',
    ...env,
  });
}

export interface TestTresor {
  tresor: Tresor;
  database: FreshDatabase;
  /** An administrator (every permission, member of `system`), created on the fresh database. */
  admin: Principal;
  close(): Promise<void>;
}

let adminCounter = 0;

/** Creates an administrator and returns it as a principal. */
export async function createAdmin(
  tresor: Tresor,
  email = `admin${++adminCounter}-${randomBytes(3).toString('hex')}@example.test`,
): Promise<Principal> {
  const user = await tresor.bootstrap.createAdministrator({ email, password: 'correct horse battery staple' });
  return { kind: 'user', id: user.id };
}

/** A Tresor on a fresh database of the given kind. */
export async function testTresor(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestTresor> {
  const database = await freshDatabase(kind);
  const tresor = await createTresor(testConfig(env), { database: database.handle, logger: createLogger('silent') });
  return {
    tresor,
    database,
    admin: await createAdmin(tresor),
    async close() {
      await tresor.close();
      await database.drop();
    },
  };
}

export interface TwoNodes {
  nodes: [Tresor, Tresor];
  /** An administrator, created through the first node. */
  admin: Principal;
  close(): Promise<void>;
}

/** Two Tresors on one fresh PostgreSQL database, as two servers of a deployment (TEST_DATABASE_URL must be set). */
export async function twoNodes(
  env: Record<string, string> = {},
  overrides: Omit<TresorOverrides, 'database' | 'logger'> = {},
): Promise<TwoNodes> {
  const database = await createPostgresDatabase();
  const config = testConfig({ DATABASE_URL: database.url, ...env });
  const logger = createLogger('silent');
  const nodes: [Tresor, Tresor] = [
    await createTresor(config, { logger, ...overrides }),
    await createTresor(config, { logger, ...overrides }),
  ];
  return {
    nodes,
    admin: await createAdmin(nodes[0]),
    async close() {
      for (const node of nodes) await node.close();
      await database.drop();
    },
  };
}
