CREATE TABLE "space_keys" (
	"space_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"wrapped_key" "bytea" NOT NULL,
	"kek_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "space_keys_space_id_version_pk" PRIMARY KEY("space_id","version")
);
--> statement-breakpoint
ALTER TABLE "secret_versions" ADD COLUMN "key_space_id" uuid;--> statement-breakpoint
ALTER TABLE "space_keys" ADD CONSTRAINT "space_keys_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "space_keys_kek_idx" ON "space_keys" USING btree ("kek_version");--> statement-breakpoint
ALTER TABLE "secret_versions" ADD CONSTRAINT "secret_versions_space_key_fk" FOREIGN KEY ("key_space_id","kek_version") REFERENCES "public"."space_keys"("space_id","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "secret_versions_space_key_idx" ON "secret_versions" USING btree ("key_space_id","kek_version") WHERE "secret_versions"."key_space_id" is not null;