CREATE TABLE "space_roles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"space_id" uuid NOT NULL,
	"user_id" uuid,
	"group_id" uuid,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "space_roles_user_unique" UNIQUE("space_id","user_id"),
	CONSTRAINT "space_roles_group_unique" UNIQUE("space_id","group_id"),
	CONSTRAINT "space_roles_one_holder" CHECK (("space_roles"."user_id" is null) <> ("space_roles"."group_id" is null)),
	CONSTRAINT "space_roles_role" CHECK ("space_roles"."role" in ('admin', 'manager', 'member', 'viewer'))
);
--> statement-breakpoint
CREATE TABLE "spaces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
INSERT INTO "spaces" ("id", "name", "description") VALUES ('00000000-0000-4000-8000-000000000001', 'default', 'Every secret of an installation with one space');--> statement-breakpoint
ALTER TABLE "secrets" DROP CONSTRAINT "secrets_name_unique";--> statement-breakpoint
DROP INDEX "secrets_name_folded_unique";--> statement-breakpoint
ALTER TABLE "secrets" ADD COLUMN "space_id" uuid DEFAULT '00000000-0000-4000-8000-000000000001' NOT NULL;--> statement-breakpoint
ALTER TABLE "secrets" ADD COLUMN "visibility" text DEFAULT 'private' NOT NULL;--> statement-breakpoint
ALTER TABLE "space_roles" ADD CONSTRAINT "space_roles_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "space_roles" ADD CONSTRAINT "space_roles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "space_roles" ADD CONSTRAINT "space_roles_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "spaces_name_folded_unique" ON "spaces" USING btree (lower("name"));--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "secrets_space_name_folded_unique" ON "secrets" USING btree ("space_id",lower("name"));--> statement-breakpoint
CREATE INDEX "secrets_visibility_idx" ON "secrets" USING btree ("visibility") WHERE "secrets"."visibility" <> 'private';--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_visibility" CHECK ("secrets"."visibility" in ('private', 'space', 'global'));