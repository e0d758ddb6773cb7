import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../../src/audit/group-commit.ts';

/** A writer that takes `ms` per batch and records what it was given and how many ran at once. */
function slowWriter(ms: number, fail?: (items: number[]) => boolean) {
  const batches: number[][] = [];
  let running = 0;
  let maxRunning = 0;
  const write = async (items: number[]) => {
    batches.push(items);
    maxRunning = Math.max(maxRunning, ++running);
    await new Promise((resolve) => setTimeout(resolve, ms));
    running--;
    if (fail?.(items)) throw new Error('disk full');
  };
  return { write, batches, maxRunning: () => maxRunning };
}

describe('group commit', () => {
  it('writes a lone caller at once, without waiting for company', async () => {
    const writer = slowWriter(1);
    const gc = groupCommit(writer.write);
    await gc.add(1);
    expect(writer.batches).toEqual([[1]]);
  });

  it('writes a burst of 200 callers in a few batches, every item once, in order', async () => {
    const writer = slowWriter(2);
    const gc = groupCommit(writer.write, { maxBatch: 500 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => gc.add(i)));
    expect(writer.batches.length).toBeLessThanOrEqual(4);
    expect(writer.batches.flat()).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('keeps at most maxInFlight batches of at most maxBatch items', async () => {
    const writer = slowWriter(2);
    const gc = groupCommit(writer.write, { maxBatch: 7, maxInFlight: 2 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => gc.add(i)));
    expect(writer.maxRunning()).toBeLessThanOrEqual(2);
    expect(Math.max(...writer.batches.map((b) => b.length))).toBeLessThanOrEqual(7);
    expect(writer.batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('splits 16 callers that each wait for their item into two batches of 8 in flight', async () => {
    const writer = slowWriter(1);
    const gc = groupCommit(writer.write, { maxInFlight: 2 });
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 1600) await gc.add(next++);
      }),
    );
    const sizes = writer.batches.slice(10).map((b) => b.length); // after warming up
    expect(sizes.filter((n) => n === 8).length / sizes.length).toBeGreaterThan(0.9);
    expect(writer.maxRunning()).toBe(2);
  });

  it('fails exactly the callers of a failed batch; the next batches are written', async () => {
    const writer = slowWriter(1, (items) => items.includes(3));
    const gc = groupCommit(writer.write);
    const results = await Promise.allSettled([1, 2, 3].map((i) => gc.add(i)));
    const failed = writer.batches.find((b) => b.includes(3))!;
    for (const [i, r] of results.entries()) expect(r.status).toBe(failed.includes(i + 1) ? 'rejected' : 'fulfilled');
    expect(results[2]).toMatchObject({ status: 'rejected', reason: { message: 'disk full' } });
    await expect(gc.add(4)).resolves.toBeUndefined();
    expect(gc.stats().items).toBe(4 - failed.length);
  });
});
