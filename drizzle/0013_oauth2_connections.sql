CREATE TABLE "oauth2_connections" (
	"secret_id" uuid PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"sealed" "bytea" NOT NULL,
	"data_key" "bytea" NOT NULL,
	"kek_version" integer NOT NULL,
	"generation" integer NOT NULL,
	"fingerprint" text NOT NULL,
	"scopes" text DEFAULT '' NOT NULL,
	"account" text,
	"access_expires_at" timestamp with time zone,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"connected_by" uuid,
	"refreshed_at" timestamp with time zone,
	"notice_claimed_until" timestamp with time zone,
	"notice_sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "oauth2_states" (
	"state_hash" "bytea" PRIMARY KEY NOT NULL,
	"secret_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"session_hash" "bytea" NOT NULL,
	"verifier" text NOT NULL,
	"redirect_uri" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "oauth2_connections" ADD CONSTRAINT "oauth2_connections_secret_id_secrets_id_fk" FOREIGN KEY ("secret_id") REFERENCES "public"."secrets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth2_states" ADD CONSTRAINT "oauth2_states_secret_id_secrets_id_fk" FOREIGN KEY ("secret_id") REFERENCES "public"."secrets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "oauth2_states_expiry_idx" ON "oauth2_states" USING btree ("expires_at");