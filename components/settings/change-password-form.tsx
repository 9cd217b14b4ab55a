'use client';
import { useActionState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { changePasswordAction } from '@/lib/actions/settings/change-password';

/** Settings: Current password, New password, Confirm password → "Change password". */
export function ChangePasswordForm() {
  const [state, action] = useActionState(changePasswordAction, null);
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form action={action} className="flex max-w-md flex-col gap-3" noValidate>
      <FormMessage state={state} />
      <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required errors={errors?.currentPassword} />
      <Field label="New password" name="newPassword" type="password" autoComplete="new-password" required minLength={10} maxLength={256} hint="At least 10 characters." errors={errors?.newPassword} />
      <Field label="Confirm password" name="confirmPassword" type="password" autoComplete="new-password" required errors={errors?.confirmPassword} />
      <div>
        <SubmitButton variant="secondary">Change password</SubmitButton>
      </div>
    </form>
  );
}
