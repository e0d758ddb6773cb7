/** Database access for the audit trail: chained appends, queries, and the walk for verification. */
import { and, asc, desc, eq, gte, inArray, lt, lte, type SQL, sql } from 'drizzle-orm';
import type { DatabaseHandle, Executor } from '../db/client.ts';
import { auditChainHead, auditEvents } from '../db/schema/index.ts';
import { appendBatch, type Content } from './audit-chain.ts';

type Driver = DatabaseHandle['driver'];

export type AuditRow = typeof auditEvents.$inferSelect;
export type NewAuditRow = typeof auditEvents.$inferInsert;

export interface AuditQuery {
  actorId?: string;
  targetId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  /** Rows with an id below this (newest first paging). */
  before?: number;
  limit: number;
}

export const auditStore = {
  /**
   * Appends rows to the chain in one round trip: the database function locks a free lane's
   * head, links each row to the one before in that lane and moves the head, in the caller's
   * transaction (which keeps to that lane for any later append). Not
   * `durable`: that transaction commits without waiting for the WAL flush. `alongside`:
   * expressions evaluated in the same statement (a change's NOTIFY), saving their round trips.
   */
  async append(
    db: Executor,
    rows: readonly Content[],
    { durable, alongside = [] }: { durable: boolean; alongside?: SQL[] },
  ): Promise<void> {
    if (rows.length === 0) return;
    const append = sql`tresor_audit_append(${appendBatch(rows)}, ${durable})`;
    await db.execute(sql`select ${sql.join([append, ...alongside], sql`, `)}`);
  },

  /**
   * The same append as its own statement (so its own transaction) straight through the
   * driver: group commit runs it for every batch of uses, where the ORM's query building
   * would cost more than the statement. On PostgreSQL it is a prepared statement.
   */
  async appendAlone(driver: Driver, rows: readonly Content[], { durable }: { durable: boolean }): Promise<void> {
    if (rows.length === 0) return;
    const batch = appendBatch(rows);
    if (driver.kind === 'postgres') await driver.client`select tresor_audit_append(${batch}, ${durable})`;
    else await driver.client.query('select tresor_audit_append($1, $2)', [batch, durable]);
  },

  /** Each lane's head: the last row appended to it through Tresor and its hash. */
  async heads(db: Executor): Promise<Map<number, { lastId: number; hash: Buffer }>> {
    const rows = await db
      .select({ lane: auditChainHead.id, lastId: auditChainHead.lastId, hash: auditChainHead.hash })
      .from(auditChainHead);
    return new Map(rows.map((r) => [r.lane, { lastId: r.lastId, hash: r.hash }]));
  },

  async query(db: Executor, q: AuditQuery): Promise<AuditRow[]> {
    const where: SQL[] = [];
    if (q.actorId) where.push(eq(auditEvents.actorId, q.actorId));
    if (q.targetId) where.push(eq(auditEvents.targetId, q.targetId));
    if (q.action) where.push(eq(auditEvents.action, q.action));
    if (q.from) where.push(gte(auditEvents.at, q.from));
    if (q.to) where.push(lte(auditEvents.at, q.to));
    if (q.before) where.push(lt(auditEvents.id, q.before));
    return db
      .select()
      .from(auditEvents)
      .where(and(...where))
      .orderBy(desc(auditEvents.id))
      .limit(q.limit);
  },

  /** Current shares whose latest shared/unshared audit event is not a "shared" for the same secret and recipient. */
  async unexplainedShares(db: Executor): Promise<{ secretId: string; recipientKind: string; recipientId: string }[]> {
    const result = await db.execute(sql`
      with current_shares as (
        select secret_id::text as secret_id, case when user_id is null then 'group' else 'user' end as kind,
          coalesce(user_id, group_id)::text as recipient from secret_shares
      ), latest as (
        select distinct on (target_id, details->>'recipientKind', details->>'recipientId') target_id,
          details->>'recipientKind' as kind, details->>'recipientId' as recipient, action
        from audit_events where action in ('secret.shared', 'secret.unshared') order by target_id,
          details->>'recipientKind', details->>'recipientId', id desc
      )
      select c.secret_id, c.kind, c.recipient from current_shares c
      left join latest l on l.target_id = c.secret_id and l.kind = c.kind and l.recipient = c.recipient
        and l.action = 'secret.shared'
      where l.target_id is null`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
      secret_id: string;
      kind: string;
      recipient: string;
    }[];
    return rows.map((r) => ({ secretId: r.secret_id, recipientKind: r.kind, recipientId: r.recipient }));
  },

  /** The stored hash of each of these rows (absent: the row is gone). */
  async hashesOf(db: Executor, ids: readonly number[]): Promise<Map<number, Buffer>> {
    if (ids.length === 0) return new Map();
    const rows = await db
      .select({ id: auditEvents.id, hash: auditEvents.hash })
      .from(auditEvents)
      .where(inArray(auditEvents.id, [...ids]));
    return new Map(rows.map((r) => [r.id, r.hash]));
  },

  /** Rows in chain order, a page at a time (for verify and export). */
  async page(db: Executor, afterId: number, limit: number): Promise<AuditRow[]> {
    return db
      .select()
      .from(auditEvents)
      .where(sql`${auditEvents.id} > ${afterId}`)
      .orderBy(asc(auditEvents.id))
      .limit(limit);
  },
};
