/** Databases and nodes for benchmarks: PostgreSQL (TEST_DATABASE_URL) when set, PGlite always. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Password } from '../../credential-types/password.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor, type Tresor } from '../../src/tresor.ts';
import {
  createAdmin,
  createPostgresDatabase,
  type DatabaseKind,
  postgresUrl,
  testConfig,
} from '../support/databases.ts';

export { Password };

export interface BenchNode {
  kind: DatabaseKind;
  tresor: Tresor;
  admin: Principal;
  url: string | undefined;
  masterKey: string;
  close(): Promise<void>;
}

export const benchKinds: DatabaseKind[] = postgresUrl ? ['postgres', 'pglite'] : ['pglite'];

export async function benchNode(kind: DatabaseKind, env: Record<string, string> = {}): Promise<BenchNode> {
  const masterKey = randomBytes(32).toString('base64');
  if (kind === 'postgres') {
    const db = await createPostgresDatabase();
    const tresor = await createTresor(
      // The default pool (10), as npm start runs it.
      testConfig({ DATABASE_URL: db.url, TRESOR_MASTER_KEY: masterKey, ...env }),
      { logger: createLogger('silent') },
    );
    return {
      kind,
      tresor,
      admin: await createAdmin(tresor),
      url: db.url,
      masterKey,
      close: async () => {
        await tresor.close();
        await db.drop();
      },
    };
  }
  // The embedded default as npm start runs it: on disk, every commit synced.
  const folder = mkdtempSync(join(tmpdir(), 'tresor-bench-'));
  const tresor = await createTresor(testConfig({ TRESOR_MASTER_KEY: masterKey, TRESOR_DATA_DIR: folder, ...env }), {
    logger: createLogger('silent'),
  });
  return {
    kind,
    tresor,
    admin: await createAdmin(tresor),
    url: undefined,
    masterKey,
    close: async () => {
      await tresor.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** `count` Password secrets owned by the node's administrator. */
export async function seedSecrets(node: BenchNode, count: number, prefix = 's'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push(
      (
        await node.tresor.secrets.create(node.admin, {
          type: 'password',
          name: `${prefix}-${i}`,
          fields: { username: 'u', password: `p-${i}` },
        })
      ).id,
    );
  return ids;
}
