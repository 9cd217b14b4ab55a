/** A job's status as a small coloured label, with the words people read ("finished with warnings"). */
const LOOK: Record<string, string> = {
  queued: 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-200',
  running: 'bg-brand-100 text-brand-700 dark:bg-brand-700/30 dark:text-brand-100',
  succeeded: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-200',
  warnings: 'bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200',
  failed: 'bg-red-100 text-red-800 dark:bg-red-900/50 dark:text-red-200',
  cancelled: 'bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100',
  interrupted: 'bg-orange-100 text-orange-900 dark:bg-orange-900/40 dark:text-orange-200',
};

/** `warnings` > 0 on a succeeded job shows "finished with warnings". */
export function StatusBadge({ status, warnings = 0 }: { status: string; warnings?: number }) {
  const key = status === 'succeeded' && warnings > 0 ? 'warnings' : status;
  const text = key === 'warnings' ? 'finished with warnings' : status === 'succeeded' ? 'succeeded' : status;
  return (
    <span data-status={status} className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ${LOOK[key] ?? LOOK.queued}`}>
      {text}
    </span>
  );
}
