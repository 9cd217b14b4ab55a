import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { JobProgress } from '@/components/backups/job-progress';
import { toJobView } from '@/components/backups/job-view';
import { formatDuration, formatTime } from '@/components/ui/format';
import { cardClass, linkClass } from '@/components/ui/styles';
import { requireUser } from '@/lib/auth/session';
import { getDb } from '@/lib/db';
import { getJob } from '@/lib/db/queries/jobs';
import { getPlan } from '@/lib/db/queries/plans';

export const metadata: Metadata = { title: 'Job log' };

/** What ran, when, with what outcome and warnings. */
export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const db = await getDb();
  const job = await getJob(db, user.id, id);
  if (!job) notFound();
  const plan = job.planId ? await getPlan(db, user.id, job.planId) : undefined;
  const p = job.params as Record<string, unknown>;
  const what =
    job.kind === 'restore'
      ? `Restore ${Array.isArray(p.include) && p.include.length > 0 ? `of ${p.include.length} item(s)` : 'of a whole snapshot'} to ${typeof p.target === 'string' ? p.target : 'the original location'} (if a file exists: ${String(p.overwrite ?? 'skip')})`
      : p.uploadDir
        ? 'Backup of files uploaded from a browser'
        : `Backup of ${plan ? plan.plan.sources.join(', ') : 'a deleted plan'}`;
  return (
    <div className="flex flex-col gap-6">
      <div>
        {plan ? (
          <Link href={`/backups/${plan.plan.id}`} className={`text-sm ${linkClass}`}>
            ← {plan.plan.name}
          </Link>
        ) : (
          <Link href="/dashboard" className={`text-sm ${linkClass}`}>
            ← Dashboard
          </Link>
        )}
        <h1 className="mt-1 text-2xl font-semibold">Job log</h1>
      </div>
      <section className={cardClass}>
        <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
          <dt className="text-slate-500">What</dt>
          <dd className="break-words">{what}</dd>
          <dt className="text-slate-500">Queued</dt>
          <dd>{formatTime(job.createdAt)}</dd>
          <dt className="text-slate-500">Started</dt>
          <dd>{formatTime(job.startedAt)}</dd>
          <dt className="text-slate-500">Finished</dt>
          <dd>{formatTime(job.finishedAt)}</dd>
          {job.startedAt && job.finishedAt ? (
            <>
              <dt className="text-slate-500">Ran for</dt>
              <dd>{formatDuration(job.finishedAt.getTime() - job.startedAt.getTime())}</dd>
            </>
          ) : null}
          <dt className="text-slate-500">Job id</dt>
          <dd className="font-mono text-xs">{job.id}</dd>
        </dl>
      </section>
      <section className={cardClass}>
        <JobProgress initial={toJobView(job)} title="Outcome" />
      </section>
    </div>
  );
}
