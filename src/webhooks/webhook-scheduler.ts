/**
 * Runs the dispatcher on a timer (TRESOR_WEBHOOK_POLL_MS) on every server node, and prunes
 * the outbox once an hour. Across nodes the claims decide who sends what.
 */
import { every, type Repeating } from '../lifecycle/every.ts';
import type { Logger } from '../logger.ts';
import type { WebhookDispatcher } from './webhook.dispatcher.ts';

/** Delivered and failed deliveries are kept this long for the endpoint's page. */
export const deliveriesKeptDays = 30;

export type WebhookScheduler = Repeating;

export function scheduleWebhookDeliveries(
  dispatcher: WebhookDispatcher,
  options: { intervalMs: number; logger: Logger },
): WebhookScheduler {
  let lastPrune = 0;
  return every(
    options.intervalMs,
    async () => {
      const result = await dispatcher.run();
      if (result.failed > 0) options.logger.warn(result, 'webhook deliveries given up (see the endpoint’s page)');
      if (Date.now() - lastPrune > 3_600_000) {
        lastPrune = Date.now();
        await dispatcher.prune(deliveriesKeptDays);
      }
    },
    {
      onError: (error) => options.logger.error({ err: error }, 'webhook delivery run failed; the next run tries again'),
    },
  );
}

/** One run of the outbox now (`deliver`), the server's timer (`schedule`, at most one; off at 0 ms) and `stop`. */
export function deliveryRuns(dispatcher: WebhookDispatcher, options: { intervalMs: number; logger: Logger }) {
  let scheduler: WebhookScheduler | undefined;
  return {
    deliver: (run?: Parameters<WebhookDispatcher['run']>[0]) => dispatcher.run(run),
    schedule() {
      if (scheduler || options.intervalMs === 0) return;
      scheduler = scheduleWebhookDeliveries(dispatcher, options);
    },
    stop: async () => scheduler?.stop(),
  };
}
