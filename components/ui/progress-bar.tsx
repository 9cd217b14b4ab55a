/**
 * A real progress bar: `role="progressbar"` with aria-valuenow when the amount is known, and an
 * indeterminate bar (no aria-valuenow) while it is not.
 */
export function ProgressBar({ value, label, detail }: { value: number | null; label: string; detail?: string }) {
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value ?? undefined}
      aria-valuetext={value === null ? (detail ?? 'Working…') : `${value}%${detail ? `, ${detail}` : ''}`}
      className="h-3 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
    >
      <div
        className={`h-full rounded-full bg-brand-600 transition-[width] duration-500 ${value === null ? 'w-1/3 animate-pulse' : ''}`}
        style={value === null ? undefined : { width: `${value}%` }}
      />
    </div>
  );
}
