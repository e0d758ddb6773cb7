/** Database access for the audit trail: chained appends, queries, and the walk for verification. */
import { and, asc, desc, eq, gt, gte, inArray, lt, lte, notInArray, type SQL, sql } from 'drizzle-orm';
import { changeChannel } from '../cluster/change-bus.ts';
import type { DatabaseHandle, Executor } from '../db/client.ts';
import { runText } from '../db/compiled.ts';
import { auditChainHead, auditEvents, groups, secrets, users } from '../db/schema/index.ts';
import { appendBatch, type Content } from './audit-chain.ts';
import { observationActions } from './audit-events.ts';

type Driver = DatabaseHandle['driver'];

export type AuditRow = typeof auditEvents.$inferSelect;
export type NewAuditRow = typeof auditEvents.$inferInsert;

export interface AuditQuery {
  actorId?: string;
  targetId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  /** Rows about a secret of this name (any letter case), as the trail recorded it. */
  targetName?: string;
  /**
   * Rows about this space: the space itself, its secrets, and those deleted from it (their
   * `secret.deleted` row names the space).
   */
  spaceId?: string;
  /** Only rows that changed something (no reads, uses, tests, refusals, sign-ins: `observationActions`). */
  changesOnly?: boolean;
  /** Rows with an id below this (newest first paging: the older page). */
  before?: number;
  /** Rows with an id above this (the newer page; still answered newest first). */
  after?: number;
  limit: number;
}

/** Who and what the ids of some rows name today (a user renamed shows the new name). */
export interface AuditNames {
  users: Map<string, { email: string; displayName: string }>;
  groups: Map<string, string>;
  /** Secrets that still exist, by id. */
  secrets: Set<string>;
}

/** The in-change append with `count` notices beside it, its text built once per count. */
const appendTexts: string[] = [];
function appendText(count: number): string {
  appendTexts[count] ??= `select tresor_audit_append($1, $2)${Array.from(
    { length: count },
    (_, i) => `, pg_notify('${changeChannel}', $${i + 3})`,
  ).join('')}`;
  return appendTexts[count];
}

