CREATE TABLE "secret_references" (
	"secret_id" uuid NOT NULL,
	"field" text NOT NULL,
	"target_name" text NOT NULL,
	CONSTRAINT "secret_references_secret_id_field_pk" PRIMARY KEY("secret_id","field")
);
--> statement-breakpoint
ALTER TABLE "secret_references" ADD CONSTRAINT "secret_references_secret_id_secrets_id_fk" FOREIGN KEY ("secret_id") REFERENCES "public"."secrets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "secret_references_target_idx" ON "secret_references" USING btree (lower("target_name"));