/** Measuring helpers: run an operation at a fixed concurrency, report throughput and latency percentiles, take medians. */

export interface Run {
  opsPerSec: number;
  p50: number;
  p99: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `total` operations spread over `concurrency` workers. */
export async function runConcurrent(
  op: (i: number) => Promise<unknown>,
  concurrency: number,
  total: number,
): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { opsPerSec: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `measure` `repeat` times and keeps the median of each figure. */
export async function medianOf(repeat: number, measure: () => Promise<Run>): Promise<Run> {
  const runs: Run[] = [];
  for (let i = 0; i < repeat; i++) runs.push(await measure());
  return {
    opsPerSec: median(runs.map((r) => r.opsPerSec)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
  };
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * Measures a floor and a contender in turns (floor, contender, floor, …) and keeps the median
 * of each, so drift in the machine's speed during the run weighs on both alike.
 */
export async function medianInTurns(
  repeat: number,
  floor: () => Promise<Run>,
  contender: () => Promise<Run>,
): Promise<{ floor: Run; contender: Run }> {
  const floors: Run[] = [];
  const contenders: Run[] = [];
  for (let i = 0; i < repeat; i++) {
    floors.push(await floor());
    contenders.push(await contender());
  }
  const med = (runs: Run[]): Run => ({
    opsPerSec: median(runs.map((r) => r.opsPerSec)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
  });
  return { floor: med(floors), contender: med(contenders) };
}
