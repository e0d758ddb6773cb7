/**
 * Walks the hash chain and reports the first row that breaks it: edited (content no longer
 * matches its hash), deleted or inserted out of order (does not follow the row before), added
 * outside Tresor after the chain head, or cut off the end (the head names a row that is gone).
 * The walk and the head are read in one snapshot, so appends running meanwhile are not
 * mistaken for tampering.
 */
import type { Database, Executor } from '../db/client.ts';
import { chainHash, contentOf, genesisHash } from './audit-chain.ts';
import { auditStore } from './audit.store.ts';

export interface VerifyResult {
  ok: boolean;
  rows: number;
  /** The first row that breaks the chain, and how. */
  firstBad?: { id: number; problem: string };
}

const pageSize = 1000;

async function walk(db: Executor): Promise<VerifyResult> {
  const head = await auditStore.head(db);
  if (!head) return { ok: false, rows: 0, firstBad: { id: 0, problem: 'the chain head is missing: it was deleted outside Tresor' } };
  let prev: Buffer = genesisHash;
  let lastId = 0;
  let rows = 0;
  for (let after = 0; ; ) {
    const page = await auditStore.page(db, after, pageSize);
    for (const row of page) {
      rows++;
      const bad = (problem: string): VerifyResult => ({ ok: false, rows, firstBad: { id: row.id, problem } });
      if (!row.prevHash.equals(prev)) return bad('does not follow the previous row: a row before it was deleted, or this row was inserted out of order');
      if (!chainHash(prev, contentOf(row)).equals(row.hash)) return bad('its content does not match its hash: the row was edited');
      if (row.id > head.lastId) return bad('comes after the chain head: it was added outside Tresor');
      prev = row.hash;
      lastId = row.id;
    }
    if (page.length < pageSize) break;
    after = page.at(-1)!.id;
  }
  if (lastId !== head.lastId || !prev.equals(head.hash)) {
    return { ok: false, rows, firstBad: { id: head.lastId, problem: 'is missing: the chain head names it as the last row, so rows were deleted from the end' } };
  }
  return { ok: true, rows };
}

export function verifyChain(db: Database): Promise<VerifyResult> {
  return db.transaction((tx) => walk(tx), { isolationLevel: 'repeatable read', accessMode: 'read only' });
}
