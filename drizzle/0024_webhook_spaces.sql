ALTER TABLE "webhook_endpoints" ADD COLUMN "space_id" uuid;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- 0015's trigger function with spaces: a space's endpoint hears only of that space's secrets
-- (a deleted one by the space its secret.deleted row names), and every payload names the space.
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
    SELECT r.*, coalesce(r."details"->>'type', s."type_id") AS type_id, u."email" AS actor_email,
      coalesce(s."space_id", CASE WHEN r."details"->>'spaceId' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        THEN (r."details"->>'spaceId')::uuid END) AS space_id
    FROM relevant r
    -- A provided secret's use names it `env:NAME`, not by id: only ids are looked up.
    LEFT JOIN "secrets" s ON s."id" = CASE WHEN r."target_id" ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      THEN r."target_id"::uuid END
    LEFT JOIN "users" u ON u."id" = r."actor_id"
  )
  SELECT e."id", t."id", t.event, jsonb_build_object(
      'occurredAt', t."at",
      'secret', jsonb_build_object('id', t."target_id", 'name', t."target_name", 'type', t.type_id,
        'space', (SELECT sp."name" FROM "spaces" sp WHERE sp."id" = t.space_id)),
      'actor', jsonb_build_object('label', t."actor_label", 'email', t.actor_email),
      'actedFor', t."principal",
      'module', t."module",
      'details', t."details")
  FROM typed t
  JOIN "webhook_endpoints" e ON e."enabled" AND t.event = ANY (e."events")
    AND (e."space_id" IS NULL OR e."space_id" = t.space_id)
    AND (cardinality(e."secret_ids") = 0 OR t."target_id" = ANY (e."secret_ids"))
    AND (cardinality(e."type_ids") = 0 OR t.type_id = ANY (e."type_ids"))
  ORDER BY t."id", e."id";
  RETURN NULL;
END
$$;
