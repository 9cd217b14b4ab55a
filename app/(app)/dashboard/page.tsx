import type { Metadata } from 'next';
import Link from 'next/link';
import { JobList } from '@/components/backups/job-list';
import { JobProgress } from '@/components/backups/job-progress';
import { toJobView } from '@/components/backups/job-view';
import { PlanList } from '@/components/backups/plan-list';
import { formatBytes } from '@/components/ui/format';
import { buttonPrimary, cardClass } from '@/components/ui/styles';
import { requireUser } from '@/lib/auth/session';
import { getDb } from '@/lib/db';
import { listJobs } from '@/lib/db/queries/jobs';
import { listPlans } from '@/lib/db/queries/plans';
import { snapshotTotals } from '@/lib/db/queries/snapshots';
import { folderSize } from '@/lib/jobs/repository-size';

export const metadata: Metadata = { title: 'Dashboard' };

const DELETED: Record<string, string> = {
  kept: 'The plan was deleted. Its repository was kept on disk.',
  removed: 'The plan and its repository were deleted.',
};

export default async function DashboardPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requireUser();
  const db = await getDb();
  const [plans, active, recent, totals] = await Promise.all([
    listPlans(db, user.id),
    listJobs(db, user.id, { statuses: ['running', 'queued'], limit: 20 }),
    listJobs(db, user.id, { limit: 8 }),
    snapshotTotals(db, user.id),
  ]);
  const stored = (await Promise.all(plans.map((p) => folderSize(p.repository.location)))).reduce((a, b) => a + b, 0);
  const deleted = DELETED[(await searchParams).deleted ?? ''];
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Dashboard</h1>
        <Link href="/backups/new" className={buttonPrimary}>
          New backup
        </Link>
      </div>
      {deleted ? (
        <p role="status" className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
          {deleted}
        </p>
      ) : null}
      {plans.length === 0 ? (
        <section className={`${cardClass} flex flex-col items-start gap-3`}>
          <h2 className="text-lg font-semibold">No backups yet</h2>
          <p className="text-slate-600 dark:text-slate-300">
            Start with a backup plan: pick the folders on this server to protect (or drop files from your computer later), choose whether to compress and encrypt, and run it.
          </p>
          <Link href="/backups/new" className={buttonPrimary}>
            Create your first backup
          </Link>
        </section>
      ) : (
        <>
          <dl className="grid grid-cols-3 gap-3 text-center sm:max-w-xl">
            <Total label="Plans" value={String(plans.length)} />
            <Total label="Snapshots" value={String(totals.count)} />
            <Total label="Repository size" value={formatBytes(stored)} />
          </dl>
          <section aria-labelledby="plans-heading" className={cardClass}>
            <h2 id="plans-heading" className="mb-3 text-lg font-semibold">
              Backup plans
            </h2>
            <PlanList plans={plans} now={new Date()} />
          </section>
        </>
      )}
      {active.length > 0 ? (
        <section aria-labelledby="active-heading" className={`${cardClass} flex flex-col gap-5`}>
          <h2 id="active-heading" className="text-lg font-semibold">
            Running and queued
          </h2>
          {active.map((j) => (
            <JobProgress key={j.id} initial={toJobView(j)} title={`${j.kind === 'restore' ? 'Restore' : 'Backup'}${j.planName ? ` · ${j.planName}` : ''}`} />
          ))}
        </section>
      ) : null}
      {recent.length > 0 ? (
        <section aria-labelledby="recent-heading" className={cardClass}>
          <h2 id="recent-heading" className="mb-3 text-lg font-semibold">
            Recent jobs
          </h2>
          <JobList jobs={recent} showPlan />
        </section>
      ) : null}
    </div>
  );
}

function Total({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded-lg border border-slate-200 px-2 py-3 dark:border-slate-800">
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums">{value}</dd>
    </div>
  );
}
