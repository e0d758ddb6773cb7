/**
 * Slows password guessing per account without letting a stranger lock the real user out:
 * after a few failures for one account (from any address), each further attempt on it waits
 * a little longer (doubling, capped) before the password is checked; a success resets it,
 * and failures are forgotten after a quiet quarter of an hour. Nobody is ever refused: the
 * right password still gets in, only later. Per node (each node slows what it sees).
 */
export interface LoginThrottleOptions {
  /** Failures allowed before attempts are slowed. */
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export const defaultLoginThrottle: LoginThrottleOptions = {
  freeFailures: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  forgetAfterMs: 15 * 60_000,
};

export function loginThrottle(options: LoginThrottleOptions = defaultLoginThrottle) {
  const failures = new Map<string, { count: number; lastAt: number }>();
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const now = options.now ?? Date.now;

  function delayFor(account: string): number {
    const entry = failures.get(account);
    if (!entry) return 0;
    if (now() - entry.lastAt > options.forgetAfterMs) {
      failures.delete(account);
      return 0;
    }
    const over = entry.count - options.freeFailures;
    return over < 0 ? 0 : Math.min(options.baseDelayMs * 2 ** over, options.maxDelayMs);
  }

  return {
    /** Waits as long as this account's recent failures ask for; returns the wait (ms). */
    async before(account: string): Promise<number> {
      const delay = delayFor(account);
      if (delay > 0) await sleep(delay);
      return delay;
    },
    failed(account: string): void {
      const entry = failures.get(account);
      failures.set(account, { count: (entry?.count ?? 0) + 1, lastAt: now() });
      // Bounded memory under a spray of made-up accounts: the oldest go first.
      if (failures.size > 100_000) failures.delete(failures.keys().next().value!);
    },
    succeeded(account: string): void {
      failures.delete(account);
    },
  };
}

export type LoginThrottle = ReturnType<typeof loginThrottle>;
