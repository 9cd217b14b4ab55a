'use client';
/**
 * The S3 destination's inputs (endpoint, region, bucket, prefix, credentials, path style) and its
 * "Test connection" button, shared by the new plan form and the plan page's "Destination" form. The
 * secret key is a password field with no default: the server never sends it back.
 */
import { startTransition, type ReactNode } from 'react';
import { Field } from '@/components/ui/field';
import { buttonSecondary } from '@/components/ui/styles';

/** Initial values of the S3 inputs, without the secret; a missing value leaves its input empty. */
export interface S3FieldDefaults {
  endpoint?: string;
  region?: string;
  bucket?: string;
  prefix?: string;
  accessKey?: string;
  pathStyle: boolean;
}

/**
 * The S3 inputs in a two-column grid, named `s3Endpoint`…`s3PathStyle` as the validations expect.
 * `fieldErrors` gives each input's messages by name; `secretHint` and `secretAutoComplete` say what an
 * empty or filled secret key means in this form. `children` go at the end of the grid.
 */
export function S3Fields({
  defaults,
  fieldErrors,
  secretHint,
  secretAutoComplete,
  children,
}: {
  defaults: S3FieldDefaults;
  fieldErrors: (name: string) => string[] | undefined;
  secretHint: string;
  secretAutoComplete: 'off' | 'new-password';
  children?: ReactNode;
}) {
  const e = fieldErrors;
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <Field label="Endpoint" name="s3Endpoint" defaultValue={defaults.endpoint} placeholder="https://s3.example.net" errors={e('s3Endpoint')} hint="Empty for AWS." />
      <Field label="Region" name="s3Region" defaultValue={defaults.region} errors={e('s3Region')} />
      <Field label="Bucket" name="s3Bucket" defaultValue={defaults.bucket} errors={e('s3Bucket')} />
      <Field label="Prefix" name="s3Prefix" defaultValue={defaults.prefix} errors={e('s3Prefix')} hint="Folder inside the bucket (optional)." />
      <Field label="Access key" name="s3AccessKey" defaultValue={defaults.accessKey} autoComplete="off" errors={e('s3AccessKey')} />
      <Field label="Secret key" name="s3SecretKey" type="password" autoComplete={secretAutoComplete} errors={e('s3SecretKey')} hint={secretHint} />
      <label className="flex items-center gap-2 sm:col-span-2">
        <input type="checkbox" name="s3PathStyle" defaultChecked={defaults.pathStyle} className="h-4 w-4" />
        Path-style URLs (most self-hosted servers need this)
      </label>
      {children}
    </div>
  );
}

/**
 * "Test connection": sends the enclosing form's current values to `onTest` (an action dispatcher from
 * `useActionState`) without submitting the form; disabled and relabelled while `testing`.
 */
export function TestConnectionButton({ onTest, testing }: { onTest: (payload: FormData) => void; testing: boolean }) {
  return (
    <button
      type="button"
      onClick={(ev) => {
        const form = ev.currentTarget.form;
        if (form) startTransition(() => onTest(new FormData(form)));
      }}
      className={buttonSecondary}
      disabled={testing}
    >
      {testing ? 'Testing…' : 'Test connection'}
    </button>
  );
}
