'use client';
/**
 * A job followed live: polls /api/jobs/:id once a second while it is queued or running, shows a progress
 * bar (files and bytes of the total, rate, ETA, current file) and a Cancel button, then the outcome.
 */
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useActionState, useEffect, useRef, useState } from 'react';
import { FormMessage } from '@/components/ui/form-message';
import { formatBytes, formatDuration, percent } from '@/components/ui/format';
import { ProgressBar } from '@/components/ui/progress-bar';
import { StatusBadge } from '@/components/ui/status-badge';
import { buttonSecondary, linkClass } from '@/components/ui/styles';
import { cancelJobAction } from '@/lib/actions/backups/cancel-job';

/** The job fields the view needs (as /api/jobs/:id answers). */
export interface JobView {
  id: string;
  kind: string;
  status: string;
  progress: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  error: string | null;
  warnings: { path: string; message: string }[];
  warningCount: number;
}

const ACTIVE = new Set(['queued', 'running']);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Shows one job; refreshes the page's server data once when the job finishes. */
export function JobProgress({ initial, title }: { initial: JobView; title?: string }) {
  const [job, setJob] = useState(initial);
  const [cancelState, cancel] = useActionState(cancelJobAction, null);
  const router = useRouter();
  const wasActive = useRef(ACTIVE.has(initial.status));

  useEffect(() => {
    if (!ACTIVE.has(job.status)) return;
    let stopped = false;
    const timer = setInterval(async () => {
      try {
        const res = await fetch(`/api/jobs/${job.id}`, { cache: 'no-store' });
        if (!res.ok || stopped) return;
        setJob((await res.json()) as JobView);
      } catch {
        // A missed poll is retried a second later.
      }
    }, 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [job.id, job.status]);

  useEffect(() => {
    if (wasActive.current && !ACTIVE.has(job.status)) {
      wasActive.current = false;
      router.refresh();
    }
  }, [job.status, router]);

  const p = job.progress ?? {};
  const filesDone = num(p.filesDone);
  const filesTotal = num(p.filesTotal);
  const bytesDone = num(p.bytesDone);
  const bytesTotal = num(p.bytesTotal);
  const finished = job.status === 'succeeded';
  const value = finished ? 100 : (percent(bytesDone, bytesTotal) ?? percent(filesDone, filesTotal));
  const shownValue = value === null ? null : finished ? 100 : Math.max(value, percent(filesDone, filesTotal) ?? 0);
  const rate = num(p.bytesPerSecond);
  const eta = num(p.etaSeconds);
  const label = `${job.kind === 'restore' ? 'Restore' : 'Backup'} progress`;
  const r = job.result ?? {};

  return (
    <div className="flex flex-col gap-3" data-testid="job-progress" data-job-id={job.id} data-status={job.status}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="font-medium">
          {title ?? (job.kind === 'restore' ? 'Restore' : 'Backup')} <StatusBadge status={job.status} warnings={job.warningCount} />
        </h3>
        <Link className={`text-sm ${linkClass}`} href={`/jobs/${job.id}`}>
          Job log
        </Link>
      </div>
      {ACTIVE.has(job.status) || finished ? (
        <ProgressBar value={job.status === 'queued' ? null : shownValue} label={label} detail={job.status === 'queued' ? 'Waiting to start' : undefined} />
      ) : null}
      {ACTIVE.has(job.status) ? (
        <>
          <p className="text-sm text-slate-600 dark:text-slate-300">
            {job.status === 'queued'
              ? 'Queued: it starts when a slot is free and no other job uses this backup.'
              : [
                  filesDone !== null ? `${filesDone}${filesTotal !== null ? ` of ${filesTotal}` : ''} files` : null,
                  bytesDone !== null ? `${formatBytes(bytesDone)}${bytesTotal !== null ? ` of ${formatBytes(bytesTotal)}` : ''}` : null,
                  rate ? `${formatBytes(rate)}/s` : null,
                  eta !== null ? `about ${formatDuration(eta * 1000)} left` : null,
                ]
                  .filter(Boolean)
                  .join(' · ')}
          </p>
          {typeof p.currentPath === 'string' && p.currentPath ? (
            <p className="truncate font-mono text-xs text-slate-500 dark:text-slate-400" title={p.currentPath}>
              {p.currentPath}
            </p>
          ) : null}
          <form action={cancel}>
            <input type="hidden" name="jobId" value={job.id} />
            <button type="submit" className={buttonSecondary}>
              Cancel
            </button>
          </form>
          <FormMessage state={cancelState} />
        </>
      ) : (
        <JobOutcome job={job} result={r} />
      )}
    </div>
  );
}

function JobOutcome({ job, result }: { job: JobView; result: Record<string, unknown> }) {
  return (
    <div className="flex flex-col gap-2 text-sm">
      {job.error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          {job.error}
        </p>
      ) : null}
      {job.status === 'succeeded' ? (
        <dl role="status" className="grid grid-cols-2 gap-x-4 gap-y-1 sm:grid-cols-4">
          <Stat label="Files" value={String(num(result.files) ?? '—')} />
          <Stat label={job.kind === 'restore' ? 'Bytes restored' : 'Bytes read'} value={formatBytes(num(result.bytesRead) ?? num(result.bytes))} />
          {job.kind === 'backup' ? <Stat label="Bytes added" value={formatBytes(num(result.bytesAdded))} /> : null}
          <Stat label="Duration" value={formatDuration(num(result.durationMs))} />
        </dl>
      ) : null}
      {job.warnings.length > 0 ? (
        <details className="rounded-md border border-amber-300 p-2 dark:border-amber-800" open={job.warnings.length <= 5}>
          <summary className="cursor-pointer font-medium">
            {job.warningCount} warning{job.warningCount === 1 ? '' : 's'}
          </summary>
          <ul className="mt-2 flex flex-col gap-1">
            {job.warnings.map((w, i) => (
              <li key={i} className="break-all">
                <span className="font-mono text-xs">{w.path}</span>: {w.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="font-medium">{value}</dd>
    </div>
  );
}
