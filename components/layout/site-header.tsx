import Link from 'next/link';
import type { ReactNode } from 'react';

/** The top bar on every page; `actions` holds what depends on the session (sign in / sign out). */
export function SiteHeader({ actions }: { actions?: ReactNode }) {
  return (
    <header className="border-b border-slate-200 bg-white/80 dark:border-slate-800 dark:bg-slate-950/80">
      <div className="mx-auto flex max-w-6xl items-center justify-between gap-2 px-4 py-3 sm:gap-4">
        <Link href="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight">
          <svg aria-hidden="true" viewBox="0 0 24 24" className="h-6 w-6 text-brand-600 dark:text-brand-500" fill="none" stroke="currentColor" strokeWidth="2">
            <rect x="3" y="6" width="18" height="14" rx="2" />
            <path d="M3 10h18M10 14h4M7 6V4h10v2" />
          </svg>
          Coffer
        </Link>
        <nav aria-label="Main" className="flex items-center gap-1 whitespace-nowrap text-sm sm:gap-3">
          {actions}
        </nav>
      </div>
    </header>
  );
}
