import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { DeletePlanForm } from '@/components/backups/delete-plan-form';
import { EditDestinationForm } from '@/components/backups/edit-destination-form';
import { EditPlanForm } from '@/components/backups/edit-plan-form';
import { describePlanSchedule, scheduleDefaults } from '@/components/backups/schedule-defaults';
import { JobList } from '@/components/backups/job-list';
import { toJobView } from '@/components/backups/job-view';
import { RunBackupPanel } from '@/components/backups/run-backup-panel';
import { SnapshotTable } from '@/components/backups/snapshot-table';
import { UploadZone } from '@/components/backups/upload-zone';
import { cardClass, linkClass } from '@/components/ui/styles';
import { requireUser } from '@/lib/auth/session';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/db';
import { listJobs } from '@/lib/db/queries/jobs';
import { getPlan } from '@/lib/db/queries/plans';
import { listPlanSnapshots } from '@/lib/db/queries/snapshots';
import { getJobs } from '@/lib/jobs';
import { storedAccessKey } from '@/lib/jobs/engine-adapter';

export const metadata: Metadata = { title: 'Backup plan' };

export default async function PlanPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requireUser();
  const { id } = await params;
  const db = await getDb();
  const found = await getPlan(db, user.id, id);
  if (!found) notFound();
  const { plan, repository } = found;
  const [snapshots, jobs, { access, serverKey }] = await Promise.all([listPlanSnapshots(db, user.id, plan.id), listJobs(db, user.id, { planId: plan.id, limit: 10 }), getJobs()]);
  const active = jobs.find((j) => j.kind === 'backup' && (j.status === 'running' || j.status === 'queued'));
  const needsPassphrase = !access.isUnlocked(repository);
  const created = (await searchParams).created === '1';
  const described = describePlanSchedule(plan.schedule, plan.timeZone, plan.retention);
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href="/dashboard" className={`text-sm ${linkClass}`}>
          ← Dashboard
        </Link>
        <h1 className="mt-1 text-2xl font-semibold break-words">{plan.name}</h1>
        {created ? (
          <p role="status" className="mt-2 text-sm text-emerald-700 dark:text-emerald-300">
            Backup plan created. Run it now, or drop files below.
          </p>
        ) : null}
        <dl className="mt-3 grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
          <dt className="text-slate-500 dark:text-slate-400">Sources</dt>
          <dd className="font-mono text-xs break-all">{plan.sources.join(', ')}</dd>
          {plan.excludes.length > 0 ? (
            <>
              <dt className="text-slate-500 dark:text-slate-400">Excludes</dt>
              <dd className="font-mono text-xs break-all">{plan.excludes.join(', ')}</dd>
            </>
          ) : null}
          <dt className="text-slate-500 dark:text-slate-400">Settings</dt>
          <dd>
            {repository.encrypted ? 'Encrypted' : 'Not encrypted'} · {plan.compression === 'none' ? 'not compressed' : 'compressed'}
            {repository.encrypted ? (repository.sealedPassphrase ? ' · passphrase remembered' : ' · passphrase asked for each run') : ''}
          </dd>
          <dt className="text-slate-500 dark:text-slate-400">Schedule</dt>
          <dd data-testid="plan-schedule">{described.schedule}</dd>
          <dt className="text-slate-500 dark:text-slate-400">Retention</dt>
          <dd data-testid="plan-retention">{described.retention}</dd>
          <dt className="text-slate-500 dark:text-slate-400">Repository</dt>
          <dd className="font-mono text-xs break-all">{repository.location}</dd>
        </dl>
      </div>
      <section aria-labelledby="run-heading" className={cardClass}>
        <h2 id="run-heading" className="mb-3 text-lg font-semibold">
          Run
        </h2>
        <RunBackupPanel planId={plan.id} needsPassphrase={needsPassphrase} active={active ? toJobView(active) : null} />
      </section>
      <section aria-labelledby="snapshots-heading" className={cardClass}>
        <h2 id="snapshots-heading" className="mb-3 text-lg font-semibold">
          Snapshots
        </h2>
        <SnapshotTable planId={plan.id} snapshots={snapshots} />
      </section>
      <section aria-labelledby="upload-heading" className={cardClass}>
        <h2 id="upload-heading" className="mb-3 text-lg font-semibold">
          Upload from this computer
        </h2>
        <UploadZone planId={plan.id} limit={getConfig().COFFER_UPLOAD_LIMIT} needsPassphrase={needsPassphrase} />
      </section>
      <section aria-labelledby="edit-heading" className={cardClass}>
        <h2 id="edit-heading" className="mb-3 text-lg font-semibold">
          Edit plan
        </h2>
        <EditPlanForm planId={plan.id} defaults={scheduleDefaults(plan.schedule, plan.retention)} needsRememberedPassphrase={repository.encrypted && !repository.sealedPassphrase} />
      </section>
      {repository.kind === 's3' && repository.s3 ? (
        <section aria-labelledby="destination-heading" className={cardClass}>
          <h2 id="destination-heading" className="mb-3 text-lg font-semibold">
            Destination
          </h2>
          <EditDestinationForm
            planId={plan.id}
            location={repository.location}
            snapshots={snapshots.length}
            defaults={{ ...repository.s3, endpoint: repository.s3.endpoint ?? '', accessKey: storedAccessKey(repository, serverKey) }}
          />
        </section>
      ) : null}
      <section aria-labelledby="jobs-heading" className={cardClass}>
        <h2 id="jobs-heading" className="mb-3 text-lg font-semibold">
          Recent jobs
        </h2>
        <JobList jobs={jobs} showPlan={false} />
      </section>
      <section aria-labelledby="danger-heading">
        <h2 id="danger-heading" className="sr-only">
          Delete
        </h2>
        <DeletePlanForm planId={plan.id} planName={plan.name} location={repository.location} />
      </section>
    </div>
  );
}
