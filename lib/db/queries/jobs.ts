/**
 * Jobs: what ran, when, with what outcome. Reads and user-initiated changes filter by owner_id; the
 * runner's writes filter by owner_id too (the queue carries it), and only the start-up recovery works
 * across owners, because it repairs what a crash left behind for everyone.
 */
import { and, desc, eq, inArray, lt, or, isNull } from 'drizzle-orm';
import type { Db } from '../client';
import { jobs, plans, type Job } from '../schema';
import { isUuid } from './plans';

/** A job's kind and status, as stored. */
export type JobKind = Job['kind'];
export type JobStatus = Job['status'];
/** One per-file problem kept on a job. */
export type JobWarning = { path: string; message: string };

/** Statuses a job never leaves. */
export const FINISHED_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/** Inserts a queued job for the owner. */
export async function createJob(
  db: Db,
  ownerId: string,
  input: { planId: string | null; kind: JobKind; params: Record<string, unknown> },
): Promise<Job> {
  const [row] = await db.insert(jobs).values({ ownerId, planId: input.planId, kind: input.kind, params: input.params }).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** The owner's job, or undefined (missing or someone else's). */
export async function getJob(db: Db, ownerId: string, jobId: string): Promise<Job | undefined> {
  if (!isUuid(jobId)) return undefined;
  const [row] = await db.select().from(jobs).where(and(eq(jobs.id, jobId), eq(jobs.ownerId, ownerId))).limit(1);
  return row;
}

/** The owner's jobs, newest first, optionally for one plan and/or some statuses. */
export async function listJobs(
  db: Db,
  ownerId: string,
  options: { planId?: string; statuses?: readonly JobStatus[]; limit?: number } = {},
): Promise<(Job & { planName: string | null })[]> {
  const conditions = [eq(jobs.ownerId, ownerId)];
  if (options.planId !== undefined) conditions.push(eq(jobs.planId, options.planId));
  if (options.statuses) conditions.push(inArray(jobs.status, [...options.statuses]));
  const rows = await db
    .select({ job: jobs, planName: plans.name })
    .from(jobs)
    .leftJoin(plans, and(eq(plans.id, jobs.planId), eq(plans.ownerId, ownerId)))
    .where(and(...conditions))
    .orderBy(desc(jobs.createdAt))
    .limit(options.limit ?? 50);
  return rows.map((r) => ({ ...r.job, planName: r.planName }));
}

/** Moves the owner's queued job to running; undefined when it is no longer queued (cancelled meanwhile). */
export async function claimJob(db: Db, ownerId: string, jobId: string, now = new Date()): Promise<Job | undefined> {
  const [row] = await db
    .update(jobs)
    .set({ status: 'running', startedAt: now, heartbeatAt: now })
    .where(and(eq(jobs.id, jobId), eq(jobs.ownerId, ownerId), eq(jobs.status, 'queued')))
    .returning();
  return row;
}

/** Writes progress and warnings of a running job (ignored once it has finished). */
export async function saveJobProgress(
  db: Db,
  ownerId: string,
  jobId: string,
  progress: Record<string, unknown>,
  warnings: JobWarning[],
  now = new Date(),
): Promise<void> {
  await db
    .update(jobs)
    .set({ progress, warnings, heartbeatAt: now })
    .where(and(eq(jobs.id, jobId), eq(jobs.ownerId, ownerId), eq(jobs.status, 'running')));
}

/** Records a running job's outcome; returns false when it was not running. */
export async function finishJob(
  db: Db,
  ownerId: string,
  jobId: string,
  outcome: { status: Exclude<JobStatus, 'queued' | 'running'>; result?: Record<string, unknown> | null; error?: string | null; warnings?: JobWarning[]; progress?: Record<string, unknown> },
  now = new Date(),
): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      status: outcome.status,
      result: outcome.result ?? null,
      error: outcome.error ?? null,
      finishedAt: now,
      heartbeatAt: now,
      ...(outcome.warnings ? { warnings: outcome.warnings } : {}),
      ...(outcome.progress ? { progress: outcome.progress } : {}),
    })
    .where(and(eq(jobs.id, jobId), eq(jobs.ownerId, ownerId), eq(jobs.status, 'running')))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/** Marks the owner's queued job cancelled before it starts; false when it is not queued (or not theirs). */
export async function cancelQueuedJob(db: Db, ownerId: string, jobId: string, now = new Date()): Promise<boolean> {
  if (!isUuid(jobId)) return false;
  const rows = await db
    .update(jobs)
    .set({ status: 'cancelled', finishedAt: now, error: 'Cancelled before it started.' })
    .where(and(eq(jobs.id, jobId), eq(jobs.ownerId, ownerId), eq(jobs.status, 'queued')))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/** Fails a queued job that cannot start (for example, its passphrase did not survive a restart). */
export async function failQueuedJob(db: Db, ownerId: string, jobId: string, error: string, now = new Date()): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({ status: 'failed', finishedAt: now, error })
    .where(and(eq(jobs.id, jobId), eq(jobs.ownerId, ownerId), eq(jobs.status, 'queued')))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/**
 * Start-up recovery, across all owners: jobs left `running` whose heartbeat is older than `staleBefore`
 * (or missing) become `interrupted` with a message. Returns the affected jobs.
 */
export async function interruptStaleJobs(
  db: Db,
  staleBefore: Date,
  now = new Date(),
  error = 'The server stopped while this job was running. Run it again; the repository keeps every earlier snapshot.',
): Promise<Pick<Job, 'id' | 'ownerId' | 'planId' | 'kind' | 'params'>[]> {
  return db
    .update(jobs)
    .set({ status: 'interrupted', finishedAt: now, error })
    .where(and(eq(jobs.status, 'running'), or(isNull(jobs.heartbeatAt), lt(jobs.heartbeatAt, staleBefore))))
    .returning({ id: jobs.id, ownerId: jobs.ownerId, planId: jobs.planId, kind: jobs.kind, params: jobs.params });
}
