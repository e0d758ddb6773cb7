ALTER TABLE "audit_chain_head" DROP CONSTRAINT "audit_chain_head_single_row";--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "lane" smallint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_chain_head" ADD CONSTRAINT "audit_chain_head_lane" CHECK (id between 1 and 16);--> statement-breakpoint
-- Lanes 2 to 16 start empty, at the genesis hash; lane 1 goes on from the trail so far.
INSERT INTO "audit_chain_head" ("id", "last_id", "hash")
SELECT lane, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea FROM generate_series(2, 16) AS lane
ON CONFLICT ("id") DO NOTHING;
--> statement-breakpoint
-- Appends a batch of audit rows to one lane of the hash chain, in one round trip.
-- `batch` is the rows' contents in chain order, separated by U+001E (which JSON text cannot
-- hold unescaped). Each content is the canonical JSON of every column but the hashes and the
-- lane (src/audit/audit-chain.ts `contentOf`, which verify recomputes from the stored
-- columns); the row's columns are read from it, so what is stored is exactly what was hashed.
-- hash = sha256(previous hash in the lane || content as UTF-8), as chainHash in Node.
-- The lane: the first one no other transaction holds (FOR UPDATE SKIP LOCKED), so appends
-- on different connections run side by side instead of queueing behind one commit and its
-- WAL flush. A transaction keeps to the lane it took first (remembered in a transaction-local
-- setting), so it holds one lane at most and two appenders can never deadlock; with every
-- lane held, it queues for one (FOR UPDATE re-reads the head once the lock is granted). Ids
-- are drawn under the lane's lock, so within a lane id order is chain order.
-- `durable` false lets this transaction commit without waiting for the WAL flush
-- (synchronous_commit off, for this transaction only): the row is committed and visible, and
-- PostgreSQL flushes it within three wal_writer_delay. A later durable commit flushes it too,
-- so a database crash can only cut the ends of the lanes, never leave a hole in one.
CREATE OR REPLACE FUNCTION tresor_audit_append(batch text, durable boolean) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  contents text[] := string_to_array(batch, chr(30));
  taken smallint := nullif(current_setting('tresor.audit_lane', true), '')::smallint;
  prev bytea;
  prevs bytea[] := '{}';
  hashes bytea[] := '{}';
BEGIN
  IF NOT durable THEN
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
  IF taken IS NULL THEN
    SELECT "id", "hash" INTO taken, prev FROM "audit_chain_head" ORDER BY "id" LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF taken IS NULL THEN
      taken := 1 + pg_backend_pid() % 16;
    END IF;
    PERFORM set_config('tresor.audit_lane', taken::text, true);
  END IF;
  IF prev IS NULL THEN
    SELECT "hash" INTO prev FROM "audit_chain_head" WHERE "id" = taken FOR UPDATE;
  END IF;
  IF prev IS NULL THEN
    RAISE EXCEPTION 'the audit chain head of lane % is missing', taken;
  END IF;
  FOR i IN 1 .. coalesce(array_length(contents, 1), 0) LOOP
    prevs := prevs || prev;
    prev := sha256(prev || convert_to(contents[i], 'UTF8'));
    hashes := hashes || prev;
  END LOOP;
  INSERT INTO "audit_events" ("at", "actor_id", "actor_label", "principal", "action", "target_id", "target_name", "outcome", "module", "request_id", "client_address", "details", "prev_hash", "hash", "lane")
  SELECT r."at", r."actorId", r."actorLabel", r."principal", r."action", r."targetId", r."targetName", r."outcome", r."module", r."requestId", r."clientAddress", r."details", prevs[e.n], hashes[e.n], taken
  FROM unnest(contents) WITH ORDINALITY AS e(content, n),
    LATERAL jsonb_to_record(e.content::jsonb) AS r("at" timestamptz, "actorId" uuid, "actorLabel" text, "principal" text, "action" text, "targetId" text, "targetName" text, "outcome" text, "module" text, "requestId" text, "clientAddress" text, "details" jsonb)
  ORDER BY e.n;
  IF cardinality(hashes) > 0 THEN
    UPDATE "audit_chain_head" SET "hash" = prev, "last_id" = currval(pg_get_serial_sequence('audit_events', 'id')) WHERE "id" = taken;
  END IF;
END
$$;
