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
 * - Recovery: at start, jobs left `running` become `interrupted`, and their pg-boss messages are failed so
 *   their repository's group is free again.
 * Handlers never make pg-boss retry: every outcome is recorded on the row and the message completes.
 */
import type { PgBoss } from 'pg-boss';
import type { Database } from '@/lib/db';
import { claimJob, finishJob, failQueuedJob, cancelQueuedJob, interruptStaleJobs, saveJobProgress, type JobKind, type JobWarning } from '@/lib/db/queries/jobs';
import type { Job } from '@/lib/db/schema';
import { KeyedMutex } from './keyed-mutex';
import { ProgressWriter } from './progress-writer';

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
  /** Called after every job has been recorded as finished. */
  onFinished?: (job: Job, status: string) => void;
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
  private stopped = false;

  constructor(private readonly options: JobRunnerOptions) {}

  /** Recovers from a previous crash, then starts the workers. Returns how many jobs were interrupted. */
  async start(): Promise<{ interrupted: number }> {
    const { boss, database } = this.options;
    // Single instance for now: everything `running` at start was left by a previous process.
    const interrupted = await interruptStaleJobs(database.db, new Date(Date.now() + 1000));
    await boss.start();
    await boss.createQueue(JOB_QUEUE, { retryLimit: 0, expireInSeconds: 24 * 3600, heartbeatSeconds: 30, deleteAfterSeconds: 7 * 24 * 3600 });
    if (interrupted.length > 0) {
      await boss.fail(JOB_QUEUE, interrupted.map((j) => j.id), { reason: 'interrupted' }).catch(() => {});
      await this.options.onRecovered?.(interrupted.map((j) => ({ id: j.id, params: j.params }))).catch((err: unknown) => console.error('Job recovery hook failed:', err));
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
      await w.close();
      const progress = w.progress ?? undefined;
      const warnings = w.warnings;
      await finishJob(db, job.ownerId, job.id, { status, result, error, warnings, ...(progress ? { progress } : {}) });
      this.options.onFinished?.(job, status);
    } catch (err) {
      console.error(`Job ${message.jobId} could not be run:`, err);
      await failQueuedJob(db, message.ownerId, message.jobId, 'The job could not be started; see the server log.').catch(() => {});
    } finally {
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
