/**
 * The scheduler: which scheduled runs are due, and queuing each exactly once across every Coffer instance
 * on one database.
 *
 * Why this shape: pg-boss runs one cron schedule (`SCHEDULER_QUEUE`, every minute) once across all
 * instances, and its worker calls `tickScheduler`. The tick computes, for every plan with a schedule,
 * the latest slot in the last few minutes and inserts that slot's job row; the unique index on
 * (plan, kind, slot) turns a second insert into a no-op. So even if two ticks ran for the same minute
 * (a pg-boss retry, two instances, a tick that was late), a slot gets one job. One pg-boss schedule per
 * plan was the alternative; it would need keeping pg-boss's schedule table in step with every plan edit
 * and deletion on every instance, for no gain.
 * Each scheduled plan also gets a weekly check (Sunday 04:00 in its zone) that reads 5 % of the data.
 */
import type { Db } from '@/lib/db';
import { insertScheduledJob, listScheduledPlans, listWaitingScheduledJobs } from '@/lib/db/queries/schedules';
import type { Job } from '@/lib/db/schema';
import { nextRuns, parseSchedule } from '@/lib/schedule';

/** pg-boss queue of the per-minute scheduler tick. */
export const SCHEDULER_QUEUE = 'coffer-scheduler';

/** A slot this old is still run when a tick comes late (a restart, a busy database). */
export const SLOT_GRACE_MS = 10 * 60 * 1000;

/** When each scheduled plan's data is checked (5 % subset), in the plan's zone. */
export const WEEKLY_CHECK_SCHEDULE = 'preset:weekly@sun@04:00';

/** Share of the data a weekly check reads and verifies, in percent. */
export const CHECK_READ_PERCENT = 5;

/**
 * The latest run time of `schedule` (stored form) in `timeZone` that lies in (max(since, now − grace), now],
 * or undefined. A schedule set after its slot passed does not run that slot (`since` = when it was set).
 * Throws ScheduleError for an invalid schedule or zone.
 */
export function dueSlot(schedule: string, timeZone: string, now: Date, since: Date, graceMs = SLOT_GRACE_MS): Date | undefined {
  const parsed = parseSchedule(schedule);
  const from = new Date(Math.max(since.getTime(), now.getTime() - graceMs) - 1);
  let due: Date | undefined;
  // Few runs fit in the grace window (at most one per minute), so walking forward is cheap.
  for (const run of nextRuns(parsed, from, Math.ceil(graceMs / 60_000) + 1, timeZone)) {
    if (run.getTime() > now.getTime()) break;
    due = run;
  }
  return due;
}

/** What a tick queued. */
export interface TickOutcome {
  queued: Job[];
  errors: { planId: string; message: string }[];
}

/**
 * Inserts the job of every due slot (backups per schedule, weekly checks) and hands each newly inserted one
 * to `enqueue` with its repository id as the lock key. Slots that already have a job are skipped. A plan
 * whose schedule no longer parses is reported, not fatal.
 */
export async function tickScheduler(db: Db, now: Date, enqueue: (job: Job, lockKey: string) => Promise<void>): Promise<TickOutcome> {
  const outcome: TickOutcome = { queued: [], errors: [] };
  for (const { job, repositoryId } of await listWaitingScheduledJobs(db, new Date(now.getTime() - 2 * 60_000))) {
    await enqueue(job, repositoryId).catch((err: unknown) => outcome.errors.push({ planId: job.planId ?? '', message: String(err) }));
  }
  for (const { plan, repository } of await listScheduledPlans(db)) {
    if (!plan.schedule || plan.schedule === 'manual') continue;
    const wanted: { kind: Job['kind']; slot: Date | undefined }[] = [];
    try {
      wanted.push({ kind: 'backup', slot: dueSlot(plan.schedule, plan.timeZone, now, plan.updatedAt) });
      wanted.push({ kind: 'check', slot: dueSlot(WEEKLY_CHECK_SCHEDULE, plan.timeZone, now, plan.updatedAt) });
    } catch (err) {
      outcome.errors.push({ planId: plan.id, message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    for (const { kind, slot } of wanted) {
      if (!slot) continue;
      const params = kind === 'check' ? { planId: plan.id, scheduled: true, readData: CHECK_READ_PERCENT } : { planId: plan.id, scheduled: true };
      const job = await insertScheduledJob(db, { ownerId: plan.ownerId, planId: plan.id, kind, scheduledFor: slot, params });
      if (!job) continue;
      await enqueue(job, repository.id);
      outcome.queued.push(job);
    }
  }
  return outcome;
}
