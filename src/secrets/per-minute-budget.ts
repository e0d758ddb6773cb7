/**
 * A budget of `perMinute` calls a minute per key (here: a principal and a secret), in this
 * process: each node counts its own, which bounds a prober's rate by nodes × budget.
 */
import { BusyError } from '../errors.ts';

export function perMinuteBudget(perMinute: number, what: string) {
  let windowStart = 0;
  let counts = new Map<string, number>();
  return {
    /** Counts one call for `key`, or throws BusyError when its budget for this minute is spent. */
    take(key: string, now = Date.now()): void {
      if (now - windowStart >= 60_000) {
        // A fixed window: the map never holds more than one minute's keys.
        windowStart = now;
        counts = new Map();
      }
      const used = counts.get(key) ?? 0;
      if (used >= perMinute) throw new BusyError(`Too many ${what} in a minute; wait a minute and try again`);
      counts.set(key, used + 1);
    },
  };
}
