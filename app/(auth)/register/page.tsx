import type { Metadata } from 'next';
import Link from 'next/link';
import { RegisterForm } from '@/components/auth/register-form';
import { canRegister, hasNoUsers } from '@/lib/auth/registration';
import { getDb } from '@/lib/db';

export const metadata: Metadata = { title: 'Create account' };

type Search = Promise<Record<string, string | string[] | undefined>>;

export default async function RegisterPage({ searchParams }: { searchParams: Search }) {
  const params = await searchParams;
  const invite = typeof params.invite === 'string' ? params.invite : undefined;
  const db = await getDb();
  if (!(await canRegister(db, invite))) {
    return (
      <>
        <h1 className="mb-4 text-2xl font-semibold">Registration is closed</h1>
        <p className="text-slate-600 dark:text-slate-300">
          New accounts need an invitation link from the administrator of this Coffer. If you already have an account,{' '}
          <Link href="/login" className="text-brand-700 underline dark:text-brand-500">
            sign in
          </Link>
          .
        </p>
      </>
    );
  }
  const first = await hasNoUsers(db);
  return (
    <>
      <h1 className="mb-2 text-2xl font-semibold">Create account</h1>
      <p className="mb-6 text-sm text-slate-600 dark:text-slate-300">
        {first ? 'This is the first account: it becomes the administrator of this Coffer.' : 'Your backups stay private to your account.'}
      </p>
      <RegisterForm invite={invite} />
    </>
  );
}
