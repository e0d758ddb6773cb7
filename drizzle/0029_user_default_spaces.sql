CREATE TABLE "user_default_spaces" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"space_id" uuid NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user_default_spaces" ADD CONSTRAINT "user_default_spaces_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_default_spaces" ADD CONSTRAINT "user_default_spaces_space_id_spaces_id_fk" FOREIGN KEY ("space_id") REFERENCES "public"."spaces"("id") ON DELETE cascade ON UPDATE no action;