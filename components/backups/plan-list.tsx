/** The dashboard's plans: name, sources, schedule and next run, and the last run (status, time, size added). */
import Link from 'next/link';
import { formatBytes, formatTime } from '@/components/ui/format';
import { StatusBadge } from '@/components/ui/status-badge';
import { linkClass } from '@/components/ui/styles';
import type { PlanSummary } from '@/lib/db/queries/plans';
import { summarizeSchedule } from '@/lib/schedule';

/** `now` is when the page was rendered (next runs are counted from it). */
export function PlanList({ plans, now }: { plans: PlanSummary[]; now: Date }) {
  return (
    <ul className="divide-y divide-slate-100 dark:divide-slate-900">
      {plans.map(({ plan, repository, lastJob }) => {
        const added = typeof lastJob?.result?.bytesAdded === 'number' ? lastJob.result.bytesAdded : null;
        const when = summarizeSchedule(plan.schedule, plan.timeZone, now);
        return (
          <li key={plan.id} className="flex flex-col gap-1 py-3 sm:flex-row sm:items-center sm:justify-between sm:gap-4">
            <div className="min-w-0">
              <Link href={`/backups/${plan.id}`} className={`font-medium ${linkClass}`}>
                {plan.name}
              </Link>
              <p className="truncate font-mono text-xs text-slate-500 dark:text-slate-400" title={plan.sources.join(', ')}>
                {plan.sources.join(', ')}
              </p>
              <p className="text-xs text-slate-600 dark:text-slate-300" data-testid="plan-schedule-summary">
                {when.label}
                {when.next && when.nextText ? (
                  <>
                    {' · next '}
                    <time dateTime={when.next.toISOString()}>{when.nextText}</time>
                  </>
                ) : null}
              </p>
            </div>
            <div className="flex shrink-0 flex-wrap items-center gap-2 text-sm text-slate-600 dark:text-slate-300">
              {repository.encrypted ? <span className="rounded border border-slate-300 px-1.5 text-xs dark:border-slate-700">encrypted</span> : null}
              {lastJob ? (
                <>
                  <span className="text-xs">Last job</span>
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
