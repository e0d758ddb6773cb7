/**
 * Upgrading a trail written before the chain head existed (migrations 0000–0003): the head
 * migration starts the head at the last row, the lanes migration keeps those rows in lane 1
 * and starts the other lanes empty, so the old rows verify and new rows link on.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { auditStore } from '../../src/audit/audit.store.ts';
import { auditLanes, chainHash, contentOf, genesisHash } from '../../src/audit/audit-chain.ts';
import { verifyChain } from '../../src/audit/audit-verify.ts';
import { migrate, migrationsFolder } from '../../src/db/migrate.ts';
import { auditEvents } from '../../src/db/schema/index.ts';
import { databaseKinds, type FreshDatabase, freshDatabase } from '../support/databases.ts';

/** A copy of the migrations folder that stops before the chain head. */
function migrationsBeforeHead(): string {
  const folder = join(mkdtempSync(join(tmpdir(), 'tresor-migrations-')), 'drizzle');
  cpSync(migrationsFolder, folder, { recursive: true });
  const journalPath = join(folder, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.idx <= 3); // up to 0003_audit
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

const row = (i: number) => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
  actorId: null,
  actorLabel: 'system',
  principal: null,
  action: 'secret.used',
  targetId: `t-${i}`,
  targetName: `old-${i}`,
  outcome: 'success',
  module: null,
  requestId: null,
  clientAddress: null,
  details: { n: i, text: 'é "quoted" \n \u001e separator' },
});

describe.each(databaseKinds)('audit chain upgrade on %s', (kind) => {
  let database: FreshDatabase | undefined;
  afterEach(() => database?.drop());

  it('starts the chain head at the last old row; old rows verify and new ones link on', async () => {
    database = await freshDatabase(kind);
    const { db } = database.handle;
    await migrate(database.handle, migrationsBeforeHead());
    // Rows chained the way Tresor did before the head: hashes computed in Node.
    let prev: Buffer = genesisHash;
    for (let i = 0; i < 5; i++) {
      const hash = chainHash(prev, contentOf(row(i)));
      const r = row(i);
      // Written as the 0003 table had it (no lane column yet).
      await db.execute(
        sql`insert into audit_events (at, actor_label, action, target_id, target_name, outcome, details, prev_hash, hash) values (${r.at.toISOString()}, ${r.actorLabel}, ${r.action}, ${r.targetId}, ${r.targetName}, ${r.outcome}, ${JSON.stringify(r.details)}::jsonb, ${prev}, ${hash})`,
      );
      prev = hash;
    }
    await migrate(database.handle);
    const heads = await auditStore.heads(db);
    expect(heads.get(1)).toMatchObject({ lastId: 5, hash: prev });
    expect(heads.size).toBe(auditLanes);
    for (let lane = 2; lane <= auditLanes; lane++)
      expect(heads.get(lane)).toMatchObject({ lastId: 0, hash: genesisHash });
    expect(await verifyChain(db)).toEqual({ ok: true, rows: 5 });
    await auditStore.append(db, [row(5), row(6)], { durable: true });
    await auditStore.append(db, [row(7)], { durable: false });
    expect(await verifyChain(db)).toEqual({ ok: true, rows: 8 });
    // The database hashed what Node would have: the new rows' hashes match chainHash.
    const [last] = await db.select().from(auditEvents).orderBy(auditEvents.id).offset(7);
    expect(last!.hash.equals(chainHash(last!.prevHash, contentOf(row(7))))).toBe(true);
  });

  it('starts an empty trail at the genesis hash', async () => {
    database = await freshDatabase(kind);
    await migrate(database.handle);
    const heads = await auditStore.heads(database.handle.db);
    expect([...heads.values()]).toEqual(Array.from({ length: auditLanes }, () => ({ lastId: 0, hash: genesisHash })));
    expect(await verifyChain(database.handle.db)).toEqual({ ok: true, rows: 0 });
  });
});
