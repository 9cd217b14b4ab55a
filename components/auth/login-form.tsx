'use client';
import Link from 'next/link';
import { useActionState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { signInAction } from '@/lib/actions/auth/sign-in';

/** The sign-in form (Email, Password → Sign in). */
export function LoginForm({ next, notice }: { next?: string; notice?: string }) {
  const [state, action] = useActionState(signInAction, null);
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  const values = state && !state.ok ? state.values : undefined;
  return (
    <form action={action} className="flex flex-col gap-4" noValidate>
      <FormMessage state={state} initial={notice ? { kind: 'status', text: notice } : undefined} />
      {next ? <input type="hidden" name="next" value={next} /> : null}
      <Field label="Email" name="email" type="email" autoComplete="email" required defaultValue={values?.email} key={values?.email} errors={errors?.email} />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required errors={errors?.password} />
      <SubmitButton>Sign in</SubmitButton>
      <div className="flex justify-between text-sm">
        <Link href="/forgot-password" className="text-brand-700 underline-offset-2 hover:underline dark:text-brand-500">
          Forgot password?
        </Link>
        <Link href="/register" className="underline-offset-2 hover:underline">
          Create account
        </Link>
      </div>
    </form>
  );
}
