/** Recent jobs as a compact list: kind, plan, status, when, and a link to each job's log. */
import Link from 'next/link';
import { formatTime } from '@/components/ui/format';
import { StatusBadge } from '@/components/ui/status-badge';
import { linkClass } from '@/components/ui/styles';
import type { Job } from '@/lib/db/schema';

export function JobList({ jobs, showPlan }: { jobs: (Job & { planName: string | null })[]; showPlan: boolean }) {
  if (jobs.length === 0) return <p className="text-sm text-slate-600 dark:text-slate-300">No jobs yet.</p>;
  return (
    <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-900">
      {jobs.map((j) => (
        <li key={j.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
          <span className="flex flex-wrap items-center gap-2">
            <Link href={`/jobs/${j.id}`} className={linkClass}>
              {j.kind === 'restore' ? 'Restore' : j.kind === 'backup' ? (j.params.uploadDir ? 'Upload backup' : 'Backup') : j.kind}
              {showPlan && j.planName ? ` · ${j.planName}` : ''}
            </Link>
            <StatusBadge status={j.status} warnings={j.warnings.length} />
          </span>
          <span className="text-xs text-slate-500 dark:text-slate-400">{formatTime(j.createdAt)}</span>
        </li>
      ))}
    </ul>
  );
}
