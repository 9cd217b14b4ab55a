/**
 * The job runner: jobs rows are what people see (status, progress, warnings, outcome); pg-boss carries
 * `{ jobId, ownerId }` so queued work survives a restart and, later, is shared by several instances.
 *
 * - Concurrency: pg-boss `localConcurrency` workers in this process (COFFER_JOB_CONCURRENCY).
 * - One repository at a time: each message is in the pg-boss group of its repository with
 *   `groupConcurrency: 1`, so a second run of a plan waits (status `queued`) while other repositories go
 *   ahead; an in-process FIFO lock per repository backs that up inside this process. A job takes exactly
 *   one such lock, so there is no lock cycle.
 * - Cancellation: an AbortController per running job; a queued job is cancelled in the row and in pg-boss.
 * - Progress: written to the row at most every 500 ms (ProgressWriter).
 * - Several instances: a running job's heartbeat is refreshed every few seconds; every instance sweeps
 *   jobs whose heartbeat is older than `staleMs` (their server died) to `interrupted`, at start and then
 *   periodically, and fails their pg-boss messages so their repository's group is free again. Jobs with
 *   a fresh heartbeat are left alone: another instance is running them. "Cancel" on an instance that
 *   does not run the job sets a flag on the row, which the running instance sees at its next heartbeat.
 * - Schedules: pg-boss runs the per-minute SCHEDULER_QUEUE cron once across instances; its worker calls
 *   the `scheduler` option (see scheduler.ts for why slots still run once if a tick repeats).
 * Handlers never make pg-boss retry: every outcome is recorded on the row and the message completes.
 */
import type { PgBoss } from 'pg-boss';
import type { Database } from '@/lib/db';
import { claimJob, finishJob, failQueuedJob, cancelQueuedJob, interruptStaleJobs, saveJobProgress, type JobKind, type JobWarning } from '@/lib/db/queries/jobs';
import { beatJob, requestJobCancel } from '@/lib/db/queries/schedules';
import type { Job } from '@/lib/db/schema';
import { KeyedMutex } from './keyed-mutex';
import { ProgressWriter } from './progress-writer';
import { SCHEDULER_QUEUE } from './scheduler';

/** pg-boss queue that carries Coffer's jobs. */
export const JOB_QUEUE = 'coffer-jobs';

/** What a handler gets: the claimed row, a signal, and ways to report. */
export interface JobContext {
  job: Job;
  signal: AbortSignal;
  /** Replaces the job's progress (throttled to the database). */
  progress(progress: Record<string, unknown>): void;
  /** Keeps a per-file warning on the job. */
  warn(warning: JobWarning): void;
  /** The secret handed to enqueue() in this process (an entered passphrase), if any. Never stored. */
  secret: string | undefined;
}

/** Runs one kind of job; resolves with the result stored on the row, throws to fail the job. */
export type JobHandler = (ctx: JobContext) => Promise<Record<string, unknown>>;

/** Options of JobRunner. */
export interface JobRunnerOptions {
  database: Database;
  boss: PgBoss;
  handlers: Partial<Record<JobKind, JobHandler>>;
  /** How many jobs run at once in this process. */
  concurrency: number;
  progressIntervalMs?: number;
  pollingIntervalSeconds?: number;
  /** Turns a handler's error into the message stored on the job (default: the error's message). */
  describeError?: (err: unknown) => string;
  /** Called after start-up recovery with the jobs it interrupted (for example to clear stale locks). */
  onRecovered?: (jobs: { id: string; params: Record<string, unknown> }[]) => Promise<void>;
  /** Called after every job has been recorded as finished (or interrupted by a sweep). */
  onFinished?: (job: Job, outcome: JobOutcome) => void;
  /** How often a running job's heartbeat is refreshed (and a cancel request looked for); default 5 s. */
  heartbeatMs?: number;
  /** A running job whose heartbeat is older than this is interrupted by any instance; default 60 s. */
  staleMs?: number;
  /** How often this instance sweeps for stale jobs; default 30 s. */
  sweepMs?: number;
  /** Queues due scheduled runs; called by the per-minute pg-boss cron (once across instances). */
  scheduler?: (enqueue: (job: Job, lockKey: string) => Promise<void>) => Promise<unknown>;
}

/** How a job ended, as recorded. */
export interface JobOutcome {
  status: 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
  error: string | null;
  warnings: JobWarning[];
}

interface Message {
  jobId: string;
  ownerId: string;
  lockKey: string;
}

