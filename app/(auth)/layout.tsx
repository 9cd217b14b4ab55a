import Link from 'next/link';
import type { ReactNode } from 'react';
import { SiteFooter } from '@/components/layout/site-footer';
import { SiteHeader } from '@/components/layout/site-header';

/** The account pages: a narrow card under the site header. */
export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <>
      <SiteHeader
        actions={
          <>
            <Link className="rounded-md px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800" href="/login">
              Sign in
            </Link>
            <Link className="rounded-md px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800" href="/register">
              Create account
            </Link>
          </>
        }
      />
      <main className="mx-auto w-full max-w-md flex-1 px-4 py-10">
        <div className="rounded-lg border border-slate-200 p-6 shadow-sm dark:border-slate-800">{children}</div>
      </main>
      <SiteFooter />
    </>
  );
}
