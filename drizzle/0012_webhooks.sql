CREATE TABLE "webhook_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"audit_id" bigint NOT NULL,
	"event" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_until" timestamp with time zone,
	"last_status" integer,
	"last_error" text,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"url" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"events" text[] NOT NULL,
	"type_ids" text[] DEFAULT '{}' NOT NULL,
	"secret_ids" text[] DEFAULT '{}' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"signing_secret" "bytea" NOT NULL,
	"data_key" "bytea" NOT NULL,
	"kek_version" integer NOT NULL,
	"secret_generation" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid
);
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" USING btree ("next_attempt_at") WHERE "webhook_deliveries"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_deliveries_endpoint_idx" ON "webhook_deliveries" USING btree ("endpoint_id","id");--> statement-breakpoint
-- The webhook outbox is filled by the audit trail itself: every change and use is on record
-- there, and this trigger runs in the statement that appends the record, so a delivery row
-- commits with its change or not at all (no change lost, none announced that rolled back).
-- One call per appended batch (a statement trigger over the batch's rows); with no endpoint
-- enabled it costs one index-less look at a table of a few rows.
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
--> statement-breakpoint
CREATE TRIGGER "audit_events_webhooks" AFTER INSERT ON "audit_events" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tresor_webhook_enqueue();
--> statement-breakpoint
-- Administrators of an existing store (holders of every permission the first administrator
-- gets) keep administering everything: they get WEBHOOK_ADMIN, as a new first administrator does.
INSERT INTO "permission_grants" ("user_id", "permission")
SELECT "user_id", 'WEBHOOK_ADMIN' FROM "permission_grants"
WHERE "user_id" IS NOT NULL
  AND "permission" IN ('SECRET_MANAGEMENT', 'USER_ADMIN', 'GROUP_ADMIN', 'KEY_ADMIN', 'AUDIT_READ')
GROUP BY "user_id" HAVING count(DISTINCT "permission") = 5
ON CONFLICT DO NOTHING;
