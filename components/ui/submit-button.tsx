'use client';
import type { ReactNode } from 'react';
import { useFormStatus } from 'react-dom';

/** A submit button that is disabled (and says so to screen readers) while its form is being sent. */
export function SubmitButton({ children, variant = 'primary', ...rest }: { children: ReactNode; variant?: 'primary' | 'secondary' | 'danger'; name?: string; value?: string; 'aria-label'?: string }) {
  const { pending } = useFormStatus();
  const look =
    variant === 'primary'
      ? 'bg-brand-600 text-white hover:bg-brand-700'
      : variant === 'danger'
        ? 'border border-red-300 text-red-700 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950'
        : 'border border-slate-300 hover:bg-slate-50 dark:border-slate-700 dark:hover:bg-slate-900';
  return (
    <button type="submit" disabled={pending} aria-disabled={pending} className={`rounded-md px-4 py-2 font-medium disabled:opacity-60 ${look}`} {...rest}>
      {children}
    </button>
  );
}
