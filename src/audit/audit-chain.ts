/** The hash chain: each row's hash covers its content and the previous row's hash. */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../text/canonical-json.ts';
import type { AuditRow, NewAuditRow } from './audit.store.ts';

export const genesisHash = Buffer.alloc(32);

/** How many lanes the trail is woven from (the head rows drizzle/0006_audit_lanes.sql creates). */
export const auditLanes = 16;

export type Content = Omit<NewAuditRow, 'id' | 'prevHash' | 'hash'>;

const text = (value: string | null | undefined) => JSON.stringify(value ?? null);

/**
 * The hashed content of a row: every column but id and the hashes, as canonical JSON (keys
 * sorted). Written out by hand in sorted key order because it runs once per audited use;
 * equal to `canonicalJson` of the same object (a unit test holds it to that).
 */
export function contentOf(row: Content | AuditRow): string {
  return (
    `{"action":${text(row.action)},"actorId":${text(row.actorId)},"actorLabel":${text(row.actorLabel)}` +
    `,"at":${text(new Date(row.at).toISOString())}` +
    `,"clientAddress":${text(row.clientAddress)},"details":${canonicalJson(row.details)},"module":${text(row.module)}` +
    `,"outcome":${text(row.outcome)}` +
    `,"principal":${text(row.principal)},"requestId":${text(row.requestId)},"targetId":${text(row.targetId)}` +
    `,"targetName":${text(row.targetName)}}`
  );
}

export function chainHash(prev: Buffer, content: string): Buffer {
  return createHash('sha256').update(prev).update(content).digest();
}

/**
 * A batch as the database appends it (tresor_audit_append, drizzle/0005_audit_append.sql):
 * the rows' contents, separated by U+001E, which JSON text never holds unescaped. The
 * database reads each row's columns from its content and links it with the same hash as
 * `chainHash`; verify recomputes both here.
 */
export function appendBatch(rows: readonly Content[]): string {
  return rows.map(contentOf).join('\u001e');
}
