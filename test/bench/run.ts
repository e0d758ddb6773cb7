/**
 * `npm run bench`: every benchmark, each figure a median of several runs and a ratio
 * against a floor measured in the same run. Prints a markdown table and writes it to
 * test-output/bench.md. BENCH_SIZE=smoke runs everything small; BENCH_ONLY=writes,http (any of
 * use, http, writes, rotation, propagation, scale, startup) runs only those, e.g. to A/B a change.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { postgresUrl } from '../support/databases.ts';
import { benchScale } from './scale.ts';
import { benchHttp, benchPropagation, benchRotation, benchUse, fullSizes, type Row, smokeSizes } from './scenarios.ts';
import { benchKinds, benchNode } from './setup.ts';
import { benchStartup } from './startup.ts';
import { benchWrites } from './writes.ts';

const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
const wanted = (bench: string) => only === undefined || only.has(bench);

export async function runBenchmarks(
  sizes = fullSizes,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const kind of benchKinds) {
    const node = await benchNode(kind);
    try {
      if (wanted('use')) {
        log(`use() on ${kind}…`);
        rows.push(await benchUse(node, sizes));
      }
      if (wanted('http')) {
        log(`HTTP on ${kind}…`);
        rows.push(...(await benchHttp(node, sizes)));
      }
      if (wanted('writes')) {
        log(`writes over HTTP on ${kind}…`);
        rows.push(...(await benchWrites(node, sizes)));
      }
    } finally {
      await node.close();
    }
    if (kind === 'postgres' && wanted('use')) {
      log('use() on postgres, audit rows of uses not waiting for the WAL flush…');
      const commitNode = await benchNode(kind, { TRESOR_AUDIT_DURABILITY: 'commit' });
      try {
        rows.push(await benchUse(commitNode, sizes));
      } finally {
        await commitNode.close();
      }
    }
    log(`rotation on ${kind}…`);
    if (wanted('rotation')) rows.push(await benchRotation(kind, sizes));
  }
  log('propagation…');
  const propagation = wanted('propagation') ? await benchPropagation(sizes) : undefined;
  if (propagation) rows.push(propagation);
  if (process.env.BENCH_SKIP_SCALE !== '1' && wanted('scale')) {
    for (const kind of benchKinds) {
      log(`scale on ${kind} (${sizes.scaleSecrets.toLocaleString('en-US')} secrets)…`);
      rows.push(...(await benchScale(kind, sizes)));
    }
  }
  log('start-up, the CLI and memory…');
  if (wanted('startup')) rows.push(...(await benchStartup(sizes)));
  return rows;
}

export function table(rows: Row[]): string {
  const head =
    '| benchmark | database | figure | Tresor | floor (same run) | ratio | target |\n| --- | --- | --- | --- | --- | --- | --- |';
  return [
    head,
    ...rows.map(
      (r) => `| ${r.bench} | ${r.database} | ${r.figure} | ${r.tresor} | ${r.floor} | ${r.ratio} | ${r.target} |`,
    ),
  ].join('\n');
}

if (process.argv[1]?.endsWith('run.ts')) {
  const sizes =
    process.env.BENCH_SIZE === 'smoke'
      ? smokeSizes
      : { ...fullSizes, ...(process.env.BENCH_SCALE ? { scaleSecrets: Number(process.env.BENCH_SCALE) } : {}) };
  if (!postgresUrl)
    process.stderr.write('TEST_DATABASE_URL is not set: the PostgreSQL rows (and propagation) are skipped.\n');
  const rows = await runBenchmarks(sizes);
  const markdown = `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}.\n\n${table(rows)}\n`;
  const out = resolve(import.meta.dirname, '../../test-output/bench.md');
  mkdirSync(resolve(out, '..'), { recursive: true });
  writeFileSync(out, markdown);
  process.stdout.write(markdown);
  process.exit(0);
}
