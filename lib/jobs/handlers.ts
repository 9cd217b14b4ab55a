/**
 * What each kind of job does: backup (a plan's sources, or files uploaded from a browser) and restore (to
 * the original place or a target folder). Both re-check paths against the allowed roots when they run,
 * since the file system may have changed since the job was queued.
 */
import 'server-only';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '@/lib/db';
import { getPlan } from '@/lib/db/queries/plans';
import { getPlanSnapshot, recordSnapshot } from '@/lib/db/queries/snapshots';
import { resolveReadablePath, resolveWritableFolder } from '@/lib/fs-roots';
import { compressionMode, openRepositoryAt, scanTotals, type OverwritePolicy, type Repository } from './engine-adapter';
import { applyPlanRetention } from './maintenance';
import type { RepositoryAccess } from './repository-access';
import type { JobContext, JobHandler } from './runner';

/** Parameters stored on a backup job. */
export interface BackupParams {
  planId: string;
  /** Set for runs started by the schedule: the plan's retention policy is applied afterwards. */
  scheduled?: boolean;
  /** Set for browser uploads: the staging folder the route handler wrote, removed when the job ends. */
  uploadDir?: string;
}

/** Parameters stored on a restore job. */
export interface RestoreParams {
  planId: string;
  snapshotId: string;
  /** A folder inside the allowed roots, or null for the original location. */
  target: string | null;
  /** Snapshot paths to restore (empty: everything). */
  include: string[];
  overwrite: OverwritePolicy;
}

/** What handlers need from the server. */
export interface HandlerDeps {
  db: () => Promise<Db>;
  access: RepositoryAccess;
  roots: () => readonly string[];
}

const rate = (bytes: number, ms: number) => (ms > 0 ? Math.round((bytes * 1000) / ms) : 0);

/** Opens the job's repository with its passphrase (entered, kept or remembered); the caller closes it. */
export async function openForJob(deps: HandlerDeps, ctx: JobContext, repo: Parameters<RepositoryAccess['passphraseFor']>[0]): Promise<Repository> {
  return openRepositoryAt(deps.access.storage(repo), deps.access.passphraseFor(repo, ctx.secret));
}

async function withRepository<T>(deps: HandlerDeps, ctx: JobContext, repo: Parameters<RepositoryAccess['passphraseFor']>[0], fn: (r: Repository) => Promise<T>): Promise<T> {
  // A job opens its own handle: it must see the repository as it is now, and closes it when done.
  const handle = await openForJob(deps, ctx, repo);
  try {
    return await fn(handle);
  } finally {
    await handle.close();
    deps.access.invalidate(repo.id);
  }
}

/** Runs a backup job. */
export function backupHandler(deps: HandlerDeps): JobHandler {
  return async (ctx) => {
    const params = ctx.job.params as unknown as BackupParams;
    const db = await deps.db();
    try {
      const found = await getPlan(db, ctx.job.ownerId, params.planId);
      if (!found) throw new Error('The plan of this backup no longer exists.');
      const { plan, repository } = found;
      const sources = params.uploadDir ? [params.uploadDir] : await Promise.all(plan.sources.map((s) => resolveReadablePath(s, deps.roots())));
      const excludes = params.uploadDir ? [] : plan.excludes;
      let totals: { files: number; bytes: number } | null = null;
      let recorded = false;
      const scanning = scanTotals(sources, excludes, ctx.signal).then((t) => (totals = t));
      const started = Date.now();
      let retention: Record<string, unknown> | null = null;
      const outcome = await withRepository(deps, ctx, repository, async (repo) => {
        const done = await repo.backup(sources, {
          excludes,
          compression: compressionMode(plan.compression),
          tags: params.uploadDir ? ['upload'] : [],
          signal: ctx.signal,
          onProgress: (p) => {
            const elapsed = Date.now() - started;
            const t = totals as { files: number; bytes: number } | null;
            const bytesPerSecond = rate(p.bytesRead, elapsed);
            const remaining = t ? Math.max(0, t.bytes - p.bytesRead) : null;
            ctx.progress({
              phase: 'backup',
              filesDone: p.files,
              filesTotal: t?.files ?? null,
              bytesDone: p.bytesRead,
              bytesTotal: t?.bytes ?? null,
              bytesAdded: p.bytesAdded,
              currentPath: p.currentPath,
              bytesPerSecond,
              etaSeconds: remaining !== null && bytesPerSecond > 0 ? Math.round(remaining / bytesPerSecond) : null,
            });
          },
        });
        // Retention runs on scheduled backups only, in the same job: it holds the repository's turn, so no
        // other run of the plan slips in between the backup and the prune.
        if (params.scheduled) {
          await recordBackup(db, ctx, plan.id, repository.id, done, totals);
          recorded = true;
          retention = await applyPlanRetention(db, ctx, plan, repository, repo);
        }
        return done;
      });
      await scanning.catch(() => {});
      const { snapshot, summary } = outcome;
      for (const w of summary.warnings) ctx.warn(w);
      const t = totals as { files: number; bytes: number } | null;
      if (!recorded) await recordBackup(db, ctx, plan.id, repository.id, outcome, t);
      ctx.progress({ phase: 'done', filesDone: summary.files, filesTotal: summary.files, bytesDone: t?.bytes ?? summary.bytesRead, bytesTotal: t?.bytes ?? summary.bytesRead, bytesAdded: summary.bytesAdded, currentPath: '' });
      return {
        engineSnapshotId: snapshot.id,
        files: summary.files,
        dirs: summary.dirs,
        bytesRead: summary.bytesRead,
        bytesAdded: summary.bytesAdded,
        durationMs: summary.durationMs,
        warnings: summary.warnings.length,
        upload: params.uploadDir ? true : undefined,
        retention: retention ?? undefined,
      };
    } finally {
      if (params.uploadDir) {
        await fs.promises.rm(params.uploadDir, { recursive: true, force: true }).catch(() => {});
        await fs.promises.rmdir(path.dirname(params.uploadDir)).catch(() => {});
      }
    }
  };
}

