/**
 * A small run of every benchmark inside `npm test`, so the suite cannot rot. It asserts that
 * each scenario runs and yields figures, never how fast: speed is judged by `npm run bench`.
 */
import { describe, expect, it } from 'vitest';
import { postgresUrl } from '../support/databases.ts';
import { runBenchmarks, table } from './run.ts';
import { smokeSizes } from './scenarios.ts';
import { benchKinds } from './setup.ts';

describe('benchmark suite (smoke size)', () => {
  it('runs every scenario and reports a figure for each', async () => {
    const rows = await runBenchmarks(smokeSizes, () => {});
    const names = rows.map((r) => r.bench.split(' ')[0]);
    expect(names).toEqual(expect.arrayContaining(['1.', '2.', '3.', '4.', '6.', '7.', ...(postgresUrl ? ['5.'] : [])]));
    // Scale and the rest run on every database there is.
    for (const kind of benchKinds)
      expect(rows.filter((r) => r.database === kind).map((r) => r.bench.split(' ')[0])).toEqual(
        expect.arrayContaining(['1.', '2.', '3.', '4.', '7.']),
      );
    for (const row of rows) expect(row.tresor).toMatch(/\d/);
    expect(table(rows).split('\n').length).toBe(rows.length + 2);
  }, 300_000);
});