/** Why a running job's signal was aborted. */
type AbortReason = 'cancel' | 'shutdown';

/** Queues and runs jobs; one per server process. */
export class JobRunner {
  private readonly locks = new KeyedMutex();
  private readonly running = new Map<string, AbortController>();
  private readonly secrets = new Map<string, string>();
  private workerId: string | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private localTicker: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: JobRunnerOptions) {}

  /** Recovers from a previous crash, then starts the workers. Returns how many jobs were interrupted. */
  async start(): Promise<{ interrupted: number }> {
    const { boss } = this.options;
    await boss.start();
    await boss.createQueue(JOB_QUEUE, { retryLimit: 0, expireInSeconds: 24 * 3600, heartbeatSeconds: 30, deleteAfterSeconds: 7 * 24 * 3600 });
    // Only jobs with a stale heartbeat: a fresh one belongs to another instance that is running it.
    const interrupted = await this.sweep();
    this.sweeper = setInterval(() => void this.sweep().catch((err: unknown) => console.error('Sweeping stale jobs failed:', err)), this.options.sweepMs ?? 30_000);
    this.sweeper.unref();
    if (this.options.scheduler) {
      const scheduler = this.options.scheduler;
      const tick = () => scheduler((job, lockKey) => this.enqueue(job, { lockKey }));
      try {
        await boss.createQueue(SCHEDULER_QUEUE, { retryLimit: 0, expireInSeconds: 300, deleteAfterSeconds: 3600 });
        await boss.schedule(SCHEDULER_QUEUE, '* * * * *', {}, { tz: 'UTC' });
        await boss.work(SCHEDULER_QUEUE, { pollingIntervalSeconds: 2 }, async () => {
          await tick();
        });
      } catch (err) {
        // Never let the schedule's registration stop the server: tick from here instead. Slots stay
        // exactly-once through the jobs table's unique (plan, kind, slot) index.
        console.error('Could not register the scheduler with pg-boss; ticking every 30 s in this process instead:', err);
        this.localTicker = setInterval(() => void tick().catch((e: unknown) => console.error('Scheduler tick failed:', e)), 30_000);
        this.localTicker.unref();
      }
    }
    this.workerId = await boss.work<Message>(
      JOB_QUEUE,
      { localConcurrency: this.options.concurrency, groupConcurrency: 1, batchSize: 1, pollingIntervalSeconds: this.options.pollingIntervalSeconds ?? 1 },
      async ([message]) => {
        if (message) await this.run(message.data);
      },
    );
    return { interrupted: interrupted.length };
  }

  /**
   * Marks running jobs whose heartbeat is older than `staleMs` as interrupted (their server died), fails
   * their pg-boss messages and reports them to `onRecovered` and `onFinished`. Returns them.
   */
  async sweep(now = new Date()): Promise<{ id: string; params: Record<string, unknown> }[]> {
    const { boss, database } = this.options;
    const staleMs = this.options.staleMs ?? 60_000;
    const error = `The server stopped responding while running this job (no heartbeat for ${Math.round(staleMs / 1000)} s: it was stopped or crashed), so the job was marked interrupted. Run it again; the repository keeps every earlier snapshot.`;
    const stale = await interruptStaleJobs(database.db, new Date(now.getTime() - staleMs), now, error);
    const elsewhere = stale.filter((j) => !this.running.has(j.id));
    if (stale.length === 0) return [];
    await boss.fail(JOB_QUEUE, stale.map((j) => j.id), { reason: 'interrupted' }).catch(() => {});
    const list = stale.map((j) => ({ id: j.id, params: j.params }));
    await this.options.onRecovered?.(list).catch((err: unknown) => console.error('Job recovery hook failed:', err));
    for (const j of elsewhere) {
      this.options.onFinished?.({ ...j, status: 'interrupted' } as Job, { status: 'interrupted', error, warnings: [] });
    }
    return list;
  }

  /**
   * Queues a job that was inserted as `queued`. `lockKey` (the repository id) serialises jobs on one
   * repository; `secret` is kept in this process's memory only until the job starts.
   */
  async enqueue(job: Job, options: { lockKey: string; secret?: string }): Promise<void> {
    if (options.secret !== undefined) this.secrets.set(job.id, options.secret);
    const message: Message = { jobId: job.id, ownerId: job.ownerId, lockKey: options.lockKey };
    await this.options.boss.send(JOB_QUEUE, message, { id: job.id, group: { id: options.lockKey } });
    if (this.workerId) this.options.boss.notifyWorker(this.workerId);
  }

  /**
   * Cancels the owner's job: a queued one at once (`cancelled`), a running one through its signal
   * (`cancelling`; the row becomes `cancelled` when the handler stops). `not_found` for anything else.
   */
  async cancel(ownerId: string, jobId: string): Promise<'cancelled' | 'cancelling' | 'not_found'> {
    if (await cancelQueuedJob(this.options.database.db, ownerId, jobId)) {
      this.secrets.delete(jobId);
      await this.options.boss.cancel(JOB_QUEUE, jobId).catch(() => {});
      return 'cancelled';
    }
    const controller = this.running.get(jobId);
    if (controller && controller.signal.aborted === false && this.owners.get(jobId) === ownerId) {
      controller.abort('cancel' satisfies AbortReason);
      return 'cancelling';
    }
    // Running on another instance (or about to stop here): that instance sees the flag at its next heartbeat.
    if (await requestJobCancel(this.options.database.db, ownerId, jobId)) return 'cancelling';
    return 'not_found';
  }

  /** True while the job runs in this process. */
  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /** Stops taking jobs, interrupts running ones (recorded as `interrupted`) and stops pg-boss. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sweeper);
    clearInterval(this.localTicker);
    for (const controller of this.running.values()) controller.abort('shutdown' satisfies AbortReason);
    await this.options.boss.stop({ graceful: true, timeout: 30_000 });
  }

  private readonly owners = new Map<string, string>();

  private async run(message: Message): Promise<void> {
    const { database } = this.options;
    const db = database.db;
    const release = await this.locks.acquire(message.lockKey);
    const controller = new AbortController();
    let writer: ProgressWriter | undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      const job = await claimJob(db, message.ownerId, message.jobId);
      if (!job) return; // cancelled while queued
      const handler = this.options.handlers[job.kind];
      const secret = this.secrets.get(job.id);
      this.secrets.delete(job.id);
      if (!handler) {
        await finishJob(db, job.ownerId, job.id, { status: 'failed', error: `This server cannot run ${job.kind} jobs yet.` });
        return;
      }
      this.running.set(job.id, controller);
      this.owners.set(job.id, job.ownerId);
      writer = new ProgressWriter((p, w) => saveJobProgress(db, job.ownerId, job.id, p, w), this.options.progressIntervalMs ?? 500);
      const w = writer;
      heartbeat = setInterval(() => {
        void beatJob(db, job.ownerId, job.id)
          .then((state) => {
            if (state === 'cancel') controller.abort('cancel' satisfies AbortReason);
            // Another instance gave up on this job (this process was frozen too long): stop working on it.
            if (state === 'gone') controller.abort('shutdown' satisfies AbortReason);
          })
          .catch((err: unknown) => console.error(`Heartbeat of job ${job.id} failed:`, err));
      }, this.options.heartbeatMs ?? 5000);
      if (job.cancelRequestedAt) controller.abort('cancel' satisfies AbortReason);
      const ctx: JobContext = { job, signal: controller.signal, progress: (p) => w.update(p), warn: (x) => w.warn(x), secret };
      let status: 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
      let result: Record<string, unknown> | null = null;
      let error: string | null = null;
      try {
        result = await handler(ctx);
        status = 'succeeded';
      } catch (err) {
        if (controller.signal.aborted) {
          status = controller.signal.reason === 'shutdown' ? 'interrupted' : 'cancelled';
          error = status === 'cancelled' ? 'Cancelled while running. The repository keeps every earlier snapshot.' : 'The server stopped while this job was running.';
        } else {
          status = 'failed';
          error = (this.options.describeError ?? defaultDescribe)(err);
        }
      }
      clearInterval(heartbeat);
      await w.close();
      const progress = w.progress ?? undefined;
      const warnings = w.warnings;
      await finishJob(db, job.ownerId, job.id, { status, result, error, warnings, ...(progress ? { progress } : {}) });
      this.options.onFinished?.(job, { status, error, warnings });
    } catch (err) {
      console.error(`Job ${message.jobId} could not be run:`, err);
      await failQueuedJob(db, message.ownerId, message.jobId, 'The job could not be started; see the server log.').catch(() => {});
    } finally {
      clearInterval(heartbeat);
      await writer?.close();
      this.running.delete(message.jobId);
      this.owners.delete(message.jobId);
      release();
    }
  }
}

function defaultDescribe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
