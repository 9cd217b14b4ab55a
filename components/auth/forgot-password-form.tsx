'use client';
import { useActionState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { forgotPasswordAction } from '@/lib/actions/auth/forgot-password';

/** The forgot-password form (Email → Send code). */
export function ForgotPasswordForm() {
  const [state, action] = useActionState(forgotPasswordAction, null);
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form action={action} className="flex flex-col gap-4" noValidate>
      <FormMessage state={state} />
      <Field label="Email" name="email" type="email" autoComplete="email" required errors={errors?.email} />
      <SubmitButton>Send code</SubmitButton>
    </form>
  );
}
