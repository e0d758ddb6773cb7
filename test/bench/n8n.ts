/**
 * Tresor and n8n side by side (`npm run bench:n8n`; not part of `npm test` or `npm run bench`,
 * because n8n is not a dependency): the same credential operations over HTTP on the same
 * machine, in interleaved turns (Tresor, n8n, Tresor, …; medians), 8 kept-alive connections.
 * Each runs as its users run it: Tresor with `npm start`, n8n with `n8n start`, each on its
 * own process. Pairs by database: Tresor on PostgreSQL against n8n on PostgreSQL, and each
 * one's embedded default (Tresor: PGlite in a data folder; n8n: SQLite).
 *
 * n8n is installed from the npm registry and started by test/bench/n8n-setup.sh, which
 * prints the N8N_POSTGRES_URL / N8N_SQLITE_URL this script reads (either may be left out).
 * The credential is API-key-like on both sides: Tresor's `api-key`, n8n's `httpHeaderAuth`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresDatabase, postgresUrl } from '../support/databases.ts';
import { median } from './measure.ts';
import { table } from './run.ts';
import type { Row } from './scenarios.ts';
import { admin, issueToken, start } from './startup.ts';
import { load, type WriteRun } from './writes.ts';

const count = Number(process.env.BENCH_N8N_COUNT ?? 400);
const turns = Number(process.env.BENCH_N8N_TURNS ?? 3);
const n8nEmail = process.env.N8N_EMAIL ?? 'owner@example.com';
const n8nPassword = process.env.N8N_PASSWORD ?? 'Passw0rd-Bench!';

/** One side's way of doing each operation over HTTP. */
interface Side {
  base: string;
  headers: Record<string, string>;
  create(name: string): { method: 'POST'; path: string; body: unknown };
  one(id: string): string;
  page: string;
  update(id: string, name: string): { method: 'PATCH'; path: string; body: unknown };
  remove(id: string): string;
  /** The id of a created credential, from the create response's body. */
  idOf(body: string): string;
}

function tresorSide(base: string, token: string): Side {
  const fields = () => ({ key: randomBytes(12).toString('hex') });
  return {
    base,
    headers: { authorization: `Bearer ${token}` },
    create: (name) => ({ method: 'POST', path: '/api/v1/secrets', body: { type: 'api-key', name, fields: fields() } }),
    one: (id) => `/api/v1/secrets/${id}`,
    page: '/api/v1/secrets?limit=50',
    update: (id) => ({ method: 'PATCH', path: `/api/v1/secrets/${id}`, body: { fields: fields() } }),
    remove: (id) => `/api/v1/secrets/${id}`,
    idOf: (body) => (JSON.parse(body) as { id: string }).id,
  };
}

/** n8n's own UI API (its public API has no read or update of a credential), signed in as the owner. */
async function n8nSide(base: string): Promise<Side> {
  const browser = { 'browser-id': 'tresor-bench' };
  const signIn = await fetch(`${base}/rest/login`, {
    method: 'POST',
    headers: { ...browser, 'content-type': 'application/json' },
    body: JSON.stringify({ emailOrLdapLoginId: n8nEmail, password: n8nPassword }),
  });
  if (!signIn.ok) throw new Error(`n8n sign-in at ${base} failed: ${signIn.status} ${await signIn.text()}`);
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  const data = () => ({ name: 'X-API-Key', value: randomBytes(12).toString('hex') });
  return {
    base,
    headers: { ...browser, cookie },
    create: (name) => ({
      method: 'POST',
      path: '/rest/credentials',
      body: { name, type: 'httpHeaderAuth', data: data() },
    }),
    one: (id) => `/rest/credentials/${id}`,
    page: '/rest/credentials?take=50&skip=0',
    update: (id, name) => ({
      method: 'PATCH',
      path: `/rest/credentials/${id}`,
      body: { name, type: 'httpHeaderAuth', data: data() },
    }),
    remove: (id) => `/rest/credentials/${id}`,
    idOf: (body) => (JSON.parse(body) as { data: { id: string } }).data.id,
  };
}

