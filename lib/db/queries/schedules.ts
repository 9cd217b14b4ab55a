/**
 * Scheduled work and the liveness of running jobs, shared by every Coffer instance on one database.
 *
 * - A scheduled job is inserted with its slot (`scheduled_for`); the unique index on (plan, kind, slot)
 *   makes a second insert of the same slot (from another instance, or a repeated tick) a no-op, so a slot
 *   runs exactly once however many schedulers look at it.
 * - A running job's instance refreshes `heartbeat_at`; any instance may mark a job whose heartbeat is
 *   stale as interrupted (its server died). Cancel requests travel through `cancel_requested_at`.
 * The scheduler's reads work across owners (it serves everyone); each write is for one owner's row.
 */
import { and, eq, inArray, isNotNull, isNull, lt } from 'drizzle-orm';
import type { Db } from '../client';
import { jobs, plans, repositories, snapshots, users, type Job, type Plan, type Repository } from '../schema';
import { isUuid } from './plans';

/** A plan with a schedule, and what the scheduler needs of its repository. */
export interface ScheduledPlan {
  plan: Plan;
  repository: Repository;
}

/** Every plan that has a schedule, across owners (the scheduler's view). */
export async function listScheduledPlans(db: Db): Promise<ScheduledPlan[]> {
  return db
    .select({ plan: plans, repository: repositories })
    .from(plans)
    .innerJoin(repositories, eq(repositories.id, plans.repositoryId))
    .where(isNotNull(plans.schedule));
}

/**
 * Inserts the queued job of one schedule slot; undefined when that slot already has its job (inserted by
 * this or another instance), which is what makes a slot run once.
 */
export async function insertScheduledJob(
  db: Db,
  input: { ownerId: string; planId: string; kind: Job['kind']; scheduledFor: Date; params: Record<string, unknown> },
): Promise<Job | undefined> {
  const [row] = await db
    .insert(jobs)
    .values({ ownerId: input.ownerId, planId: input.planId, kind: input.kind, scheduledFor: input.scheduledFor, params: input.params })
    .onConflictDoNothing()
    .returning();
  return row;
}

/**
 * Refreshes a running job's heartbeat. Returns `cancel` when someone asked to cancel it (on any instance),
 * `gone` when the row is no longer running (for example another instance marked it interrupted), else `ok`.
 */
export async function beatJob(db: Db, ownerId: string, jobId: string, now = new Date()): Promise<'ok' | 'cancel' | 'gone'> {
  const [row] = await db
    .update(jobs)
    .set({ heartbeatAt: now })
    .where(and(eq(jobs.id, jobId), eq(jobs.ownerId, ownerId), eq(jobs.status, 'running')))
    .returning({ cancelRequestedAt: jobs.cancelRequestedAt });
  if (!row) return 'gone';
  return row.cancelRequestedAt ? 'cancel' : 'ok';
}

/** Asks whichever instance runs the owner's job to cancel it; false when it is not running (or not theirs). */
export async function requestJobCancel(db: Db, ownerId: string, jobId: string, now = new Date()): Promise<boolean> {
  if (!isUuid(jobId)) return false;
  const rows = await db
    .update(jobs)
    .set({ cancelRequestedAt: now })
    .where(and(eq(jobs.id, jobId), eq(jobs.ownerId, ownerId), eq(jobs.status, 'running'), isNull(jobs.cancelRequestedAt)))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/** The owner's email and name, for notifications; undefined when the account is gone. */
export async function getOwnerContact(db: Db, ownerId: string): Promise<{ email: string; name: string } | undefined> {
  const [row] = await db.select({ email: users.email, name: users.name }).from(users).where(eq(users.id, ownerId)).limit(1);
  return row;
}

/** Changes the owner's plan's schedule, time zone and retention policy; false when the plan is not theirs. */
export async function updatePlanSchedule(
  db: Db,
  ownerId: string,
  planId: string,
  input: { schedule: string | null; timeZone: string; retention: Record<string, number | string> | null },
  now = new Date(),
): Promise<boolean> {
  if (!isUuid(planId)) return false;
  const rows = await db
    .update(plans)
    .set({ schedule: input.schedule, timeZone: input.timeZone, retention: input.retention, updatedAt: now })
    .where(and(eq(plans.id, planId), eq(plans.ownerId, ownerId)))
    .returning({ id: plans.id });
  return rows.length > 0;
}

/** Marks the cached snapshots that forget removed from the owner's repository; returns how many. */
export async function markSnapshotsForgotten(db: Db, ownerId: string, repositoryId: string, engineIds: string[], now = new Date()): Promise<number> {
  if (engineIds.length === 0) return 0;
  const rows = await db
    .update(snapshots)
    .set({ forgottenAt: now })
    .where(and(eq(snapshots.ownerId, ownerId), eq(snapshots.repositoryId, repositoryId), inArray(snapshots.engineSnapshotId, engineIds), isNull(snapshots.forgottenAt)))
    .returning({ id: snapshots.id });
  return rows.length;
}

/**
 * Scheduled jobs still queued that were created before `before`, with their repository id. A tick sends
 * them to the queue again: an instance that died between inserting a slot's row and sending it would
 * otherwise leave it queued forever (pg-boss ignores a second send of the same job id).
 */
export async function listWaitingScheduledJobs(db: Db, before: Date): Promise<{ job: Job; repositoryId: string }[]> {
  return db
    .select({ job: jobs, repositoryId: plans.repositoryId })
    .from(jobs)
    .innerJoin(plans, eq(plans.id, jobs.planId))
    .where(and(eq(jobs.status, 'queued'), isNotNull(jobs.scheduledFor), lt(jobs.createdAt, before)));
}
