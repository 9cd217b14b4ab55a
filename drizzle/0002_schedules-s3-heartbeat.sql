ALTER TABLE "jobs" ADD COLUMN "cancel_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "scheduled_for" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "plans" ADD COLUMN "time_zone" text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE "repositories" ADD COLUMN "s3" jsonb;--> statement-breakpoint
ALTER TABLE "repositories" ADD COLUMN "sealed_credentials" text;--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_plan_kind_slot" ON "jobs" USING btree ("plan_id","kind","scheduled_for");