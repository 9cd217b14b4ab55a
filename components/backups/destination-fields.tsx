'use client';
/**
 * Where a new plan's repository lives: a folder on this server (under the data dir by default, or inside
 * an allowed root) or an S3-compatible bucket, with "Test connection". The secret key is a password
 * field and is never sent back by the server.
 */
import { useActionState, useState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import type { FieldErrors } from '@/lib/actions/safe-action';
import { testS3ConnectionAction } from '@/lib/actions/backups/test-s3-connection';
import { S3Fields, TestConnectionButton } from './s3-fields';

/** The destination fields; `roots` are the allowed roots shown in the local folder's hint. */
export function DestinationFields({ errors, roots }: { errors?: FieldErrors; roots: string[] }) {
  const [kind, setKind] = useState<'local' | 's3'>('local');
  const [testState, testAction, testing] = useActionState(testS3ConnectionAction, null);
  const testErrors = testState && !testState.ok ? testState.fieldErrors : undefined;
  const e = (k: string) => errors?.[k] ?? testErrors?.[k];
  return (
    <fieldset className="flex flex-col gap-3">
      <legend className="mb-1 text-sm font-medium">Repository destination</legend>
      <div className="flex flex-wrap gap-4">
        <label className="flex items-center gap-2">
          <input type="radio" name="destination" value="local" checked={kind === 'local'} onChange={() => setKind('local')} />
          Folder on this server
        </label>
        <label className="flex items-center gap-2">
          <input type="radio" name="destination" value="s3" checked={kind === 's3'} onChange={() => setKind('s3')} />
          S3-compatible bucket
        </label>
      </div>
      {kind === 'local' ? (
        <Field label="Repository folder" name="localFolder" errors={e('localFolder')} hint={`Empty: Coffer's data folder. Otherwise an existing folder inside ${roots.join(', ')}; the repository goes into a new folder in it.`} />
      ) : (
        <S3Fields defaults={{ region: 'us-east-1', pathStyle: true }} fieldErrors={e} secretAutoComplete="off" secretHint="Sealed with this server's key; never shown again.">
          <div className="flex flex-col gap-2 sm:col-span-2">
            <div>
              <TestConnectionButton onTest={testAction} testing={testing} />
            </div>
            <FormMessage state={testState} />
          </div>
        </S3Fields>
      )}
    </fieldset>
  );
}
