/**
 * The benchmark scenarios. Each measures Tresor against a floor measured in the same run on
 * the same machine, and returns figures; `run.ts` prints the table, the smoke test runs them
 * small so they cannot rot.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import postgres from 'postgres';
import { openPayload, unwrapDataKey, wrapDataKey } from '../../src/crypto/envelope.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { environmentKeySource } from '../../src/crypto/key-source.ts';
import { secrets as secretsTable, secretVersions } from '../../src/db/schema/index.ts';
import { defaultSpaceId } from '../../src/db/schema/spaces.ts';
import { systemPrincipal } from '../../src/identity/principal.ts';
import { createLogger } from '../../src/logger.ts';
import { createTresor } from '../../src/tresor.ts';
import { buildApp } from '../../src/web/app.ts';
import { createPostgresDatabase, postgresUrl, testConfig } from '../support/databases.ts';
import { medianInTurns, percentile, type Run, runConcurrent } from './measure.ts';
import { type BenchNode, benchNode, Password, seedSecrets } from './setup.ts';

export interface Sizes {
  ops: number;
  concurrency: number;
  repeat: number;
  httpSeconds: number;
  rotationKeys: number;
  propagationUpdates: number;
  scaleSecrets: number;
}

export const fullSizes: Sizes = {
  ops: 20_000,
  concurrency: 16,
  repeat: 3,
  httpSeconds: 5,
  rotationKeys: 20_000,
  propagationUpdates: 200,
  scaleSecrets: 1_000_000,
};
export const smokeSizes: Sizes = {
  ops: 200,
  concurrency: 4,
  repeat: 1,
  httpSeconds: 1,
  rotationKeys: 200,
  propagationUpdates: 10,
  scaleSecrets: 2_000,
};

export interface Row {
  bench: string;
  database: string;
  figure: string;
  tresor: string;
  floor: string;
  ratio: string;
  target: string;
}

const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`);
const ops = (r: Run) =>
  `${Math.round(r.opsPerSec).toLocaleString('en-US')}/s (p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms)`;

/**
 * The floor of a use(): one point select with the driver itself, then AES-GCM unwrap and decrypt
 * — the data key under the space's key, which the floor unwrapped once (as a node keeps it).
 */
async function floorOp(node: BenchNode) {
  // The floor opens rows by hand, with the same key material the node was given.
  const master = new KeyRing(await environmentKeySource(node.masterKey).load());
  const driver = node.tresor.database.driver;
  const query = async <T>(text: string, params: unknown[]): Promise<T[]> =>
    driver.kind === 'postgres'
      ? ((await driver.client.unsafe(text, params as never[], { prepare: true })) as unknown as T[])
      : ((await driver.client.query(text, params)).rows as T[]);
  const spaceKeys = await query<{ version: number; wrapped_key: Uint8Array; kek_version: number }>(
    'select version, wrapped_key, kek_version from space_keys where space_id = $1',
    [defaultSpaceId],
  );
  const ring = new KeyRing(
    spaceKeys.map((k) => ({
      version: k.version,
      key: unwrapDataKey(
        master,
        { dataKey: Buffer.from(k.wrapped_key), kekVersion: k.kek_version },
        { secretId: defaultSpaceId, version: k.version },
      ),
    })),
  );
  return async (id: string) => {
    const rows = await query<{ payload: Uint8Array; data_key: Uint8Array; kek_version: number }>(
      'select payload, data_key, kek_version from secret_versions where secret_id = $1 and version = 1',
      [id],
    );
    const row = rows[0]!;
    return openPayload(
      ring,
      { payload: Buffer.from(row.payload), dataKey: Buffer.from(row.data_key), kekVersion: row.kek_version },
      { secretId: id, version: 1, typeId: 'password' },
    );
  };
}

/**
 * The audited floor's audit row: one durable row per use, group-committed in the simplest
 * correct way — whatever waits while a flush runs goes into the next one, as one multi-row
 * INSERT (its own transaction, committed with the WAL flushed before anyone is answered).
 */
function handGroupCommit(node: BenchNode): (secretId: string) => Promise<void> {
  const driver = node.tresor.database.driver;
  let waiting: Array<{ id: string; done: () => void; fail: (error: unknown) => void }> = [];
  let flushing = false;
  const insert = async (ids: string[]) => {
    const values = ids
      .map((_, i) => `(now(), 'floor', 'secret.used', $${i + 1}, 'success', '{}', '\\x00', '\\x00')`)
      .join(', ');
    const text = `insert into audit_events (at, actor_label, action, target_id, outcome, details, prev_hash, hash) values ${values}`;
    if (driver.kind === 'postgres') await driver.client.unsafe(text, ids);
    else await driver.client.query(text, ids);
  };
  const flush = async () => {
    flushing = true;
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        await insert(batch.map((w) => w.id));
        for (const w of batch) w.done();
      } catch (error) {
        for (const w of batch) w.fail(error);
      }
    }
    flushing = false;
  };
  return (id) =>
    new Promise<void>((done, fail) => {
      waiting.push({ id, done, fail });
      if (!flushing) void flush();
    });
}

