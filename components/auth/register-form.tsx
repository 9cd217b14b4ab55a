'use client';
import { useActionState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { registerAction } from '@/lib/actions/auth/register';

/** The registration form (Name, Email, Password, Confirm password → Create account). */
export function RegisterForm({ invite }: { invite?: string }) {
  const [state, action] = useActionState(registerAction, null);
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  const values = state && !state.ok ? state.values : undefined;
  return (
    <form action={action} className="flex flex-col gap-4" noValidate key={JSON.stringify(values ?? {})}>
      <FormMessage state={state} />
      {invite ? <input type="hidden" name="invite" value={invite} /> : null}
      <Field label="Name" name="name" autoComplete="name" required defaultValue={values?.name} errors={errors?.name} />
      <Field label="Email" name="email" type="email" autoComplete="email" required defaultValue={values?.email} errors={errors?.email} />
      <Field label="Password" name="password" type="password" autoComplete="new-password" required minLength={10} maxLength={256} hint="At least 10 characters. A few unrelated words make a strong password." errors={errors?.password} />
      <Field label="Confirm password" name="confirmPassword" type="password" autoComplete="new-password" required errors={errors?.confirmPassword} />
      <SubmitButton>Create account</SubmitButton>
    </form>
  );
}
