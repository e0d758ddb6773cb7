CREATE TABLE "space_environments" (
	"space_id" uuid NOT NULL,
	"name" text NOT NULL,
	"position" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "space_environments_space_id_name_pk" PRIMARY KEY("space_id","name"),
	CONSTRAINT "space_environments_position_unique" UNIQUE("space_id","position"),
	CONSTRAINT "space_environments_name" CHECK ("space_environments"."name" ~ '^[a-z][a-z0-9-]{0,31}$')
);
--> statement-breakpoint
-- The columns first: the new primary keys include them.
ALTER TABLE "secret_references" ADD COLUMN "environment" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "secret_versions" ADD COLUMN "environment" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "secret_references" DROP CONSTRAINT "secret_references_secret_id_field_pk";--> statement-breakpoint
ALTER TABLE "secret_versions" DROP CONSTRAINT "secret_versions_secret_id_version_pk";--> statement-breakpoint
ALTER TABLE "secret_references" ADD CONSTRAINT "secret_references_secret_id_environment_field_pk" PRIMARY KEY("secret_id","environment","field");--> statement-breakpoint
ALTER TABLE "secret_versions" ADD CONSTRAINT "secret_versions_secret_id_environment_version_pk" PRIMARY KEY("secret_id","environment","version");--> statement-breakpoint
ALTER TABLE "space_environments" ADD CONSTRAINT "space_environments_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;