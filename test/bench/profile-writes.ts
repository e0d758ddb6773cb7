/**
 * `npm run bench:profile -- update` (or create, delete): one write path over HTTP at 8
 * connections under V8's sampling profiler, then the functions with the most self time,
 * grouped by package (or src/ file) — where a write's CPU goes, to decide what to remove.
 * Writes the whole profile to test-output/writes.cpuprofile (open it in Chrome DevTools).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { buildApp } from '../../src/web/app.ts';
import { postgresUrl } from '../support/databases.ts';
import { benchNode } from './setup.ts';
import { load } from './writes.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

const path = (process.argv[2] ?? 'update') as 'create' | 'update' | 'delete';
const count = Number(process.env.PROFILE_COUNT ?? 3000);
const node = await benchNode(postgresUrl ? 'postgres' : 'pglite');
const token = (await node.tresor.sessions.createToken(node.admin, { name: 'profile' })).token;
const app = await buildApp(node.tresor);
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const headers = { authorization: `Bearer ${token}` };
const field = () => ({ key: randomBytes(12).toString('hex') });
const names = Array.from({ length: count }, (_, i) => `p-${i}`);
const create = (i: number) => ({
  method: 'POST' as const,
  path: '/api/v1/secrets',
  body: { type: 'api-key', name: names[i], fields: field() },
});
if (path !== 'create') await load(base, count, headers, create);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const run = await load(base, count, headers, (i) =>
  path === 'create'
    ? create(i)
    : path === 'update'
      ? { method: 'PATCH', path: `/api/v1/secrets/${names[i % 64]}`, body: { fields: field() } }
      : { method: 'DELETE', path: `/api/v1/secrets/${names[i]}` },
);
const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[] } };
const out = resolve(import.meta.dirname, '../../test-output/writes.cpuprofile');
mkdirSync(resolve(out, '..'), { recursive: true });
writeFileSync(out, JSON.stringify(profile));

const where = (url: string) => {
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
  if (pkg) return pkg;
  const src = url.match(/\/(src\/.+|test\/.+)$/)?.[1];
  return src ?? (url.startsWith('node:') || url === '' ? `(node ${url || 'native'})` : url);
};
const total = profile.nodes.reduce((n, p) => n + p.hitCount, 0);
const byPlace = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const p of profile.nodes) {
  const place = where(p.callFrame.url);
  byPlace.set(place, (byPlace.get(place) ?? 0) + p.hitCount);
  const fn = `${p.callFrame.functionName || '(anonymous)'} ${place}:${p.callFrame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + p.hitCount);
}
const top = (m: Map<string, number>, n: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`)
    .join('\n');
process.stdout.write(
  `${path}: ${run.perSec.toFixed(0)}/s, ${run.cpuMs.toFixed(2)} ms CPU per write (${node.kind})\n\n` +
    `by place:\n${top(byPlace, 25)}\n\nby function:\n${top(byFunction, 30)}\n`,
);
await app.close();
await node.close();
process.exit(0);
