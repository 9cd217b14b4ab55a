import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { LoginForm } from '@/components/auth/login-form';
import { safeNextPath } from '@/lib/auth/safe-next';
import { getCurrentUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Sign in' };

type Search = Promise<Record<string, string | string[] | undefined>>;

const NOTICES: Record<string, string> = {
  reset: 'Your password was reset. Sign in with your new password.',
  'signed-out': 'You are signed out.',
};

export default async function LoginPage({ searchParams }: { searchParams: Search }) {
  const params = await searchParams;
  const next = safeNextPath(typeof params.next === 'string' ? params.next : undefined);
  if (await getCurrentUser()) redirect(next);
  const notice = Object.keys(NOTICES).find((k) => params[k] !== undefined);
  return (
    <>
      <h1 className="mb-6 text-2xl font-semibold">Sign in</h1>
      <LoginForm next={next} notice={notice ? NOTICES[notice] : undefined} />
    </>
  );
}
