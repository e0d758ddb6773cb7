/**
 * Benchmark 7: writes over HTTP (create, update, delete) at 8 connections, against a floor
 * that does the essential work of each by hand on the same database, behind a bare fastify
 * route: parse the JSON body, seal the payload (AES-256-GCM under a fresh data key wrapped
 * with the master key), and one transaction with the secret row, the version row and one
 * audit row, committed durably. Also reports the CPU each write costs this process (server
 * and load generator together, for both sides alike).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import Fastify from 'fastify';
import { sealPayload } from '../../src/crypto/envelope.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { environmentKeySource } from '../../src/crypto/key-source.ts';
import { buildApp } from '../../src/web/app.ts';
import { median } from './measure.ts';
import type { Row, Sizes } from './scenarios.ts';
import type { BenchNode } from './setup.ts';

const connections = 8;

/** One statement runner over both drivers, inside a transaction. */
type Exec = (text: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>;

function transactions(node: BenchNode): <T>(body: (exec: Exec) => Promise<T>) => Promise<T> {
  const driver = node.tresor.database.driver;
  if (driver.kind === 'postgres') {
    const sql = driver.client;
    return (body) =>
      sql.begin((tx) =>
        body(async (text, params) => [...(await tx.unsafe(text, params as never[], { prepare: true }))]),
      ) as never;
  }
  const pg = driver.client;
  return (body) => pg.transaction((tx) => body(async (text, params) => (await tx.query(text, params)).rows as never));
}

async function floorServer(node: BenchNode) {
  const ring = new KeyRing(await environmentKeySource(node.masterKey).load());
  const inTx = transactions(node);
  const app = Fastify({ logger: false });
  const audit = (exec: Exec, action: string, id: string, name: string) =>
    exec(
      `insert into audit_events (at, actor_label, action, target_id, target_name, outcome, details, prev_hash, hash)
       values (now(), 'floor', $1, $2, $3, 'success', '{}', $4, $5)`,
      [action, id, name, randomBytes(32), randomBytes(32)],
    );
  const seal = (id: string, version: number, fields: unknown) =>
    sealPayload(ring, Buffer.from(JSON.stringify(fields)), { secretId: id, version, typeId: 'api-key' });
  app.post('/floor/secrets', async (request, reply) => {
    const body = request.body as { name: string; fields: unknown };
    const id = randomUUID();
    const sealed = seal(id, 1, body.fields);
    await inTx(async (exec) => {
      await exec(`insert into secrets (id, name, type_id, version) values ($1, $2, 'api-key', 1)`, [id, body.name]);
      await exec(
        `insert into secret_versions (secret_id, version, payload, data_key, kek_version, created_at, reason)
         values ($1, 1, $2, $3, $4, now(), 'created')`,
        [id, sealed.payload, sealed.dataKey, sealed.kekVersion],
      );
      await audit(exec, 'secret.created', id, body.name);
    });
    return reply.status(201).send({ id, name: body.name, version: 1 });
  });
  app.patch('/floor/secrets/:name', async (request) => {
    const { name } = request.params as { name: string };
    const body = request.body as { fields: unknown };
    return inTx(async (exec) => {
      const [row] = await exec('select id, version from secrets where name = $1 for update', [name]);
      const id = String(row!.id);
      const version = Number(row!.version) + 1;
      const sealed = seal(id, version, body.fields);
      await exec(
        `insert into secret_versions (secret_id, version, payload, data_key, kek_version, created_at, reason)
         values ($1, $2, $3, $4, $5, now(), 'updated')`,
        [id, version, sealed.payload, sealed.dataKey, sealed.kekVersion],
      );
      await exec('update secrets set version = $2, updated_at = now() where id = $1', [id, version]);
      await audit(exec, 'secret.updated', id, name);
      return { id, version };
    });
  });
  app.delete('/floor/secrets/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    await inTx(async (exec) => {
      const [row] = await exec('delete from secrets where name = $1 returning id', [name]);
      await audit(exec, 'secret.deleted', String(row!.id), name);
    });
    return reply.status(204).send();
  });
  return app;
}

export interface WriteRun {
  perSec: number;
  p99: number;
  cpuMs: number;
  failed: number;
}

/**
 * Runs `count` requests over 8 kept-alive connections, request i built by `request(i)`.
 * (autocannon ends a fixed amount of requests only at its next one-second tick, which
 * rounds every rate to whole seconds: this loop is timed exactly.)
 */
