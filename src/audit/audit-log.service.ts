/**
 * Reading the trail: query, export, verify, compare with an export, reconcile shares. Every
 * call needs AUDIT_READ, asked of the access gate (which is built after the audit writer:
 * the gate records its refusals with it).
 */
import type { AccessGate } from '../access/access.gate.ts';
import type { Database } from '../db/client.ts';
import type { Principal } from '../identity/principal.ts';
import type { AuditWriter } from './audit.service.ts';
import { type AuditQuery, type AuditRow, auditStore } from './audit.store.ts';
import { type NamedAuditEntry, namedEntries } from './audit-names.ts';
import { type VerifyResult, verifyChain } from './audit-verify.ts';

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

/**
 * An exported row: the entry plus where it sits in the chain, so a copy kept elsewhere can later prove the trail was
 * not rewritten.
 */
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

/**
 * Reading the trail: every call needs AUDIT_READ, asked of the access gate (built after the writer, which the gate
 * records refusals with).
 */
export function auditLogServiceFactory({ db, gate }: { db: Database; gate: Pick<AccessGate, 'require'> }) {
  const requireAuditRead = async (principal: Principal, what: string) => {
    await gate.require(principal, 'AUDIT_READ', what, { mode: 'read' });
  };
  return {
    async query(principal: Principal, q: Partial<AuditQuery> = {}): Promise<AuditEntry[]> {
      await requireAuditRead(principal, 'Reading the audit log');
      return (await auditStore.query(db, { ...q, limit: Math.min(Math.max(q.limit ?? 100, 1), 1000) })).map(entryOf);
    },

    /**
     * A page of the trail for people to read: each row with its actor (and whom it acted for)
     * by today's name and e-mail, whether its secret still exists, and what changed (names of
     * fields, never values); `newer` / `older` say whether there is a page on either side.
     */
    async browse(
      principal: Principal,
      q: Omit<AuditQuery, 'limit'> & { limit?: number },
    ): Promise<{ entries: NamedAuditEntry[]; newer: boolean; older: boolean }> {
      await requireAuditRead(principal, 'Reading the audit log');
      const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
      const rows = await auditStore.query(db, { ...q, limit });
      const { before: _before, after: _after, limit: _limit, ...filter } = { ...q, limit };
      const [newer, older] =
        rows.length === 0
          ? [q.before !== undefined, q.after !== undefined]
          : await Promise.all([
              auditStore.hasRowBeyond(db, filter, 'newer', rows[0]!.id),
              auditStore.hasRowBeyond(db, filter, 'older', rows.at(-1)!.id),
            ]);
      return { entries: await namedEntries(db, rows.map(entryOf)), newer, older };
    },

    /** What the filters of the audit page offer: every user (by name and e-mail) and recently audited secrets. */
    async filterChoices(
      principal: Principal,
    ): Promise<{ people: { id: string; email: string; displayName: string }[]; secretNames: string[] }> {
      await requireAuditRead(principal, 'Reading the audit log');
      const [people, secretNames] = await Promise.all([auditStore.people(db), auditStore.recentSecretNames(db, 200)]);
      return { people, secretNames };
    },

    /** Every row in chain order, with its lane and hashes, for export (JSON lines to a SIEM). */
    async *export(principal: Principal): AsyncGenerator<ExportedEntry> {
      await requireAuditRead(principal, 'Exporting the audit log');
      for (let after = 0; ; ) {
        const page = await auditStore.page(db, after, 1000);
        if (page.length === 0) return;
        for (const row of page)
          yield {
            ...entryOf(row),
            lane: row.lane,
            prevHash: row.prevHash.toString('hex'),
            hash: row.hash.toString('hex'),
          };
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
        const stored = await auditStore.hashesOf(
          db,
          chunk.map((e) => e.id),
        );
        for (const e of chunk) {
          rows++;
          const hash = stored.get(e.id);
          if (!hash)
            return {
              ok: false,
              rows,
              firstBad: { id: e.id, problem: 'is in the exported copy but gone from the trail: it was deleted' },
            };
          if (hash.toString('hex') !== e.hash)
            return {
              ok: false,
              rows,
              firstBad: {
                id: e.id,
                problem: 'differs from the exported copy: the trail was rewritten after the export',
              },
            };
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
    async unexplainedShares(
      principal: Principal,
    ): Promise<{ secretId: string; recipientKind: string; recipientId: string }[]> {
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

/** The whole trail as the Tresor object offers it: writing (every service) and reading (AUDIT_READ). */
export type AuditTrail = AuditWriter & AuditLog;
