'use client';
/** Asks for an encrypted backup's passphrase before its snapshots can be browsed, restored or downloaded. */
import { useActionState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { unlockRepositoryAction } from '@/lib/actions/backups/unlock-repository';

export function UnlockForm({ planId }: { planId: string }) {
  const [state, action] = useActionState(unlockRepositoryAction, null);
  return (
    <form action={action} className="flex max-w-md flex-col gap-3">
      <p className="text-sm text-slate-600 dark:text-slate-300">This backup is encrypted. Enter its passphrase to browse and restore it; it stays unlocked on this server for 15 minutes.</p>
      <input type="hidden" name="planId" value={planId} />
      <Field label="Passphrase" name="passphrase" type="password" autoComplete="off" errors={state && !state.ok ? state.fieldErrors?.passphrase : undefined} />
      <FormMessage state={state} />
      <SubmitButton>Unlock</SubmitButton>
    </form>
  );
}
