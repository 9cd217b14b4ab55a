import type { Metadata } from 'next';
import Link from 'next/link';
import { ResetPasswordForm } from '@/components/auth/reset-password-form';
import { getResetToken } from '@/lib/auth/flow-cookies';
import { isResetTokenLive } from '@/lib/auth/password-reset';
import { getDb } from '@/lib/db';

export const metadata: Metadata = { title: 'Reset password' };

export default async function ResetPasswordPage() {
  const token = await getResetToken();
  const live = token !== undefined && (await isResetTokenLive(await getDb(), token));
  return (
    <>
      <h1 className="mb-2 text-2xl font-semibold">Reset password</h1>
      {live ? (
        <>
          <p className="mb-6 text-sm text-slate-600 dark:text-slate-300">Choose a new password. Every signed-in session will be signed out.</p>
          <ResetPasswordForm />
        </>
      ) : (
        <p className="text-slate-600 dark:text-slate-300">
          This reset has expired or was already used.{' '}
          <Link href="/forgot-password" className="text-brand-700 underline dark:text-brand-500">
            Request a new code
          </Link>
          .
        </p>
      )}
    </>
  );
}
