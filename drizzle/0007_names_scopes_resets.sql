ALTER TABLE "users" ADD COLUMN "must_change_password" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "scope" text DEFAULT 'full' NOT NULL;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD COLUMN "parent_id" uuid;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_parent_id_api_tokens_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."api_tokens"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Names that differ only in case (JIRA-OPS beside jira-ops) could be stored before; keep the
-- oldest name as it is and give each later one its id's first 8 characters as a suffix.
UPDATE "secrets" s SET "name" = left(s."name", 55) || '-' || left(s."id"::text, 8)
WHERE EXISTS (SELECT 1 FROM "secrets" o WHERE lower(o."name") = lower(s."name") AND (o."created_at", o."id") < (s."created_at", s."id"));--> statement-breakpoint
CREATE UNIQUE INDEX "secrets_name_folded_unique" ON "secrets" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "api_tokens_parent_idx" ON "api_tokens" USING btree ("parent_id");