'use client';
import { useActionState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { verifyCodeAction } from '@/lib/actions/auth/verify-code';

/** The code form (Code → Verify). */
export function VerifyCodeForm() {
  const [state, action] = useActionState(verifyCodeAction, null);
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form action={action} className="flex flex-col gap-4" noValidate>
      <FormMessage state={state} />
      <Field label="Code" name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" maxLength={6} required hint="6 digits, valid for 10 minutes." errors={errors?.code} />
      <SubmitButton>Verify</SubmitButton>
    </form>
  );
}
