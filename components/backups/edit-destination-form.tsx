'use client';
/**
 * "Destination" on the plan page of an S3 plan: endpoint, region, bucket, prefix, path style and
 * credentials, with "Test connection" on the edited values. The secret key is never sent to the browser;
 * left blank, the stored one is kept.
 */
import { startTransition, useActionState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { buttonPrimary, buttonSecondary } from '@/components/ui/styles';
import { testPlanS3ConnectionAction, updatePlanDestinationAction } from '@/lib/actions/backups/update-plan-destination';
import { keptSubmit } from './use-kept-form';

/** The stored destination, without the secret. */
export interface DestinationDefaults {
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  pathStyle: boolean;
  accessKey: string;
}

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
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Endpoint" name="s3Endpoint" defaultValue={defaults.endpoint} placeholder="https://s3.example.net" errors={e('s3Endpoint')} hint="Empty for AWS." />
        <Field label="Region" name="s3Region" defaultValue={defaults.region} errors={e('s3Region')} />
        <Field label="Bucket" name="s3Bucket" defaultValue={defaults.bucket} errors={e('s3Bucket')} />
        <Field label="Prefix" name="s3Prefix" defaultValue={defaults.prefix} errors={e('s3Prefix')} hint="Folder inside the bucket (optional)." />
        <Field label="Access key" name="s3AccessKey" defaultValue={defaults.accessKey} autoComplete="off" errors={e('s3AccessKey')} />
        <Field label="Secret key" name="s3SecretKey" type="password" autoComplete="new-password" errors={e('s3SecretKey')} hint="Leave empty to keep the stored secret (it is never shown)." />
        <label className="flex items-center gap-2 sm:col-span-2">
          <input type="checkbox" name="s3PathStyle" defaultChecked={defaults.pathStyle} className="h-4 w-4" />
          Path-style URLs (most self-hosted servers need this)
        </label>
      </div>
      <div className="flex flex-col gap-2">
        <div className="flex flex-wrap gap-3">
          <button type="submit" disabled={pending} aria-disabled={pending} className={buttonPrimary}>
            {pending ? 'Saving…' : 'Save destination'}
          </button>
          <button
            type="button"
            onClick={(ev) => {
              const form = ev.currentTarget.form;
              if (form) startTransition(() => testAction(new FormData(form)));
            }}
            className={buttonSecondary}
            disabled={testing}
          >
            {testing ? 'Testing…' : 'Test connection'}
          </button>
        </div>
        <FormMessage state={testState} />
        <FormMessage state={state} />
      </div>
    </form>
  );
}
