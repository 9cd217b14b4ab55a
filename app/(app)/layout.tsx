import Link from 'next/link';
import type { ReactNode } from 'react';
import { SignOutButton } from '@/components/auth/sign-out-button';
import { SiteFooter } from '@/components/layout/site-footer';
import { SiteHeader } from '@/components/layout/site-header';
import { requireUser } from '@/lib/auth/session';

/** Everything under (app) needs a session: requireUser() redirects to /login?next=… otherwise. */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return (
    <>
      <SiteHeader
        actions={
          <>
            <Link className="rounded-md px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800" href="/dashboard">
              Dashboard
            </Link>
            <Link className="rounded-md px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800" href="/settings">
              Settings
            </Link>
            <span className="hidden text-slate-500 sm:inline dark:text-slate-400" data-testid="current-user">
              {user.name}
            </span>
            <SignOutButton />
          </>
        }
      />
      <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-8">{children}</main>
      <SiteFooter />
    </>
  );
}
