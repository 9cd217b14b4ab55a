'use client';
import { useActionState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { resetPasswordAction } from '@/lib/actions/auth/reset-password';

/** The new-password form (New password, Confirm password → Reset password). */
export function ResetPasswordForm() {
  const [state, action] = useActionState(resetPasswordAction, null);
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form action={action} className="flex flex-col gap-4" noValidate>
      <FormMessage state={state} />
      <Field label="New password" name="newPassword" type="password" autoComplete="new-password" required minLength={10} maxLength={256} hint="At least 10 characters." errors={errors?.newPassword} />
      <Field label="Confirm password" name="confirmPassword" type="password" autoComplete="new-password" required errors={errors?.confirmPassword} />
      <SubmitButton>Reset password</SubmitButton>
    </form>
  );
}
