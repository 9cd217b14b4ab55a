'use client';
import type { ActionResult } from '@/lib/actions/safe-action';

/**
 * The form's message region: failures in an `alert`, successes in a `status`, inside a polite live region
 * that is always present so screen readers announce what appears in it.
 */
export function FormMessage({ state, initial }: { state: ActionResult | null | undefined; initial?: { kind: 'status' | 'alert'; text: string } }) {
  const shown = state?.message ? { kind: state.ok ? 'status' : 'alert', text: state.message } : initial;
  return (
    <div aria-live="polite">
      {shown ? (
        <p
          role={shown.kind}
          className={
            shown.kind === 'alert'
              ? 'rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200'
              : 'rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200'
          }
        >
          {shown.text}
        </p>
      ) : null}
    </div>
  );
}
