'use client';
/**
 * "Destination" on the plan page of an S3 plan: endpoint, region, bucket, prefix, path style and
 * credentials, with "Test connection" on the edited values. The secret key is never sent to the browser;
 * left blank, the stored one is kept.
 */
import { useActionState } from 'react';
import { FormMessage } from '@/components/ui/form-message';
import { buttonPrimary } from '@/components/ui/styles';
import { testPlanS3ConnectionAction, updatePlanDestinationAction } from '@/lib/actions/backups/update-plan-destination';
import { S3Fields, TestConnectionButton, type S3FieldDefaults } from './s3-fields';
import { keptSubmit } from './use-kept-form';

/** The stored destination, without the secret. */
export type DestinationDefaults = Required<S3FieldDefaults>;

/** The form; `snapshots` (how many the plan has) and `location` drive the warning about moving. */
export function EditDestinationForm({ planId, defaults, snapshots, location }: { planId: string; defaults: DestinationDefaults; snapshots: number; location: string }) {
  const [state, action, pending] = useActionState(updatePlanDestinationAction, null);
  const [testState, testAction, testing] = useActionState(testPlanS3ConnectionAction, null);
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  const testErrors = testState && !testState.ok ? testState.fieldErrors : undefined;
  const e = (k: string) => errors?.[k] ?? testErrors?.[k];
  return (
    <form action={action} onSubmit={keptSubmit(action)} className="flex flex-col gap-4" noValidate>
      <input type="hidden" name="planId" value={planId} />
      {snapshots > 0 ? (
        <p role="note" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
          This plan has {snapshots} snapshot{snapshots === 1 ? '' : 's'} in {location}. A new bucket or prefix must hold this same repository (for example a
          copy of it): another repository there, or an empty place, is refused, because the plan would lose sight of its snapshots.
        </p>
      ) : null}
      <S3Fields
        defaults={defaults}
        fieldErrors={e}
        secretAutoComplete="new-password"
        secretHint="Leave empty to keep the stored secret (it is never shown)."
      />
      <div className="flex flex-col gap-2">
        <div className="flex flex-wrap gap-3">
          <button type="submit" disabled={pending} aria-disabled={pending} className={buttonPrimary}>
            {pending ? 'Saving…' : 'Save destination'}
          </button>
          <TestConnectionButton onTest={testAction} testing={testing} />
        </div>
        <FormMessage state={testState} />
        <FormMessage state={state} />
      </div>
    </form>
  );
}
