import type { Metadata } from 'next';
import Link from 'next/link';
import { VerifyCodeForm } from '@/components/auth/verify-code-form';
import { getFlowTicket } from '@/lib/auth/flow-cookies';

export const metadata: Metadata = { title: 'Enter code' };

export default async function VerifyOtpPage() {
  const ticket = await getFlowTicket();
  if (!ticket) {
    return (
      <>
        <h1 className="mb-4 text-2xl font-semibold">Enter code</h1>
        <p className="text-slate-600 dark:text-slate-300">
          There is no code to enter right now, or this step has expired.{' '}
          <Link href="/forgot-password" className="text-brand-700 underline dark:text-brand-500">
            Request a password reset code
          </Link>{' '}
          or{' '}
          <Link href="/login" className="text-brand-700 underline dark:text-brand-500">
            sign in
          </Link>
          .
        </p>
      </>
    );
  }
  return (
    <>
      <h1 className="mb-2 text-2xl font-semibold">Enter code</h1>
      <p className="mb-6 text-sm text-slate-600 dark:text-slate-300">
        {ticket.p === 'reset'
          ? `If an account exists for ${ticket.email}, we sent it a 6-digit code. Enter it to choose a new password.`
          : `We sent a 6-digit code to ${ticket.email}. Enter it to finish signing in.`}
      </p>
      <VerifyCodeForm />
      <p className="mt-4 text-sm text-slate-600 dark:text-slate-300">
        No email?{' '}
        <Link href={ticket.p === 'reset' ? '/forgot-password' : '/login'} className="underline-offset-2 hover:underline">
          {ticket.p === 'reset' ? 'Request a new code' : 'Sign in again for a new code'}
        </Link>
      </p>
    </>
  );
}
