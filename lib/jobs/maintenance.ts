/**
 * Keeping storage in check: retention (forget + prune) after a scheduled backup, and the weekly check job
 * that reads a share of the data back.
 */
import 'server-only';
import type { Db } from '@/lib/db';
import { getPlan } from '@/lib/db/queries/plans';
import { markSnapshotsForgotten } from '@/lib/db/queries/schedules';
import type { Plan, Repository as RepositoryRow } from '@/lib/db/schema';
import { isEmptyPolicy, validatePolicy, type RetentionPolicy } from '@/lib/engine/retention';
import { forgetAndPrune, type Repository } from './engine-adapter';
import type { HandlerDeps } from './handlers';
import type { JobContext, JobHandler } from './runner';

/** Parameters stored on a check job. */
export interface CheckParams {
  planId: string;
  /** Percentage of the data to read and verify (0: structure only). */
  readData?: number;
}

/** The plan's retention policy when it is set and usable; undefined otherwise (nothing is forgotten). */
export function planPolicy(plan: Pick<Plan, 'retention'>): RetentionPolicy | undefined {
  if (!plan.retention) return undefined;
  const policy = plan.retention as RetentionPolicy;
  if (validatePolicy(policy).length > 0 || isEmptyPolicy(policy)) return undefined;
  return policy;
}

/**
 * Applies the plan's policy to its repository (forget, then prune) and marks forgotten snapshots in the
 * cache. Returns a summary for the job's result, or null when the plan has no policy.
 */
export async function applyPlanRetention(db: Db, ctx: JobContext, plan: Plan, repository: RepositoryRow, repo: Repository): Promise<Record<string, unknown> | null> {
  const policy = planPolicy(plan);
  if (!policy) return null;
  ctx.progress({ phase: 'forget', currentPath: '' });
  const outcome = await forgetAndPrune(repo, policy, { timeZone: plan.timeZone, signal: ctx.signal });
  const marked = await markSnapshotsForgotten(db, plan.ownerId, repository.id, outcome.forgotten);
  return { applied: true, forgotten: outcome.forgotten.length, kept: outcome.kept, markedInCache: marked, prune: outcome.prune };
}

/** Runs a check job: structure, plus `readData` percent of the data decrypted and verified. */
export function checkHandler(deps: HandlerDeps, open: (ctx: JobContext, repo: RepositoryRow) => Promise<Repository>): JobHandler {
  return async (ctx) => {
    const params = ctx.job.params as unknown as CheckParams;
    const db = await deps.db();
    const found = await getPlan(db, ctx.job.ownerId, params.planId);
    if (!found) throw new Error('The plan of this check no longer exists.');
    const started = Date.now();
    const repo = await open(ctx, found.repository);
    try {
      ctx.progress({ phase: 'check', currentPath: '' });
      const readData = params.readData ?? 0;
      const report = await repo.check({ readData: readData > 0 ? readData : false, signal: ctx.signal });
      if (!report.ok) {
        const first = report.errors.slice(0, 5).map((e) => `${e.object}: ${e.message}`);
        throw new Error(`The check found damage: ${first.join('; ')}${report.errors.length > 5 ? ` (and ${report.errors.length - 5} more)` : ''}`);
      }
      ctx.progress({ phase: 'done', currentPath: '' });
      return { ok: true, readDataPercent: readData, packs: report.packs, packsRead: report.packsRead, snapshots: report.snapshots, unreferencedPacks: report.unreferencedPacks.length, durationMs: Date.now() - started };
    } finally {
      await repo.close();
      deps.access.invalidate(found.repository.id);
    }
  };
}
