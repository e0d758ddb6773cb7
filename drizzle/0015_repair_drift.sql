-- Repairs databases migrated before migrations 0005, 0012 and 0013 reached their final text
-- (they were edited after first being committed, and the migrator never runs an applied
-- migration again). Every statement leaves a database migrated with the final text as it is.
-- 0005 first took the batch as jsonb; 0006 added the text form beside it: the old one goes.
DROP FUNCTION IF EXISTS tresor_audit_append(jsonb, boolean);
--> statement-breakpoint
-- 0013 gained these columns after its first commit.
ALTER TABLE "oauth2_connections" ADD COLUMN IF NOT EXISTS "account" text;
--> statement-breakpoint
ALTER TABLE "oauth2_connections" ADD COLUMN IF NOT EXISTS "notice_claimed_until" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "oauth2_connections" ADD COLUMN IF NOT EXISTS "notice_sent_at" timestamp with time zone;
--> statement-breakpoint
-- 0012's trigger function as it reads now (it first did not deliver secret.needs_reconnect).
CREATE OR REPLACE FUNCTION tresor_webhook_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "webhook_endpoints" WHERE "enabled") THEN
    RETURN NULL;
  END IF;
  INSERT INTO "webhook_deliveries" ("endpoint_id", "audit_id", "event", "payload")
  WITH relevant AS MATERIALIZED (
    SELECT n.*, CASE n."action" WHEN 'secret.expiry_notice_sent' THEN 'secret.expiring'
      WHEN 'secret.oauth2_reconnect_needed' THEN 'secret.needs_reconnect' ELSE n."action" END AS event
    FROM new_rows n
    WHERE n."outcome" = 'success' AND n."target_id" IS NOT NULL AND n."action" IN ('secret.created', 'secret.updated',
      'secret.deleted', 'secret.rolled_back', 'secret.shared', 'secret.unshared', 'secret.used',
      'secret.expiry_notice_sent', 'secret.oauth2_reconnect_needed')
  ), typed AS (
    SELECT r.*, coalesce(r."details"->>'type', s."type_id") AS type_id, u."email" AS actor_email
    FROM relevant r
    -- A provided secret's use names it `env:NAME`, not by id: only ids are looked up.
    LEFT JOIN "secrets" s ON s."id" = CASE WHEN r."target_id" ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      THEN r."target_id"::uuid END
    LEFT JOIN "users" u ON u."id" = r."actor_id"
  )
  SELECT e."id", t."id", t.event, jsonb_build_object(
      'occurredAt', t."at",
      'secret', jsonb_build_object('id', t."target_id", 'name', t."target_name", 'type', t.type_id),
      'actor', jsonb_build_object('label', t."actor_label", 'email', t.actor_email),
      'actedFor', t."principal",
      'module', t."module",
      'details', t."details")
  FROM typed t
  JOIN "webhook_endpoints" e ON e."enabled" AND t.event = ANY (e."events")
    AND (cardinality(e."secret_ids") = 0 OR t."target_id" = ANY (e."secret_ids"))
    AND (cardinality(e."type_ids") = 0 OR t.type_id = ANY (e."type_ids"))
  ORDER BY t."id", e."id";
  RETURN NULL;
END
$$;
