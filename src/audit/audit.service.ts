/**
 * The audit trail. Fail closed, as Vault is: an operation returns only after its audit row
 * is committed (and flushed, unless TRESOR_AUDIT_DURABILITY=commit lets reads skip the
 * flush wait), and fails if the row cannot be written.
 * - Changes append their row inside their own transaction (`appendInTx`): no row, no change.
 * - Reads that must be audited (use, denials, logins) go through group commit (`write`):
 *   rows from concurrent calls are inserted together, and each call waits for its batch.
 * Tamper-evident: rows are hash-chained in the database (see audit.store `append`); `verify`
 * finds the first row edited, inserted or deleted out of order, or cut off the end.
 */

import { type Change, noticesToSend } from '../cluster/change-bus.ts';
import type { DatabaseHandle, Executor } from '../db/client.ts';
import { isDataException } from '../db/errors.ts';
import type { Principal } from '../identity/principal.ts';
import { wellFormed } from '../text/well-formed.ts';
import { auditStore, type NewAuditRow } from './audit.store.ts';
import { auditCatalog } from './audit-catalog.ts';
import { currentAuditContext } from './audit-context.ts';
import type { AuditEvent, Outcome } from './audit-events.ts';
import { groupCommit } from './group-commit.ts';

export interface AuditRecord {
  event: AuditEvent;
  actor: Principal;
  /** Who the action was for, when a module acts for someone else. */
  actedFor?: Principal;
  outcome?: Outcome;
}

const label = (p: Principal) => (p.kind === 'system' ? 'system' : `${p.kind}:${p.id}`);

/**
 * Text from outside (a probed name, a typed e-mail) may hold NUL or a lone surrogate, which
 * PostgreSQL text and jsonb refuse: stored as U+FFFD, so the row (a refusal, a failed login)
 * is still written, and never fails the other rows of its batch.
 */
function clean<T>(value: T): T {
  if (typeof value === 'string') return wellFormed(value.replaceAll('\u0000', '\uFFFD')) as T;
  if (Array.isArray(value)) return value.map(clean) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [clean(k), clean(v)])) as T;
  return value;
}

function rowOf(record: AuditRecord): Omit<NewAuditRow, 'id' | 'prevHash' | 'hash'> {
  const context = currentAuditContext();
  return {
    at: new Date(),
    actorId: record.actor.kind === 'user' ? record.actor.id : null,
    actorLabel: label(record.actor),
    principal: record.actedFor ? label(record.actedFor) : null,
    action: record.event.action,
    targetId: record.event.target.id,
    targetName: clean(record.event.target.name),
    outcome: record.outcome ?? 'success',
    module: context.module ?? null,
    requestId: context.requestId ?? null,
    clientAddress: context.clientAddress ?? null,
    details: clean(record.event.details),
  };
}

/** What a recorded change means for the nodes' caches (the catalog says, per action). */
function changeOf(event: AuditEvent): Change | undefined {
  const { cache } = auditCatalog[event.action];
  if (cache === 'secret' && event.target.id) return { scope: 'secret', id: event.target.id };
  if (cache === 'principals') return { scope: 'principals' };
  return undefined;
}

export interface AuditOptions {
  /** The driver itself, for group commit's batches (see auditStore.appendAlone). */
  driver: DatabaseHandle['driver'];
  /** Whether rows written by group commit (uses, denials, logins) wait for the WAL flush; changes always do. */
  durability?: 'flush' | 'commit';
  maxBatch?: number;
  maxInFlight?: number;
  gatherMs?: number;
  onAnnounce?: (change: Change) => void;
}

export function auditServiceFactory({
  driver,
  durability = 'flush',
  maxBatch = 500,
  maxInFlight = 2,
  gatherMs = 0,
  onAnnounce,
}: AuditOptions) {
  const batches = groupCommit(
    (rows: ReturnType<typeof rowOf>[]) => auditStore.appendAlone(driver, rows, { durable: durability === 'flush' }),
    // A value the database refused (class 22) is one row's fault: the others still commit.
    { maxBatch, maxInFlight, gatherMs, isolates: isDataException },
  );

  return {
    /** Appends inside the caller's transaction: the change and its record commit together. */
    async appendInTx(tx: Executor, records: AuditRecord[]): Promise<void> {
      // Every change is on record here, so this is also where the nodes are told of it: in
      // the same statement as the rows (one round trip), delivered when the change commits.
      const changes = new Map<string, Change>();
      for (const r of records) {
        const change = changeOf(r.event);
        if (change) changes.set(change.scope === 'secret' ? `secret:${change.id}` : change.scope, change);
      }
      for (const change of changes.values()) onAnnounce?.(change);
      await auditStore.append(tx, records.map(rowOf), {
        durable: true,
        notices: noticesToSend(tx, changes.values()),
      });
    },

    /** Group commit: resolves once the row is written (see `durability`); rejects (fail closed) if it cannot be. */
    write(record: AuditRecord): Promise<void> {
      return batches.add(rowOf(record));
    },

    /** Batches and rows written by group commit so far (for tests and benchmarks). */
    stats: () => {
      const { batches: written, items } = batches.stats();
      return { batches: written, rows: items };
    },
  };
}

export type AuditWriter = ReturnType<typeof auditServiceFactory>;

/** What services write the trail with (reading it is audit-log.service.ts). */
export type AuditService = AuditWriter;
