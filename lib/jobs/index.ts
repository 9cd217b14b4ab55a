/**
 * lib/jobs: the only bridge from the web app to the engine. It queues jobs (pg-boss on Coffer's own
 * database), runs them in this server process with bounded concurrency and one repository at a time,
 * reports progress to the jobs table, and opens repositories for browsing and downloads.
 *
 * `startJobs()` is called once at server start; actions and route handlers use `getJobs()`.
 */
import 'server-only';
import { eq, inArray } from 'drizzle-orm';
import { getConfig } from '@/lib/config';
import { getDatabase, getDb } from '@/lib/db';
import { plans, repositories } from '@/lib/db/schema';
import { loadSecrets } from '@/lib/secrets';
import { createBoss } from './boss';
import { classifyError, clearStaleLocks, describeEngineError, type ErrorKind } from './engine-adapter';
import { backupHandler, openForJob, restoreHandler } from './handlers';
import { checkHandler } from './maintenance';
import { notifyOwner } from './notify';
import { tickScheduler } from './scheduler';
import { dueDigestDay, sendDailyDigests } from './digest';
import { sendMail } from '@/lib/mail/transport';
import { RepositoryAccess } from './repository-access';
import { sweepStaleUploads } from './uploads';
import { JobRunner } from './runner';

export { PassphraseNeededError } from './repository-access';
export type { BackupParams, RestoreParams } from './handlers';

/** The process's job services. */
export interface Jobs {
  runner: JobRunner;
  access: RepositoryAccess;
  serverKey: () => string;
  /** Classifies an error from the engine or lib/jobs (see classifyError: never use instanceof outside lib/jobs). */
  classify: (err: unknown) => ErrorKind;
}

const globalForJobs = globalThis as unknown as { cofferJobs?: Promise<Jobs> };

function serverKey(): string {
  const config = getConfig();
  return loadSecrets(config.COFFER_DATA_DIR, { authSecret: config.AUTH_SECRET, serverKey: config.COFFER_SERVER_KEY }, () => {}).serverKey;
}

/** Starts the runner once per process (recovering jobs a crash left running) and returns the services. */
export function startJobs(): Promise<Jobs> {
  globalForJobs.cofferJobs ??= (async () => {
    const config = getConfig();
    const database = await getDatabase();
    let key: string | undefined;
    const keyOnce = () => (key ??= serverKey());
    const access = new RepositoryAccess(keyOnce);
    const deps = { db: getDb, access, roots: () => config.COFFER_BACKUP_ROOTS };
    const runner = new JobRunner({
      database,
      boss: createBoss(database),
      concurrency: config.COFFER_JOB_CONCURRENCY,
      heartbeatMs: config.COFFER_JOB_HEARTBEAT_SECONDS * 1000,
      staleMs: config.COFFER_JOB_STALE_SECONDS * 1000,
      // Sweep twice per stale period (at most every 30 s), so a dead server's job is marked within 1.5 periods.
      sweepMs: Math.min(30_000, Math.max(1000, (config.COFFER_JOB_STALE_SECONDS * 1000) / 2)),
      handlers: { backup: backupHandler(deps), restore: restoreHandler(deps), check: checkHandler(deps, (ctx, repo) => openForJob(deps, ctx, repo)) },
      describeError: describeEngineError,
      scheduler: async (enqueue) => {
        const { errors } = await tickScheduler(database.db, new Date(), enqueue);
        for (const e of errors) console.error(`Schedule of plan ${e.planId} cannot be used: ${e.message}`);
        const day = config.COFFER_DIGEST_TIME ? dueDigestDay(config.COFFER_DIGEST_TIME, new Date()) : undefined;
        if (day) {
          const digests = await sendDailyDigests(database.db, new Date(), day, { publicUrl: config.COFFER_PUBLIC_URL, send: sendMail });
          for (const e of digests.errors) console.error(`Could not send the daily digest to user ${e.userId}: ${e.message}`);
        }
      },
      onFinished: (job, outcome) => {
        void notifyOwner(database.db, job, outcome, { publicUrl: config.COFFER_PUBLIC_URL, send: sendMail }).catch((err: unknown) =>
          console.error(`Could not email the owner about job ${job.id}:`, err),
        );
      },
      onRecovered: async (interrupted) => {
        const planIds = interrupted.map((j) => String(j.params.planId ?? '')).filter(Boolean);
        if (planIds.length === 0) return;
        const rows = await database.db
          .selectDistinct({ repository: repositories })
          .from(plans)
          .innerJoin(repositories, eq(repositories.id, plans.repositoryId))
          .where(inArray(plans.id, planIds));
        for (const { repository } of rows) {
          await clearStaleLocks(access.storage(repository)).catch((err: unknown) => console.error(`Could not check locks in ${repository.location}:`, err));
        }
      },
    });
    const { interrupted } = await runner.start();
    void sweepStaleUploads(config.COFFER_DATA_DIR).catch((err: unknown) => console.error('Could not clean old uploads:', err));
    if (interrupted > 0) console.log(`Coffer: ${interrupted} job(s) left running by the previous process were marked interrupted.`);
    console.log(`Coffer: job runner started (concurrency ${config.COFFER_JOB_CONCURRENCY}).`);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void runner.stop().finally(() => process.exit(0));
      });
    }
    return { runner, access, serverKey: keyOnce, classify: classifyError };
  })().catch((err: unknown) => {
    globalForJobs.cofferJobs = undefined;
    throw err;
  });
  return globalForJobs.cofferJobs;
}

/** The started job services (starting them if boot has not yet). */
export function getJobs(): Promise<Jobs> {
  return startJobs();
}