export const auditStore = {
  /**
   * Appends rows to the chain in one round trip: the database function locks a free lane's
   * head, links each row to the one before in that lane and moves the head, in the caller's
   * transaction (which keeps to that lane for any later append). Not `durable`: that
   * transaction commits without waiting for the WAL flush. `notices`: payloads NOTIFYed on the
   * change channel in the same statement (a change's notice), saving their round trips. The
   * text depends only on how many there are, so it is prepared once per count.
   */
  async append(
    db: Executor,
    rows: readonly Content[],
    { durable, notices = [] }: { durable: boolean; notices?: readonly string[] },
  ): Promise<void> {
    if (rows.length === 0) return;
    await runText(db, appendText(notices.length), [appendBatch(rows), durable, ...notices]);
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
    if (q.changesOnly) where.push(notInArray(auditEvents.action, [...observationActions]));
    if (q.from) where.push(gte(auditEvents.at, q.from));
    if (q.to) where.push(lte(auditEvents.at, q.to));
    if (q.targetName) where.push(sql`lower(${auditEvents.targetName}) = lower(${q.targetName})`);
    if (q.spaceId)
      where.push(sql`(${auditEvents.targetId} = ${q.spaceId}
        or ${auditEvents.targetId} in (select ${secrets.id}::text from ${secrets}
          where ${secrets.spaceId} = ${q.spaceId})
        or ${auditEvents.targetId} in (select d.target_id from ${auditEvents} d
          where d.action = 'secret.deleted' and d.details->>'spaceId' = ${q.spaceId}))`);
    if (q.before) where.push(lt(auditEvents.id, q.before));
    if (q.after) {
      // The page just newer than `after`: the oldest rows above it, turned newest first.
      where.push(gt(auditEvents.id, q.after));
      const rows = await db
        .select()
        .from(auditEvents)
        .where(and(...where))
        .orderBy(asc(auditEvents.id))
        .limit(q.limit);
      return rows.reverse();
    }
    return db
      .select()
      .from(auditEvents)
      .where(and(...where))
      .orderBy(desc(auditEvents.id))
      .limit(q.limit);
  },

  /** Whether any row is newer than `id` or older than `id` under the same filters (for paging links). */
  async hasRowBeyond(
    db: Executor,
    q: Omit<AuditQuery, 'limit' | 'before' | 'after'>,
    side: 'newer' | 'older',
    id: number,
  ) {
    const rows = await this.query(db, { ...q, limit: 1, ...(side === 'newer' ? { after: id } : { before: id }) });
    return rows.length > 0;
  },

  async namesOf(
    db: Executor,
    ids: { users: readonly string[]; groups: readonly string[]; secrets: readonly string[] },
  ): Promise<AuditNames> {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const only = (list: readonly string[]) => [...new Set(list.filter((id) => uuid.test(id)))];
    const [userIds, groupIds, secretIds] = [only(ids.users), only(ids.groups), only(ids.secrets)];
    const [userRows, groupRows, secretRows] = await Promise.all([
      userIds.length === 0
        ? []
        : db
            .select({ id: users.id, email: users.email, displayName: users.displayName })
            .from(users)
            .where(inArray(users.id, userIds)),
      groupIds.length === 0
        ? []
        : db.select({ id: groups.id, name: groups.name }).from(groups).where(inArray(groups.id, groupIds)),
      secretIds.length === 0 ? [] : db.select({ id: secrets.id }).from(secrets).where(inArray(secrets.id, secretIds)),
    ]);
    return {
      users: new Map(userRows.map((u) => [u.id, { email: u.email, displayName: u.displayName }])),
      groups: new Map(groupRows.map((g) => [g.id, g.name])),
      secrets: new Set(secretRows.map((r) => r.id)),
    };
  },

  /** A secret's own latest rows of these actions, newest first (its story on its page). */
  async ofSecret(db: Executor, secretId: string, actions: readonly string[], limit: number): Promise<AuditRow[]> {
    return db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.targetId, secretId), inArray(auditEvents.action, [...actions])))
      .orderBy(desc(auditEvents.id))
      .limit(limit);
  },

  /**
   * Which modules used a secret, for whom, when last and how often — over its latest `window`
   * uses, so a secret used millions of times costs one bounded index range, not a scan.
   */
  async usesOf(
    db: Executor,
    secretId: string,
    window: number,
  ): Promise<
    {
      module: string | null;
      principal: string | null;
      actorId: string | null;
      actorLabel: string;
      lastAt: Date;
      uses: number;
    }[]
  > {
    const result = await db.execute(sql`
      select module, principal, actor_id, actor_label, max(at) as last_at, count(*)::int as uses from (
        select module, principal, actor_id::text as actor_id, actor_label, at from audit_events
        where target_id = ${secretId} and action = 'secret.used' order by id desc limit ${window}
      ) recent group by module, principal, actor_id, actor_label order by max(at) desc limit 50`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
      module: string | null;
      principal: string | null;
      actor_id: string | null;
      actor_label: string;
      last_at: Date | string;
      uses: number;
    }[];
    return rows.map((r) => ({
      module: r.module,
      principal: r.principal,
      actorId: r.actor_id,
      actorLabel: r.actor_label,
      lastAt: r.last_at instanceof Date ? r.last_at : new Date(r.last_at),
      uses: Number(r.uses),
    }));
  },

  /** Every user, by name, for picking whose actions to see. */
  async people(db: Executor): Promise<{ id: string; email: string; displayName: string }[]> {
    return db
      .select({ id: users.id, email: users.email, displayName: users.displayName })
      .from(users)
      .orderBy(asc(users.displayName), asc(users.email));
  },

  /** Names of secrets in the latest rows of the trail, most recent first (the filter's suggestions). */
  async recentSecretNames(db: Executor, limit: number): Promise<string[]> {
    const result = await db.execute(sql`
      select target_name from (
        select target_name, id from audit_events
        where action like 'secret.%' and target_id is not null and target_name is not null
        order by id desc limit 5000
      ) recent group by target_name order by max(id) desc limit ${limit}`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { target_name: string }[];
    return rows.map((r) => r.target_name);
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