export async function load(
  base: string,
  count: number,
  headers: Record<string, string>,
  request: (i: number) => { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; path: string; body?: unknown },
  onBody?: (i: number, body: string) => void,
): Promise<WriteRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const send = (i: number) =>
    new Promise<void>((done, fail) => {
      const r = request(i);
      const body = r.body === undefined ? undefined : JSON.stringify(r.body);
      const began = performance.now();
      const req = httpRequest(
        `${base}${r.path}`,
        {
          method: r.method,
          agent,
          // A JSON content type with no body is refused (400): only a request with a body says it.
          headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          if (onBody) res.on('data', (chunk: Buffer) => chunks.push(chunk));
          else res.resume();
          res.on('end', () => {
            onBody?.(i, Buffer.concat(chunks).toString());
            latencies.push(performance.now() - began);
            if ((res.statusCode ?? 500) >= 300) failed++;
            done();
          });
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = next++; i < count; i = next++) await send(i);
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  agent.destroy();
  latencies.sort((x, y) => x - y);
  return {
    perSec: count / elapsed,
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0,
    cpuMs: (used.user + used.system) / 1000 / count,
    failed,
  };
}

export async function benchWrites(node: BenchNode, sizes: Sizes): Promise<Row[]> {
  const count = Math.max(40, Math.round(sizes.ops / 20));
  const token = (await node.tresor.sessions.createToken(node.admin, { name: 'bench-writes' })).token;
  const app = await buildApp(node.tresor);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const floorApp = await floorServer(node);
  const floorBase = await floorApp.listen({ host: '127.0.0.1', port: 0 });
  const auth = { authorization: `Bearer ${token}` };
  const runs: Record<string, { tresor: WriteRun[]; floor: WriteRun[] }> = {
    create: { tresor: [], floor: [] },
    update: { tresor: [], floor: [] },
    delete: { tresor: [], floor: [] },
  };
  const field = () => ({ key: randomBytes(12).toString('hex') });
  try {
    for (let turn = 0; turn < sizes.repeat; turn++) {
      // Same names on both sides per turn; the update goes round 64 of them, so 8 writers rarely meet.
      const names = Array.from({ length: count }, (_, i) => `w${turn}-${i}`);
      for (const [side, url, prefix, headers, path] of [
        ['floor', floorBase, 'f-', {}, '/floor/secrets'],
        ['tresor', base, 't-', auth, '/api/v1/secrets'],
      ] as const) {
        const at = (i: number) => `${prefix}${names[i % names.length]}`;
        const target = (i: number) => `${path}/${encodeURIComponent(at(i))}`;
        runs.create![side].push(
          await load(url, count, headers, (i) => ({
            method: 'POST',
            path,
            body: { type: 'api-key', name: at(i), fields: field() },
          })),
        );
        runs.update![side].push(
          await load(url, count, headers, (i) => ({
            method: 'PATCH',
            path: target(i % 64),
            body: { fields: field() },
          })),
        );
        runs.delete![side].push(await load(url, count, headers, (i) => ({ method: 'DELETE', path: target(i) })));
      }
    }
  } finally {
    await app.close();
    await floorApp.close();
  }
  return Object.entries(runs).map(([operation, { tresor, floor }]) => {
    const med = (rs: WriteRun[], pick: (r: WriteRun) => number) => median(rs.map(pick));
    const t = med(tresor, (r) => r.perSec);
    const f = med(floor, (r) => r.perSec);
    const failed = tresor.reduce((n, r) => n + r.failed, 0) + floor.reduce((n, r) => n + r.failed, 0);
    return {
      bench: `7. ${operation} over HTTP, ${connections} connections${failed ? ` (${failed} FAILED requests)` : ''}`,
      database: node.kind,
      figure: 'writes; CPU per write (process)',
      tresor: `${Math.round(t)}/s (p99 ${med(tresor, (r) => r.p99).toFixed(1)} ms); ${med(tresor, (r) => r.cpuMs).toFixed(2)} ms CPU`,
      floor: `${Math.round(f)}/s (p99 ${med(floor, (r) => r.p99).toFixed(1)} ms); ${med(floor, (r) => r.cpuMs).toFixed(2)} ms CPU`,
      ratio: `${(t / f).toFixed(2)}×`,
      target: '≥ 0.5×; CPU ≤ 3 ms',
    };
  });
}
