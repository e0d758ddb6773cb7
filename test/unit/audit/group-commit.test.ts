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

  /** A writer that blocks the event loop while it writes, as PGlite's synchronous WAL sync does. */
  function blockingWriter(ms: number) {
    const batches: number[][] = [];
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const write = async (items: number[]) => {
      batches.push(items);
      Atomics.wait(cell, 0, 0, ms);
    };
    return { write, batches };
  }
  /** Eight callers, each writing ten items one after another with a turn of the event loop between. */
  async function eightCallers(gc: { add(item: number): Promise<void> }) {
    await Promise.all(
      Array.from({ length: 8 }, async (_, caller) => {
        for (let i = 0; i < 10; i++) {
          await new Promise((resolve) => setImmediate(resolve));
          await gc.add(caller * 10 + i);
        }
      }),
    );
  }
  const mean = (batches: number[][]) => batches.flat().length / batches.length;

  it('gathers callers into shared batches when writing blocks the event loop (gatherMs), and only then', async () => {
    const alone = blockingWriter(2);
    await eightCallers(groupCommit(alone.write, { maxInFlight: 1 }));
    const gathered = blockingWriter(2);
    await eightCallers(groupCommit(gathered.write, { maxInFlight: 1, gatherMs: 1 }));
    expect(gathered.batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 80 }, (_, i) => i));
    expect(mean(gathered.batches)).toBeGreaterThan(2);
    expect(mean(gathered.batches)).toBeGreaterThan(mean(alone.batches) * 2);
  });

  it('does not make a caller writing one item after another wait for company every time', async () => {
    const writer = slowWriter(0);
    const gc = groupCommit(writer.write, { maxInFlight: 1, gatherMs: 5 });
    const started = performance.now();
    for (let i = 0; i < 200; i++) await gc.add(i);
    const elapsed = performance.now() - started;
    expect(writer.batches.flat()).toHaveLength(200);
    // Each wait that found no company turns gathering off for 100 ms: at most one wait per pause.
    expect(gc.stats().gathered).toBeLessThanOrEqual(1 + elapsed / 100);
    expect(gc.stats().gathered).toBeLessThan(200);
  });

  it("fails only the item at fault when the error is one item's (isolates), and commits the rest", async () => {
    const written: number[] = [];
    const gc = groupCommit(
      async (items: number[]) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (items.includes(13)) throw Object.assign(new Error('bad value'), { itemsFault: true });
        written.push(...items);
      },
      { maxInFlight: 1, isolates: (e) => (e as { itemsFault?: boolean }).itemsFault === true },
    );
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => gc.add(i)));
    const rejected = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    expect(rejected).toEqual([13]);
    expect(written.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 13));
    expect(gc.stats().splits).toBeGreaterThan(0);
  });

  it("fails the whole batch, without splitting, on an error that is nobody's item (the database is gone)", async () => {
    const writer = slowWriter(1, () => true);
    const gc = groupCommit(writer.write, { maxInFlight: 1, isolates: () => false });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => gc.add(i)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(gc.stats().splits).toBe(0);
  });
});
