/**
 * Runs the dispatcher on a timer (TRESOR_WEBHOOK_POLL_MS) on every server node, and prunes
 * the outbox once an hour. Runs never overlap on one node (the dispatcher waits for its own
 * run); across nodes the claims decide who sends what. A failed run is logged and tried at
 * the next tick; the timers never keep the process alive and stop with Tresor.
 */
import type { Logger } from '../logger.ts';
import type { WebhookDispatcher } from './webhook.dispatcher.ts';

/** Delivered and failed deliveries are kept this long for the endpoint's page. */
export const deliveriesKeptDays = 30;

export interface WebhookScheduler {
  stop(): Promise<void>;
}

export function scheduleWebhookDeliveries(
  dispatcher: WebhookDispatcher,
  options: { intervalMs: number; logger: Logger },
): WebhookScheduler {
  let inFlight: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let lastPrune = 0;
  const tick = () => {
    if (stopped) return;
    inFlight = (async () => {
      const result = await dispatcher.run();
      if (result.failed > 0) options.logger.warn(result, 'webhook deliveries given up (see the endpoint’s page)');
      if (Date.now() - lastPrune > 3_600_000) {
        lastPrune = Date.now();
        await dispatcher.prune(deliveriesKeptDays);
      }
    })().catch((error: unknown) =>
      options.logger.error({ err: error }, 'webhook delivery run failed; the next run tries again'),
    );
  };
  const every = setInterval(tick, options.intervalMs);
  every.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(every);
      await inFlight;
    },
  };
}
