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
import type { Database, DatabaseHandle, Executor } from '../db/client.ts';
import type { AccessGate } from '../access/access.gate.ts';
import type { Principal } from '../identity/principal.ts';
import { announce, type Change } from '../cluster/change-bus.ts';
import { currentAuditContext } from './audit-context.ts';
import { groupCommit } from './group-commit.ts';
import { type VerifyResult, verifyChain } from './audit-verify.ts';
import type { AuditEvent, Outcome } from './audit-events.ts';
import { type AuditQuery, type AuditRow, auditStore, type NewAuditRow } from './audit.store.ts';

export interface AuditRecord {
  event: AuditEvent;
  actor: Principal;
  /** Who the action was for, when a module acts for someone else. */
  actedFor?: Principal;
  outcome?: Outcome;
}

export interface AuditEntry {
  id: number;
  at: Date;
  actorId: string | null;
  actor: string;
  principal: string | null;
  action: string;
  targetId: string | null;
  targetName: string | null;
  outcome: string;
  module: string | null;
  requestId: string | null;
  clientAddress: string | null;
  details: unknown;
}

const label = (p: Principal) => (p.kind === 'system' ? 'system' : `${p.kind}:${p.id}`);

/** Text from outside (a probed name, a typed e-mail) may hold NUL, which PostgreSQL text and jsonb refuse. */
function clean<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\uFFFD') as T;
  if (Array.isArray(value)) return value.map(clean) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v)])) as T;
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

/** What a recorded change means for the nodes' caches. */
function changeOf(event: AuditEvent): Change | undefined {
  const [kind] = event.action.split('.');
  // Uses, reads and refusals change nothing: caches stay.
  const unchanged = event.action === 'secret.used' || event.action === 'secret.read' || event.action === 'secret.update_refused';
  if (kind === 'secret' && !unchanged && event.target.id) return { scope: 'secret', id: event.target.id };
  // Tokens too: a revoked token must stop working on every node at once.
  if (kind === 'membership' || kind === 'permission' || kind === 'user' || kind === 'group' || event.action === 'token.revoked') return { scope: 'principals' };
  return undefined;
}

/** An exported row: the entry plus where it sits in the chain, so a copy kept elsewhere can later prove the trail was not rewritten. */
export interface ExportedEntry extends AuditEntry {
  lane: number;
  prevHash: string;
  hash: string;
}

/** What `compareWithExport` reads of each exported row. */
export interface ExportedHash {
  id: number;
  hash: string;
}

export const entryOf = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: r.at,
  actorId: r.actorId,
  actor: r.actorLabel,
  principal: r.principal,
  action: r.action,
  targetId: r.targetId,
  targetName: r.targetName,
  outcome: r.outcome,
  module: r.module,
  requestId: r.requestId,
  clientAddress: r.clientAddress,
  details: r.details,
});

export interface AuditOptions {
  db: Database;
  /** The driver itself, for group commit's batches (see auditStore.appendAlone). */
  driver: DatabaseHandle['driver'];
  /** Whether rows written by group commit (uses, denials, logins) wait for the WAL flush; changes always do. */
  durability?: 'flush' | 'commit';
  maxBatch?: number;
  maxInFlight?: number;
  onAnnounce?: (change: Change) => void;
}

export function auditServiceFactory({ db, driver, durability = 'flush', maxBatch = 500, maxInFlight = 2, onAnnounce }: AuditOptions) {
  const batches = groupCommit((rows: ReturnType<typeof rowOf>[]) => auditStore.appendAlone(driver, rows, { durable: durability === 'flush' }), { maxBatch, maxInFlight });

  return {
    /** Appends inside the caller's transaction: the change and its record commit together. */
    async appendInTx(tx: Executor, records: AuditRecord[]): Promise<void> {
      await auditStore.append(tx, records.map(rowOf), { durable: true });
      // Every change is on record here, so this is also where the nodes are told of it.
      const changes = new Map<string, Change>();
      for (const r of records) {
        const change = changeOf(r.event);
        if (change) changes.set(change.scope === 'secret' ? `secret:${change.id}` : change.scope, change);
      }
      for (const change of changes.values()) {
        onAnnounce?.(change);
        await announce(tx, change);
      }
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

/** Reading the trail: every call needs AUDIT_READ, asked of the access gate (built after the writer, which the gate records refusals with). */
export function auditLogServiceFactory({ db, gate }: { db: Database; gate: Pick<AccessGate, 'require'> }) {
  const requireAuditRead = async (principal: Principal, what: string) => {
    await gate.require(principal, 'AUDIT_READ', what, { mode: 'read' });
  };
  return {
    async query(principal: Principal, q: Partial<AuditQuery> = {}): Promise<AuditEntry[]> {
      await requireAuditRead(principal, 'Reading the audit log');
      return (await auditStore.query(db, { ...q, limit: Math.min(Math.max(q.limit ?? 100, 1), 1000) })).map(entryOf);
    },

    /** Every row in chain order, with its lane and hashes, for export (JSON lines to a SIEM). */
    async *export(principal: Principal): AsyncGenerator<ExportedEntry> {
      await requireAuditRead(principal, 'Exporting the audit log');
      for (let after = 0; ; ) {
        const page = await auditStore.page(db, after, 1000);
        if (page.length === 0) return;
        for (const row of page) yield { ...entryOf(row), lane: row.lane, prevHash: row.prevHash.toString('hex'), hash: row.hash.toString('hex') };
        after = page.at(-1)!.id;
      }
    },

    /**
     * Compares the trail with an exported copy kept elsewhere: every exported row must still
     * be there with the same hash. The chain alone cannot catch someone who rewrote a row and
     * every later row and head; a copy they could not reach can.
     */
    async compareWithExport(principal: Principal, exported: AsyncIterable<ExportedHash>): Promise<VerifyResult> {
      await requireAuditRead(principal, 'Comparing the audit log');
      let rows = 0;
      let chunk: ExportedHash[] = [];
      const check = async (): Promise<VerifyResult | undefined> => {
        const stored = await auditStore.hashesOf(db, chunk.map((e) => e.id));
        for (const e of chunk) {
          rows++;
          const hash = stored.get(e.id);
          if (!hash) return { ok: false, rows, firstBad: { id: e.id, problem: 'is in the exported copy but gone from the trail: it was deleted' } };
          if (hash.toString('hex') !== e.hash) return { ok: false, rows, firstBad: { id: e.id, problem: 'differs from the exported copy: the trail was rewritten after the export' } };
        }
        chunk = [];
        return undefined;
      };
      for await (const entry of exported) {
        chunk.push(entry);
        if (chunk.length === 1000) {
          const bad = await check();
          if (bad) return bad;
        }
      }
      return (await check()) ?? { ok: true, rows };
    },

    /**
     * Shares with no explanation in the trail: every current share must be the latest
     * shared/unshared event for its secret and recipient. A share edited in the database
     * (pointed at another user, say) shows up here.
     */
    async unexplainedShares(principal: Principal): Promise<{ secretId: string; recipientKind: string; recipientId: string }[]> {
      await requireAuditRead(principal, 'Reconciling shares');
      return auditStore.unexplainedShares(db);
    },

    /** Walks the chain; reports the first row edited, inserted, deleted or cut off the end. */
    async verify(principal: Principal): Promise<VerifyResult> {
      await requireAuditRead(principal, 'Verifying the audit log');
      return verifyChain(db);
    },
  };
}

export type AuditLog = ReturnType<typeof auditLogServiceFactory>;

/** The trail: writing (every service) and reading (AUDIT_READ). */
export type AuditService = AuditWriter & AuditLog;