export async function benchUse(node: BenchNode, sizes: Sizes): Promise<Row> {
  const ids = await seedSecrets(node, 100, 'use');
  const floor = await floorOp(node);
  const audit = handGroupCommit(node);
  const auditedFloor = async (id: string) => {
    const value = await floor(id);
    await audit(id);
    return value;
  };
  for (const id of ids) await node.tresor.use(Password, node.admin, id); // warm
  const { floor: measuredFloor, contender: measured } = await medianInTurns(
    sizes.repeat,
    () => runConcurrent((i) => auditedFloor(ids[i % ids.length]!), sizes.concurrency, sizes.ops),
    () =>
      runConcurrent((i) => node.tresor.use(Password, node.admin, ids[i % ids.length]!), sizes.concurrency, sizes.ops),
  );
  // The floor without the audit row: what the durable row costs stays visible.
  const readOnlyFloor = await runConcurrent((i) => floor(ids[i % ids.length]!), sizes.concurrency, sizes.ops);
  const durability = node.tresor.config.auditDurability;
  return {
    bench: `1. use(), warm, ${sizes.concurrency} callers, audit on (TRESOR_AUDIT_DURABILITY=${durability})`,
    database: node.kind,
    figure: 'throughput',
    tresor: ops(measured),
    floor: `${ops(measuredFloor)} with a durable audit row per use, group-committed by hand; without it ${ops(readOnlyFloor)}`,
    ratio: ratio(measured.opsPerSec, measuredFloor.opsPerSec),
    target: '≥ 0.9× (flush)',
  };
}

