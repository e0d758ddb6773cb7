/** The hash chain: each row's hash covers its content and the previous row's hash. */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../secrets/canonical-json.ts';
import type { AuditRow, NewAuditRow } from './audit.store.ts';

export const genesisHash = Buffer.alloc(32);

type Content = Omit<NewAuditRow, 'id' | 'prevHash' | 'hash'>;

/** The hashed content of a row: every column but id and the hashes. */
export function contentOf(row: Content | AuditRow): string {
  return canonicalJson({
    at: new Date(row.at).toISOString(),
    actorId: row.actorId ?? null,
    actorLabel: row.actorLabel,
    principal: row.principal ?? null,
    action: row.action,
    targetId: row.targetId ?? null,
    targetName: row.targetName ?? null,
    outcome: row.outcome,
    module: row.module ?? null,
    requestId: row.requestId ?? null,
    clientAddress: row.clientAddress ?? null,
    details: row.details,
  });
}

export function chainHash(prev: Buffer, content: string): Buffer {
  return createHash('sha256').update(prev).update(content).digest();
}

/** Links rows onto the chain after `prev`, in order. */
export function link(prev: Buffer, rows: Content[]): NewAuditRow[] {
  let last = prev;
  return rows.map((row) => {
    const hash = chainHash(last, contentOf(row));
    const linked = { ...row, prevHash: last, hash };
    last = hash;
    return linked;
  });
}
