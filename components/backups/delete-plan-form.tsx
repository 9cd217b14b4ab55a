'use client';
/** Delete a plan: a button that opens a confirmation saying whether the repository is kept or removed. */
import { useActionState, useState } from 'react';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { buttonDanger, buttonSecondary } from '@/components/ui/styles';
import { deletePlanAction } from '@/lib/actions/backups/delete-plan';

export function DeletePlanForm({ planId, planName, location }: { planId: string; planName: string; location: string }) {
  const [open, setOpen] = useState(false);
  const [remove, setRemove] = useState(false);
  const [state, action] = useActionState(deletePlanAction, null);
  if (!open) {
    return (
      <button type="button" className={buttonDanger} onClick={() => setOpen(true)}>
        Delete plan
      </button>
    );
  }
  return (
    <form action={action} className="flex flex-col gap-3 rounded-md border border-red-300 p-4 dark:border-red-800" aria-label="Confirm deletion">
      <input type="hidden" name="planId" value={planId} />
      <p className="font-medium">Delete “{planName}”?</p>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" name="removeRepository" className="mt-1" checked={remove} onChange={(e) => setRemove(e.target.checked)} />
        <span>Also remove the repository and every snapshot in it</span>
      </label>
      <p role="note" className="text-sm text-slate-600 dark:text-slate-300">
        {remove
          ? `The repository at ${location} and all its snapshots will be removed. This cannot be undone.`
          : `The repository at ${location} is kept on disk with all its snapshots; only the plan is deleted.`}
      </p>
      <FormMessage state={state} />
      <div className="flex flex-wrap gap-2">
        <SubmitButton variant="danger">{remove ? 'Delete plan and repository' : 'Delete plan, keep repository'}</SubmitButton>
        <button type="button" className={buttonSecondary} onClick={() => setOpen(false)}>
          Keep the plan
        </button>
      </div>
    </form>
  );
}
