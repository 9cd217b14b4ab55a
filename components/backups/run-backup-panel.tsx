'use client';
/** "Run backup now" (with a Passphrase field when the plan needs one) and the live view of the run it starts. */
import { useActionState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { runBackupAction } from '@/lib/actions/backups/run-backup';
import { JobProgress, type JobView } from './job-progress';

/** `active` is a job of this plan that was already queued or running when the page loaded. */
export function RunBackupPanel({ planId, needsPassphrase, active }: { planId: string; needsPassphrase: boolean; active: JobView | null }) {
  const [state, action] = useActionState(runBackupAction, null);
  const started = state?.ok ? (state.data as { jobId: string } | undefined)?.jobId : undefined;
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  const shown: JobView | null = started
    ? { id: started, kind: 'backup', status: 'queued', progress: null, result: null, error: null, warnings: [], warningCount: 0 }
    : active;
  return (
    <div className="flex flex-col gap-4">
      <form action={action} className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <input type="hidden" name="planId" value={planId} />
        {needsPassphrase ? (
          <Field label="Passphrase" name="passphrase" type="password" autoComplete="off" className="flex flex-1 flex-col gap-1" errors={errors?.passphrase} />
        ) : null}
        <SubmitButton>Run backup now</SubmitButton>
      </form>
      <FormMessage state={state && !state.ok ? state : null} />
      {shown ? <JobProgress key={shown.id} initial={shown} /> : null}
    </div>
  );
}
