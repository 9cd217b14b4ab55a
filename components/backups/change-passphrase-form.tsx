'use client';
/** Changes the passphrase of one encrypted plan's repository: the current one, then the new one twice. */
import { useActionState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { changeRepositoryPassphraseAction } from '@/lib/actions/backups/change-passphrase';

export function ChangePassphraseForm({ planId, planName }: { planId: string; planName: string }) {
  const [state, action] = useActionState(changeRepositoryPassphraseAction, null);
  const errors = (name: string) => (state && !state.ok ? state.fieldErrors?.[name] : undefined);
  return (
    <form action={action} className="flex max-w-md flex-col gap-3" aria-label={`Change the passphrase of ${planName}`}>
      <input type="hidden" name="planId" value={planId} />
      <Field label="Current passphrase" name="oldPassphrase" type="password" autoComplete="current-password" errors={errors('oldPassphrase')} />
      <Field label="New passphrase" name="newPassphrase" type="password" autoComplete="new-password" errors={errors('newPassphrase')} />
      <Field label="Repeat the new passphrase" name="confirmPassphrase" type="password" autoComplete="new-password" errors={errors('confirmPassphrase')} />
      <FormMessage state={state} />
      <SubmitButton>Change passphrase</SubmitButton>
    </form>
  );
}
