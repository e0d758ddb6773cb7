/**
 * Sends the outbox's deliveries. Any node may run it, any number at once:
 * 1. Due deliveries are **claimed** for a lease in one statement (`FOR UPDATE SKIP LOCKED`:
 *    two dispatchers never take the same row), which counts the attempt.
 * 2. Each is POSTed outside any transaction, signed (webhook-signature.ts), through the egress
 *    policy, with a time limit; an endpoint's deliveries go one after another, oldest first.
 * 3. A 2xx marks it delivered; anything else (a status, a refused or failed connection) marks
 *    the attempt failed and schedules the next with exponential back-off, until the attempts
 *    are spent and it is failed for good (shown on the endpoint's page, sent again on request).
 * A node killed between claim and mark leaves a lease that lapses: another node sends it then,
 * so nothing is lost. Killed after the receiver answered but before the mark, the delivery
 * comes again: receivers drop repeats by the `Tresor-Delivery` id (at-least-once, as Stripe's
 * and GitHub's webhooks are).
 */
import type { KeyService } from '../crypto/key.service.ts';
import type { Database } from '../db/client.ts';
import { isTresorError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { EgressPolicy } from '../net/egress-policy.ts';
import { outboundHttps } from '../net/outbound-https.ts';
import { openSigningSecret } from './signing-secret.seal.ts';
import { type DeliveryRow, type EndpointRow, webhookStore } from './webhook.store.ts';
import { deliveryHeader, eventHeader, signatureHeader, signWebhook } from './webhook-signature.ts';

export interface DeliveryRunOptions {
  /** The time the run takes as now (tests move it; the scheduler passes the clock). */
  now?: Date;
  /** How long a claim holds before another node may send the delivery. */
  leaseMs?: number;
}

export interface DeliveryRunResult {
  delivered: number;
  /** Attempts that failed and will be tried again. */
  retrying: number;
  /** Deliveries given up on this run (their attempts are spent). */
  failed: number;
}

const batchSize = 100;

/** The wait before attempt `attempt + 1`: 30 s doubling, at most 6 h, ±20 % so retries of many spread out. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 6 * 3_600_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** The body an endpoint receives: what happened, to which secret, by whom — names and ids, never a value. */
export function deliveryBody(delivery: Pick<DeliveryRow, 'id' | 'event' | 'createdAt' | 'payload'>): string {
  return JSON.stringify({
    id: String(delivery.id),
    event: delivery.event,
    createdAt: delivery.createdAt.toISOString(),
    data: delivery.payload,
  });
}

export function webhookDispatcherFactory({
  db,
  keys,
  egress,
  ca,
  logger,
  settings,
}: {
  db: Database;
  keys: Pick<KeyService, 'ringFor'>;
  egress: EgressPolicy;
  ca: string | undefined;
  logger: Logger;
  settings: { maxAttempts: number; timeoutMs: number };
}) {
  let running: Promise<DeliveryRunResult> | undefined;

  async function send(endpoint: EndpointRow, delivery: DeliveryRow) {
    const body = deliveryBody(delivery);
    try {
      const secret = openSigningSecret(await keys.ringFor(endpoint.kekVersion), endpoint);
      const response = await outboundHttps({
        url: new URL(endpoint.url),
        method: 'POST',
        egress,
        ...(ca ? { ca } : {}),
        timeoutMs: settings.timeoutMs,
        maxBodyBytes: 64 * 1024,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tresor-Webhooks/1',
          [deliveryHeader]: String(delivery.id),
          [eventHeader]: delivery.event,
          [signatureHeader]: signWebhook(secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
      });
      if (response.status >= 200 && response.status < 300) return { ok: true as const, status: response.status };
      return { ok: false as const, status: response.status, error: `The endpoint answered HTTP ${response.status}` };
    } catch (error) {
      // Egress refusals and connection failures name the host and the reason, never a header.
      const message = isTresorError(error) ? error.message : 'The delivery could not be sent';
      if (!isTresorError(error)) logger.error({ err: error, delivery: delivery.id }, 'webhook delivery failed');
      return { ok: false as const, status: null, error: message };
    }
  }

  /**
   * A claim outlives every send made under it: a send starts only while its whole deadline
   * still fits in the lease (with a margin), so no other node can claim a delivery that is
   * still being sent. What does not fit is given back for the next run.
   */
  const leaseMargin = 5_000;
  const leaseFor = (options: DeliveryRunOptions) =>
    options.leaseMs ?? Math.max(60_000, 3 * settings.timeoutMs + leaseMargin);

  async function runOnce(options: DeliveryRunOptions): Promise<DeliveryRunResult> {
    const result: DeliveryRunResult = { delivered: 0, retrying: 0, failed: 0 };
    for (;;) {
      const now = options.now ?? new Date();
      const leaseMs = leaseFor(options);
      const claimedAt = Date.now();
      const claimed = await webhookStore.claimDue(db, now, new Date(now.getTime() + leaseMs), batchSize);
      if (claimed.length === 0) break;
      const endpoints = await webhookStore.endpointsByIds(
        db,
        claimed.map((d) => d.endpointId),
      );
      const byEndpoint = new Map<string, DeliveryRow[]>();
      for (const d of claimed) byEndpoint.set(d.endpointId, [...(byEndpoint.get(d.endpointId) ?? []), d]);
      await Promise.all(
        [...byEndpoint].map(async ([endpointId, deliveries]) => {
          const endpoint = endpoints.get(endpointId);
          if (!endpoint) return; // removed meanwhile: its deliveries went with it
          // Each endpoint on its own: a slow or failing one holds none of the others' deliveries.
          for (const [index, delivery] of deliveries.entries()) {
            const rest = deliveries.slice(index).map((d) => d.id);
            if (Date.now() - claimedAt + settings.timeoutMs + leaseMargin > leaseMs) {
              await webhookStore.release(db, rest);
              break;
            }
            const outcome = await send(endpoint, delivery);
            const at = options.now ?? new Date();
            if (outcome.ok) {
              await webhookStore.markDelivered(db, delivery.id, outcome.status, at);
              result.delivered++;
              continue;
            }
            const spent = delivery.attempts >= settings.maxAttempts;
            await webhookStore.markAttemptFailed(db, delivery.id, {
              status: outcome.status,
              error: outcome.error,
              retryAt: spent ? undefined : new Date(at.getTime() + backoffMs(delivery.attempts)),
            });
            if (spent) result.failed++;
            else result.retrying++;
            // An endpoint that did not answer in time is not tried again in this run.
            if (outcome.status === null) {
              await webhookStore.release(db, rest.slice(1));
              break;
            }
          }
        }),
      );
      if (claimed.length < batchSize) break;
    }
    return result;
  }

  return {
    /** One run over every delivery due; a second call while one runs waits for it. */
    run(options: DeliveryRunOptions = {}): Promise<DeliveryRunResult> {
      running ??= runOnce(options).finally(() => {
        running = undefined;
      });
      return running;
    },

    /** Forgets delivered and failed deliveries older than `days` (pending ones stay until sent or given up). */
    prune(days: number, now = new Date()): Promise<number> {
      return webhookStore.prune(db, new Date(now.getTime() - days * 86_400_000));
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof webhookDispatcherFactory>;