type Operation = 'create' | 'read one' | 'list page of 50' | 'update' | 'delete';
const operations: Operation[] = ['create', 'read one', 'list page of 50', 'update', 'delete'];

/** One turn of every operation on one side; names are unique per side and turn. */
async function turn(side: Side, label: string): Promise<Record<Operation, WriteRun>> {
  const names = Array.from({ length: count }, (_, i) => `bench-${label}-${i}`);
  const ids: string[] = [];
  const runs = {} as Record<Operation, WriteRun>;
  runs.create = await load(
    side.base,
    count,
    side.headers,
    (i) => side.create(names[i]!),
    (i, body) => {
      ids[i] = side.idOf(body);
    },
  );
  runs['read one'] = await load(side.base, count, side.headers, () => ({ method: 'GET', path: side.one(ids[0]!) }));
  runs['list page of 50'] = await load(side.base, count, side.headers, () => ({ method: 'GET', path: side.page }));
  // The update goes round 64 credentials, so 8 writers rarely meet on one.
  runs.update = await load(side.base, count, side.headers, (i) => side.update(ids[i % 64]!, names[i % 64]!));
  runs.delete = await load(side.base, count, side.headers, (i) => ({ method: 'DELETE', path: side.remove(ids[i]!) }));
  return runs;
}

async function compare(database: string, tresor: Side, n8n: Side): Promise<Row[]> {
  const results = { tresor: [] as Record<Operation, WriteRun>[], n8n: [] as Record<Operation, WriteRun>[] };
  for (let t = 0; t < turns; t++) {
    results.tresor.push(await turn(tresor, `t${t}`));
    results.n8n.push(await turn(n8n, `t${t}`));
  }
  return operations.map((operation) => {
    const rate = (side: Record<Operation, WriteRun>[]) => median(side.map((r) => r[operation].perSec));
    const p99 = (side: Record<Operation, WriteRun>[]) => median(side.map((r) => r[operation].p99));
    const failed = [...results.tresor, ...results.n8n].reduce((n, r) => n + r[operation].failed, 0);
    return {
      bench: `n8n. ${operation} over HTTP, 8 connections${failed ? ` (${failed} FAILED requests)` : ''}`,
      database,
      figure: 'requests',
      tresor: `${Math.round(rate(results.tresor))}/s (p99 ${p99(results.tresor).toFixed(1)} ms)`,
      floor: `n8n 2.40.7: ${Math.round(rate(results.n8n))}/s (p99 ${p99(results.n8n).toFixed(1)} ms)`,
      ratio: `${(rate(results.tresor) / rate(results.n8n)).toFixed(1)}× n8n`,
      target: 'report',
    };
  });
}

const rows: Row[] = [];
const pgN8n = process.env.N8N_POSTGRES_URL;
const sqliteN8n = process.env.N8N_SQLITE_URL;
if (!pgN8n && !sqliteN8n) throw new Error('set N8N_POSTGRES_URL and/or N8N_SQLITE_URL (test/bench/n8n-setup.sh)');
if (pgN8n && postgresUrl) {
  const db = await createPostgresDatabase();
  const server = await start({ DATABASE_URL: db.url, TRESOR_MASTER_KEY: randomBytes(32).toString('base64'), ...admin });
  try {
    rows.push(
      ...(await compare('postgres', tresorSide(server.url, await issueToken(server.url)), await n8nSide(pgN8n))),
    );
  } finally {
    await server.stop();
    await db.drop();
  }
}
if (sqliteN8n) {
  const folder = mkdtempSync(join(tmpdir(), 'tresor-n8n-bench-'));
  const server = await start({ TRESOR_DATA_DIR: folder, ...admin });
  try {
    const tresor = tresorSide(server.url, await issueToken(server.url));
    rows.push(...(await compare('PGlite (Tresor) / SQLite (n8n)', tresor, await n8nSide(sqliteN8n))));
  } finally {
    await server.stop();
  }
}
console.log(table(rows));
