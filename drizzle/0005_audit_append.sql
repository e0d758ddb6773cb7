-- The chain head starts where the trail already ends (or at the genesis hash, 32 zero bytes).
INSERT INTO "audit_chain_head" ("id", "last_id", "hash")
SELECT 1, coalesce(max("id"), 0), coalesce((SELECT "hash" FROM "audit_events" ORDER BY "id" DESC LIMIT 1), '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
FROM "audit_events"
ON CONFLICT ("id") DO NOTHING;
--> statement-breakpoint
-- Appends a batch of audit rows to the hash chain in one round trip.
-- `batch` is the rows' contents in chain order, separated by U+001E (which JSON text cannot
-- hold unescaped). Each content is the canonical JSON of every column but the hashes
-- (src/audit/audit-chain.ts `contentOf`, which verify recomputes from the stored columns);
-- the row's columns are read from it, so what is stored is exactly what was hashed.
-- hash = sha256(previous hash || content as UTF-8), as chainHash in Node.
-- Locking the head row (FOR UPDATE re-reads it once the lock is granted) makes appends from
-- every node and transaction take turns; ids are drawn under the lock and in batch order, so
-- id order is chain order.
-- `durable` false lets this transaction commit without waiting for the WAL flush
-- (synchronous_commit off, for this transaction only): the row is committed and visible, and
-- PostgreSQL flushes it within three wal_writer_delay. A later durable commit flushes it too,
-- so a database crash can only cut the end of the chain, never leave a hole in it.
CREATE OR REPLACE FUNCTION tresor_audit_append(batch text, durable boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  contents text[] := string_to_array(batch, chr(30));
  prev bytea;
  prevs bytea[] := '{}';
  hashes bytea[] := '{}';
BEGIN
  IF NOT durable THEN
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
  SELECT "hash" INTO prev FROM "audit_chain_head" WHERE "id" = 1 FOR UPDATE;
  IF prev IS NULL THEN
    RAISE EXCEPTION 'the audit chain head is missing';
  END IF;
  FOR i IN 1 .. coalesce(array_length(contents, 1), 0) LOOP
    prevs := prevs || prev;
    prev := sha256(prev || convert_to(contents[i], 'UTF8'));
    hashes := hashes || prev;
  END LOOP;
  INSERT INTO "audit_events" ("at", "actor_id", "actor_label", "principal", "action", "target_id", "target_name", "outcome", "module", "request_id", "client_address", "details", "prev_hash", "hash")
  SELECT r."at", r."actorId", r."actorLabel", r."principal", r."action", r."targetId", r."targetName", r."outcome", r."module", r."requestId", r."clientAddress", r."details", prevs[e.n], hashes[e.n]
  FROM unnest(contents) WITH ORDINALITY AS e(content, n),
    LATERAL jsonb_to_record(e.content::jsonb) AS r("at" timestamptz, "actorId" uuid, "actorLabel" text, "principal" text, "action" text, "targetId" text, "targetName" text, "outcome" text, "module" text, "requestId" text, "clientAddress" text, "details" jsonb)
  ORDER BY e.n;
  IF cardinality(hashes) > 0 THEN
    UPDATE "audit_chain_head" SET "hash" = prev, "last_id" = currval(pg_get_serial_sequence('audit_events', 'id')) WHERE "id" = 1;
  END IF;
END
$$;
