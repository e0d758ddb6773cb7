/**
 * "Every N ms" for the server's background runs (expiry notices, webhook deliveries): a run
 * never overlaps the one before on this node, a failed run is handed to `onError` and the next
 * tick tries again, the timers never keep the process alive, and `stop()` waits for the run in
 * flight.
 */
export interface Repeating {
  stop(): Promise<void>;
}

export function every(
  intervalMs: number,
  run: () => Promise<void>,
  options: { firstRunMs?: number; onError(error: unknown): void },
): Repeating {
  let inFlight: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped || inFlight) return;
    inFlight = run()
      .catch(options.onError)
      .finally(() => {
        inFlight = undefined;
      });
  };
  const first = options.firstRunMs === undefined ? undefined : setTimeout(tick, options.firstRunMs);
  first?.unref();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await inFlight;
    },
  };
}
