/** Database access for the audit trail: chained appends, queries, and the walk for verification. */
import { and, asc, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { auditEvents } from '../db/schema/index.ts';

export type AuditRow = typeof auditEvents.$inferSelect;
export type NewAuditRow = typeof auditEvents.$inferInsert;

/** One lock for the whole chain: appends from every node and transaction take turns. */
const chainLock = 0x61756474; // "audt"

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
  /** Takes the chain lock (until the transaction ends) and returns the last row's hash. */
  async lockChain(db: Executor): Promise<Buffer | undefined> {
    await db.execute(sql`select pg_advisory_xact_lock(${chainLock})`);
    const [last] = await db.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
    return last?.hash;
  },

  async insert(db: Executor, rows: NewAuditRow[]): Promise<void> {
    if (rows.length > 0) await db.insert(auditEvents).values(rows);
  },

  async query(db: Executor, q: AuditQuery): Promise<AuditRow[]> {
    const where: SQL[] = [];
    if (q.actorId) where.push(eq(auditEvents.actorId, q.actorId));
    if (q.targetId) where.push(eq(auditEvents.targetId, q.targetId));
    if (q.action) where.push(eq(auditEvents.action, q.action));
    if (q.from) where.push(gte(auditEvents.at, q.from));
    if (q.to) where.push(lte(auditEvents.at, q.to));
    if (q.before) where.push(lt(auditEvents.id, q.before));
    return db.select().from(auditEvents).where(and(...where)).orderBy(desc(auditEvents.id)).limit(q.limit);
  },

  /** Rows in chain order, a page at a time (for verify and export). */
  async page(db: Executor, afterId: number, limit: number): Promise<AuditRow[]> {
    return db.select().from(auditEvents).where(sql`${auditEvents.id} > ${afterId}`).orderBy(asc(auditEvents.id)).limit(limit);
  },
};
