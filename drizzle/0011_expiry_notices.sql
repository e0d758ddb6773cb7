CREATE TABLE "expiry_notices" (
	"secret_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"days_before" integer NOT NULL,
	"claimed_until" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"recipients" integer,
	CONSTRAINT "expiry_notices_secret_id_expires_at_days_before_pk" PRIMARY KEY("secret_id","expires_at","days_before")
);
--> statement-breakpoint
CREATE TABLE "secret_notice_recipients" (
	"secret_id" uuid NOT NULL,
	"email" text NOT NULL,
	CONSTRAINT "secret_notice_recipients_secret_id_email_pk" PRIMARY KEY("secret_id","email")
);
--> statement-breakpoint
ALTER TABLE "expiry_notices" ADD CONSTRAINT "expiry_notices_secret_id_secrets_id_fk" FOREIGN KEY ("secret_id") REFERENCES "public"."secrets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secret_notice_recipients" ADD CONSTRAINT "secret_notice_recipients_secret_id_secrets_id_fk" FOREIGN KEY ("secret_id") REFERENCES "public"."secrets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "expiry_notices_unsent_idx" ON "expiry_notices" USING btree ("claimed_until");--> statement-breakpoint
CREATE INDEX "secrets_expires_idx" ON "secrets" USING btree ("expires_at") WHERE "secrets"."expires_at" is not null;