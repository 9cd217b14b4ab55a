/** The dashboard's plans: name, sources, and the last run (status, time, size added). */
import Link from 'next/link';
import { formatBytes, formatTime } from '@/components/ui/format';
import { StatusBadge } from '@/components/ui/status-badge';
import { linkClass } from '@/components/ui/styles';
import type { PlanSummary } from '@/lib/db/queries/plans';

export function PlanList({ plans }: { plans: PlanSummary[] }) {
  return (
    <ul className="divide-y divide-slate-100 dark:divide-slate-900">
      {plans.map(({ plan, repository, lastJob }) => {
        const added = typeof lastJob?.result?.bytesAdded === 'number' ? lastJob.result.bytesAdded : null;
        return (
          <li key={plan.id} className="flex flex-col gap-1 py-3 sm:flex-row sm:items-center sm:justify-between sm:gap-4">
            <div className="min-w-0">
              <Link href={`/backups/${plan.id}`} className={`font-medium ${linkClass}`}>
                {plan.name}
              </Link>
              <p className="truncate font-mono text-xs text-slate-500 dark:text-slate-400" title={plan.sources.join(', ')}>
                {plan.sources.join(', ')}
              </p>
            </div>
            <div className="flex shrink-0 flex-wrap items-center gap-2 text-sm text-slate-600 dark:text-slate-300">
              {repository.encrypted ? <span className="rounded border border-slate-300 px-1.5 text-xs dark:border-slate-700">encrypted</span> : null}
              {lastJob ? (
                <>
                  <StatusBadge status={lastJob.status} warnings={lastJob.warnings.length} />
                  <span className="text-xs">{formatTime(lastJob.finishedAt ?? lastJob.createdAt)}</span>
                  {added !== null ? <span className="text-xs">+{formatBytes(added)}</span> : null}
                </>
              ) : (
                <span className="text-xs">Never run</span>
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
