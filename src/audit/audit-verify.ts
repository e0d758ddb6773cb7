/**
 * Walks the hash chain's lanes and reports the first row that breaks one: edited (content no
 * longer matches its hash), deleted or inserted out of order (does not follow the row before
 * in its lane), added outside Tresor after its lane's head or in no lane at all, or cut off
 * the end of a lane (the head names a row that is gone). The walk and the heads are read in
 * one snapshot, so appends running meanwhile are not mistaken for tampering.
 */
import type { Database, Executor } from '../db/client.ts';
import { auditStore } from './audit.store.ts';
import { auditLanes, chainHash, contentOf, genesisHash } from './audit-chain.ts';

export interface VerifyResult {
  ok: boolean;
  rows: number;
  /** The first row that breaks the chain, and how. */
  firstBad?: { id: number; problem: string };
}

const pageSize = 1000;

async function walk(db: Executor): Promise<VerifyResult> {
  const heads = await auditStore.heads(db);
  /** Where each lane has got to in the walk: its last row's id and hash. */
  const reached = new Map<number, { lastId: number; hash: Buffer }>();
  for (let lane = 1; lane <= auditLanes; lane++) {
    if (!heads.has(lane))
      return {
        ok: false,
        rows: 0,
        firstBad: { id: 0, problem: `the head of lane ${lane} is missing: it was deleted outside Tresor` },
      };
    reached.set(lane, { lastId: 0, hash: genesisHash });
  }
  let rows = 0;
  for (let after = 0; ; ) {
    const page = await auditStore.page(db, after, pageSize);
    for (const row of page) {
      rows++;
      const bad = (problem: string): VerifyResult => ({ ok: false, rows, firstBad: { id: row.id, problem } });
      const lane = reached.get(row.lane);
      const head = heads.get(row.lane);
      if (!lane || !head) return bad(`names lane ${row.lane}, which does not exist: it was added outside Tresor`);
      if (!row.prevHash.equals(lane.hash))
        return bad(
          'does not follow the previous row: a row before it was deleted, or this row was inserted out of order',
        );
      if (!chainHash(lane.hash, contentOf(row)).equals(row.hash))
        return bad('its content does not match its hash: the row was edited');
      if (row.id > head.lastId) return bad(`comes after the head of lane ${row.lane}: it was added outside Tresor`);
      lane.hash = row.hash;
      lane.lastId = row.id;
    }
    if (page.length < pageSize) break;
    after = page.at(-1)!.id;
  }
  for (const [lane, head] of heads) {
    const got = reached.get(lane);
    if (!got || got.lastId !== head.lastId || !got.hash.equals(head.hash)) {
      return {
        ok: false,
        rows,
        firstBad: {
          id: head.lastId,
          problem: `is missing: the head of lane ${lane} names it as the last row, so rows were deleted from the end`,
        },
      };
    }
  }
  return { ok: true, rows };
}

export function verifyChain(db: Database): Promise<VerifyResult> {
  return db.transaction((tx) => walk(tx), { isolationLevel: 'repeatable read', accessMode: 'read only' });
}
