import { describe, expect, it } from 'vitest';
import { every } from '../../../src/lifecycle/every.ts';

describe('every N ms', () => {
  it('never overlaps a run with the one before, and stop() waits for the run in flight', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    let release: () => void = () => {};
    const repeating = every(
      2,
      async () => {
        runs++;
        most = Math.max(most, ++running);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        running--;
      },
      { onError: () => {} },
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(runs).toBe(1);
    const stopped = repeating.stop();
    release();
    await stopped;
    expect(most).toBe(1);
    expect(running).toBe(0);
  });

  it('hands a failed run to onError and runs again at the next tick', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const repeating = every(
      1,
      async () => {
        runs++;
        throw new Error('boom');
      },
      { firstRunMs: 0, onError: (e) => errors.push(e) },
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    await repeating.stop();
    expect(runs).toBeGreaterThan(1);
    expect(errors.length).toBe(runs);
  });
});
