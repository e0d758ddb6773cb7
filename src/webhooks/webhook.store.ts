/** Database access for webhook endpoints and their deliveries (the outbox the audit trigger fills). */
import { and, count, desc, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { webhookDeliveries, webhookEndpoints } from '../db/schema/index.ts';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** A claimed delivery with what sending it needs from its endpoint. */
export interface ClaimedDelivery {
  delivery: DeliveryRow;
  endpoint: EndpointRow;
}

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

export const webhookStore = {
  async insert(db: Executor, row: typeof webhookEndpoints.$inferInsert): Promise<EndpointRow> {
    const [inserted] = await db.insert(webhookEndpoints).values(row).returning();
    return inserted!;
  },

  async endpoint(db: Executor, id: string, options: { lock?: boolean } = {}): Promise<EndpointRow | undefined> {
    const query = db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    const [row] = options.lock ? await query.for('update') : await query;
    return row;
  },

  async endpoints(db: Executor): Promise<EndpointRow[]> {
    return db.select().from(webhookEndpoints).orderBy(webhookEndpoints.createdAt, webhookEndpoints.id);
  },

  /** Deliveries per endpoint and state (for the list: what is waiting, what failed). */
  async deliveryCounts(db: Executor): Promise<Map<string, Record<DeliveryState, number>>> {
    const rows = await db
      .select({ endpointId: webhookDeliveries.endpointId, state: webhookDeliveries.state, n: count() })
      .from(webhookDeliveries)
      .groupBy(webhookDeliveries.endpointId, webhookDeliveries.state);
    const out = new Map<string, Record<DeliveryState, number>>();
    for (const r of rows) {
      const counts = out.get(r.endpointId) ?? { pending: 0, delivered: 0, failed: 0 };
      counts[r.state as DeliveryState] = Number(r.n);
      out.set(r.endpointId, counts);
    }
    return out;
  },

  async update(db: Executor, id: string, set: Partial<typeof webhookEndpoints.$inferInsert>): Promise<EndpointRow> {
    const [row] = await db.update(webhookEndpoints).set(set).where(eq(webhookEndpoints.id, id)).returning();
    return row!;
  },

  async remove(db: Executor, id: string): Promise<void> {
    await db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  },

  /** An endpoint's latest deliveries, newest first; `before` pages to older ones. */
  async deliveries(db: Executor, endpointId: string, limit: number, before?: number): Promise<DeliveryRow[]> {
    return db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.endpointId, endpointId), before ? lt(webhookDeliveries.id, before) : undefined))
      .orderBy(desc(webhookDeliveries.id))
      .limit(limit);
  },

  /**
   * Claims up to `limit` due deliveries of enabled endpoints until `until`, counting the
   * attempt: a row another dispatcher holds (locked now, or claimed by a lease that has not
   * lapsed) is not returned. Oldest first, so an endpoint hears of changes in their order.
   */
  async claimDue(db: Executor, now: Date, until: Date, limit: number): Promise<DeliveryRow[]> {
    const result = await db.execute(sql`
      update webhook_deliveries d set claimed_until = ${until.toISOString()}::timestamptz, attempts = d.attempts + 1
      from (
        select w.id from webhook_deliveries w join webhook_endpoints e on e.id = w.endpoint_id and e.enabled
        where w.state = 'pending' and w.next_attempt_at <= ${now.toISOString()}::timestamptz
          and (w.claimed_until is null or w.claimed_until <= ${now.toISOString()}::timestamptz)
        order by w.id limit ${limit} for update of w skip locked
      ) due
      where d.id = due.id
      returning d.id`);
    const ids = rowsOf<{ id: number | string }>(result).map((r) => Number(r.id));
    if (ids.length === 0) return [];
    return db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, ids)).orderBy(webhookDeliveries.id);
  },

  /** Gives claimed deliveries back unsent (their attempt not counted), for the next run. */
  async release(db: Executor, ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await db
      .update(webhookDeliveries)
      .set({ claimedUntil: null, attempts: sql`${webhookDeliveries.attempts} - 1` })
      .where(and(inArray(webhookDeliveries.id, [...ids]), eq(webhookDeliveries.state, 'pending')));
  },

  async endpointsByIds(db: Executor, ids: readonly string[]): Promise<Map<string, EndpointRow>> {
    if (ids.length === 0) return new Map();
    const rows = await db
      .select()
      .from(webhookEndpoints)
      .where(inArray(webhookEndpoints.id, [...new Set(ids)]));
    return new Map(rows.map((r) => [r.id, r]));
  },

  async markDelivered(db: Executor, id: number, status: number, at: Date): Promise<void> {
    await db
      .update(webhookDeliveries)
      .set({ state: 'delivered', lastStatus: status, lastError: null, deliveredAt: at, claimedUntil: null })
      .where(eq(webhookDeliveries.id, id));
  },

  /** A failed attempt: tried again at `retryAt`, or given up (state failed) when that is undefined. */
  async markAttemptFailed(
    db: Executor,
    id: number,
    outcome: { status: number | null; error: string; retryAt: Date | undefined },
  ): Promise<void> {
    await db
      .update(webhookDeliveries)
      .set({
        state: outcome.retryAt ? 'pending' : 'failed',
        lastStatus: outcome.status,
        lastError: outcome.error,
        claimedUntil: null,
        ...(outcome.retryAt ? { nextAttemptAt: outcome.retryAt } : {}),
      })
      .where(eq(webhookDeliveries.id, id));
  },

  /** Sends a delivery again from its first attempt (an administrator asked); false when it is not this endpoint's. */
  async requeue(db: Executor, endpointId: string, deliveryId: number, now: Date): Promise<boolean> {
    const rows = await db
      .update(webhookDeliveries)
      .set({ state: 'pending', attempts: 0, nextAttemptAt: now, claimedUntil: null })
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId)))
      .returning({ id: webhookDeliveries.id });
    return rows.length > 0;
  },

  /** Forgets delivered and failed deliveries older than `before` (the outbox is not the audit trail). */
  async prune(db: Executor, before: Date): Promise<number> {
    const rows = await db
      .delete(webhookDeliveries)
      .where(and(ne(webhookDeliveries.state, 'pending'), lt(webhookDeliveries.createdAt, before)))
      .returning({ id: webhookDeliveries.id });
    return rows.length;
  },
};
