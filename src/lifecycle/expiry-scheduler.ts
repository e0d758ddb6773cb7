/**
 * Runs expiry-notice runs on a timer: the first shortly after start, then every interval.
 * Every node may run it; the run's advisory lock and claims make one node do each notice.
 * A failed run is logged and tried again at the next tick; the timer never keeps the
 * process alive (unref) and stops with Tresor.
 */
import type { Logger } from '../logger.ts';
import type { NoticeRunResult } from './expiry-notices.service.ts';

export interface ExpiryScheduler {
  stop(): Promise<void>;
}

export function scheduleExpiryNotices(
  run: () => Promise<NoticeRunResult>,
  options: { intervalMs: number; firstRunMs?: number; logger: Logger },
): ExpiryScheduler {
  let inFlight: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    inFlight = run().then(
      (result) => {
        if (result.sent + result.failed + result.nobody > 0) options.logger.info(result, 'expiry notices');
      },
      (error: unknown) => options.logger.error({ err: error }, 'expiry-notice run failed; the next run tries again'),
    );
  };
  const first = setTimeout(tick, options.firstRunMs ?? 10_000);
  first.unref();
  const every = setInterval(tick, options.intervalMs);
  every.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await inFlight;
    },
  };
}
