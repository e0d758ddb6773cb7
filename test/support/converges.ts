/** Polling for cluster tests: wait until something holds, and say how long it took. */
import { setTimeout as sleep } from 'node:timers/promises';

/** Polls until `probe` holds; returns how long it took (fails after `limitMs`). */
export async function converges(probe: () => Promise<boolean>, limitMs = 1000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    if (await probe()) return performance.now() - started;
    await sleep(2);
  }
  throw new Error(`did not converge within ${limitMs} ms`);
}