async function recordBackup(db: Db, ctx: JobContext, planId: string, repositoryId: string, outcome: Awaited<ReturnType<Repository['backup']>>, totals: { files: number; bytes: number } | null): Promise<void> {
  const { snapshot, summary } = outcome;
  await recordSnapshot(db, ctx.job.ownerId, {
    repositoryId,
    planId,
    engineSnapshotId: snapshot.id,
    time: new Date(snapshot.time),
    files: summary.files,
    dirs: summary.dirs,
    bytes: totals?.bytes ?? summary.bytesRead,
    bytesAdded: summary.bytesAdded,
    durationMs: summary.durationMs,
  });
}

/** Runs a restore job. */
export function restoreHandler(deps: HandlerDeps): JobHandler {
  return async (ctx) => {
    const params = ctx.job.params as unknown as RestoreParams;
    const db = await deps.db();
    const found = await getPlanSnapshot(db, ctx.job.ownerId, params.planId, params.snapshotId);
    if (!found) throw new Error('The snapshot to restore no longer exists.');
    const { snapshot, repository } = found;
    return withRepository(deps, ctx, repository, async (repo) => {
      const engineSnapshot = await repo.findSnapshot(snapshot.engineSnapshotId);
      // Each source became a top-level entry named by its base name; "original location" puts each back
      // in the folder it came from.
      const runs: { target: string; include: string[] }[] = [];
      if (params.target) {
        runs.push({ target: await resolveWritableFolder(params.target, deps.roots()), include: params.include });
      } else {
        for (const source of engineSnapshot.paths) {
          const top = path.basename(source);
          const include = params.include.length === 0 ? [top] : params.include.filter((p) => p === top || p.startsWith(`${top}/`));
          if (include.length > 0) runs.push({ target: await resolveWritableFolder(path.dirname(source), deps.roots()), include });
        }
      }
      const total = params.include.length === 0 ? snapshot.bytes : null;
      const done = { files: 0, dirs: 0, bytes: 0, skipped: 0, failures: 0 };
      const started = Date.now();
      for (const run of runs) {
        const base = { ...done };
        const result = await repo.restore(engineSnapshot.id, run.target, {
          include: run.include,
          overwrite: params.overwrite,
          signal: ctx.signal,
          onProgress: (p) => {
            const bytesDone = base.bytes + p.bytes;
            const bytesPerSecond = rate(bytesDone, Date.now() - started);
            ctx.progress({
              phase: 'restore',
              filesDone: base.files + p.files,
              filesTotal: params.include.length === 0 ? snapshot.files : null,
              bytesDone,
              bytesTotal: total,
              currentPath: p.currentPath,
              bytesPerSecond,
              etaSeconds: total && bytesPerSecond > 0 ? Math.round(Math.max(0, total - bytesDone) / bytesPerSecond) : null,
            });
          },
        });
        done.files += result.files;
        done.dirs += result.dirs;
        done.bytes += result.bytes;
        done.skipped += result.skipped.length;
        done.failures += result.failures.length;
        for (const s of result.skipped) ctx.warn({ path: s.path, message: `skipped: ${s.reason}` });
        for (const f of result.failures) ctx.warn({ path: f.path, message: `not restored: ${f.error.message}` });
      }
      ctx.progress({ phase: 'done', filesDone: done.files, filesTotal: done.files, bytesDone: done.bytes, bytesTotal: done.bytes, currentPath: '' });
      if (done.failures > 0) throw new Error(`${done.failures} file(s) could not be restored; see the warnings. Everything else was restored.`);
      return { ...done, targets: runs.map((r) => r.target), durationMs: Date.now() - started };
    });
  };
}