async function cannon(
  url: string,
  seconds: number,
  connections: number,
  headers: Record<string, string> = {},
): Promise<Run> {
  const result = await autocannon({ url, duration: seconds, connections, headers });
  return { opsPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

/**
 * Benchmark 2: reads over HTTP, each against a floor doing exactly the essential work of the
 * path: Tresor answers a warm read from its cache, so the floor serves the same object from
 * memory (no query); a read of a secret is audited, so that floor also writes a durable audit
 * row per request, group-committed by hand (the bare object without it is shown too).
 */
export async function benchHttp(node: BenchNode, sizes: Sizes): Promise<Row[]> {
  const ids = await seedSecrets(node, 60, 'http');
  const token = (await node.tresor.sessions.createToken(node.admin, { name: 'bench' })).token;
  const app = await buildApp(node.tresor);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const auth = { authorization: `Bearer ${token}` };
  // What Tresor answers, fetched once: the floor serves these objects as they are.
  const one = (await app.inject({ url: `/api/v1/secrets/${ids[0]}`, headers: auth })).json() as object;
  const page = (await app.inject({ url: '/api/v1/secrets?limit=50', headers: auth })).json() as object;
  const audit = handGroupCommit(node);
  const bare = Fastify({ logger: false });
  bare.get('/bare/secret/:id', async (request) => {
    await audit((request.params as { id: string }).id);
    return one;
  });
  bare.get('/bare/object/:id', async () => one);
  bare.get('/bare/list', async () => page);
  const bareBase = await bare.listen({ host: '127.0.0.1', port: 0 });
  try {
    await cannon(`${base}/api/v1/secrets/${ids[0]}`, 1, sizes.concurrency, auth); // warm
    const read = await cannon(`${base}/api/v1/secrets/${ids[0]}`, sizes.httpSeconds, sizes.concurrency, auth);
    const readFloor = await cannon(`${bareBase}/bare/secret/${ids[0]}`, sizes.httpSeconds, sizes.concurrency);
    const objectOnly = await cannon(`${bareBase}/bare/object/${ids[0]}`, sizes.httpSeconds, sizes.concurrency);
    const list = await cannon(`${base}/api/v1/secrets?limit=50`, sizes.httpSeconds, sizes.concurrency, auth);
    const listFloor = await cannon(`${bareBase}/bare/list`, sizes.httpSeconds, sizes.concurrency);
    return [
      {
        bench: '2. GET /api/v1/secrets/:id, bearer token, warm (audited read)',
        database: node.kind,
        figure: 'requests',
        tresor: ops(read),
        floor: `${ops(readFloor)} (same object from memory + durable audit row); object alone ${ops(objectOnly)}`,
        ratio: ratio(read.opsPerSec, readFloor.opsPerSec),
        target: '≥ 0.5×',
      },
      {
        bench: '2. GET /api/v1/secrets (page of 50), warm',
        database: node.kind,
        figure: 'requests',
        tresor: ops(list),
        floor: `${ops(listFloor)} (same page from memory)`,
        ratio: ratio(list.opsPerSec, listFloor.opsPerSec),
        target: '≥ 0.5×',
      },
    ];
  } finally {
    await app.close();
    await bare.close();
  }
}

/** A space's data keys rotated onto its next key version: re-wraps per second; then the master key's rotation. */
export async function benchRotation(kind: 'postgres' | 'pglite', sizes: Sizes): Promise<Row> {
  const v1 = randomBytes(32).toString('base64');
  // A key file: the master key's rotation at the end generates its next version there.
  const keyFile = join(mkdtempSync(join(tmpdir(), 'tresor-bench-keys-')), 'master.keys');
  writeFileSync(keyFile, `v1:${v1}\n`, { mode: 0o600 });
  const node = await benchNode(kind, { TRESOR_MASTER_KEY: '', TRESOR_MASTER_KEY_FILE: keyFile });
  try {
    const ring = new KeyRing([{ version: 1, key: Buffer.from(v1, 'base64') }]);
    const seedStart = performance.now();
    for (let done = 0; done < sizes.rotationKeys; done += 1000) {
      const batch = Array.from({ length: Math.min(1000, sizes.rotationKeys - done) }, (_, i) => ({
        id: randomUUID(),
        n: done + i,
      }));
      await node.tresor.database.db
        .insert(secretsTable)
        .values(batch.map((b) => ({ id: b.id, name: `rot-${b.n}`, typeId: 'password', version: 1 })));
      await node.tresor.database.db.insert(secretVersions).values(
        batch.map((b) => ({
          secretId: b.id,
          version: 1,
          payload: randomBytes(60),
          ...wrapDataKey(ring, randomBytes(32), { secretId: b.id, version: 1 }, 1),
        })),
      );
    }
    // As an upgrade leaves them: under the master key. A first rotation of the space moves them onto its key.
    await node.tresor.spaces.rotateKey(systemPrincipal, 'default', { batchSize: 1000 });
    const seeded = (performance.now() - seedStart) / 1000;
    const started = performance.now();
    // The re-wrapping ends with the last batch; on PostgreSQL the rotation then waits three heartbeats
    // for the other nodes to move before destroying the old version — a fixed wait, reported beside it.
    let lastBatch = started;
    const result = await node.tresor.spaces.rotateKey(systemPrincipal, 'default', {
      batchSize: 1000,
      onProgress: () => {
        lastBatch = performance.now();
      },
    });
    const total = (performance.now() - started) / 1000;
    const perSecond = result.rewrapped / ((lastBatch - started) / 1000);
    // The master key wraps the spaces' keys: its rotation re-wraps one, whatever the number of values.
    const masterStarted = performance.now();
    const master = await node.tresor.keys.rotate(systemPrincipal);
    const masterMs = performance.now() - masterStarted;
    return {
      bench: `4. a space's key rotation, ${result.rewrapped.toLocaleString('en-US')} data keys (seeded in ${seeded.toFixed(1)} s)`,
      database: kind,
      figure: 're-wraps',
      tresor: `${Math.round(perSecond).toLocaleString('en-US')}/s; ${total.toFixed(2)} s in all${
        kind === 'postgres' ? ', with the 3-heartbeat wait for other nodes' : ''
      }; the master key's rotation then re-wrapped ${master.rewrapped} space key in ${masterMs.toFixed(0)} ms`,
      floor: '—',
      ratio: '—',
      target: '≥ 20,000/s',
    };
  } finally {
    await node.close();
  }
}

/** Update on node A until node B hears of it. */
export async function benchPropagation(sizes: Sizes): Promise<Row | undefined> {
  if (!postgresUrl) return undefined;
  const db = await createPostgresDatabase();
  const env = { DATABASE_URL: db.url, TRESOR_MASTER_KEY: randomBytes(32).toString('base64') };
  const a = await createTresor(testConfig(env), { logger: createLogger('silent') });
  const b = await createTresor(testConfig(env), { logger: createLogger('silent') });
  try {
    const admin = {
      kind: 'user' as const,
      id: (
        await a.bootstrap.createAdministrator({ email: 'bench@example.test', password: 'correct horse battery staple' })
      ).id,
    };
    const s = await a.secrets.create(admin, { type: 'password', name: 'propagated', fields: { password: 'p0' } });
    const latencies: number[] = [];
    for (let i = 1; i <= sizes.propagationUpdates; i++) {
      const heard = new Promise<number>((resolveHeard) => {
        const started = performance.now();
        const stop = b.bus.onChange((change) => {
          if (change.scope === 'secret' && change.id === s.id) {
            stop();
            resolveHeard(performance.now() - started);
          }
        });
      });
      await a.secrets.update(admin, s.id, { fields: { password: `p${i}` } });
      latencies.push(await heard);
    }
    latencies.sort((x, y) => x - y);
    return {
      bench: `5. propagation A → B, ${sizes.propagationUpdates} updates (start of update to notice on B)`,
      database: 'postgres',
      figure: 'latency',
      tresor: `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
      floor: '—',
      ratio: '—',
      target: 'p99 ≤ 100 ms',
    };
  } finally {
    await a.close();
    await b.close();
    await db.drop();
  }
}

export { postgres };
