/**
 * Runs expiry-notice runs on a timer: the first shortly after start, then every interval.
 * Every node may run it; the run's advisory lock and claims make one node do each notice.
 */
import type { Logger } from '../logger.ts';
import { every, type Repeating } from './every.ts';
import type { NoticeRunResult } from './expiry-notices.service.ts';

export type ExpiryScheduler = Repeating;

export function scheduleExpiryNotices(
  run: () => Promise<NoticeRunResult>,
  options: { intervalMs: number; firstRunMs?: number; logger: Logger },
): ExpiryScheduler {
  return every(
    options.intervalMs,
    async () => {
      const result = await run();
      if (result.sent + result.failed + result.nobody > 0) options.logger.info(result, 'expiry notices');
    },
    {
      firstRunMs: options.firstRunMs ?? 10_000,
      onError: (error) => options.logger.error({ err: error }, 'expiry-notice run failed; the next run tries again'),
    },
  );
}
