'use client';
/** The /backups/new form (UI contract: Name, Source paths, Exclude patterns, Compress, Encrypt, passphrases, Schedule). */
import { useActionState, useId, useState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { buttonPrimary, inputClass } from '@/components/ui/styles';
import { createPlanAction } from '@/lib/actions/backups/create-plan';
import { DestinationFields } from './destination-fields';
import { FolderPicker } from './folder-picker';
import { ScheduleFields } from './schedule-fields';
import { keptSubmit } from './use-kept-form';

function TextArea({ label, name, value, onChange, errors, hint, rows = 4 }: { label: string; name: string; value: string; onChange: (v: string) => void; errors?: string[]; hint?: string; rows?: number }) {
  const id = useId();
  const invalid = !!errors?.length;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        rows={rows}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid || undefined}
        aria-describedby={[hint ? `${id}-hint` : '', invalid ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
        className={`${inputClass} font-mono text-sm`}
        spellCheck={false}
      />
      {hint ? <p id={`${id}-hint`} className="text-xs text-slate-500 dark:text-slate-400">{hint}</p> : null}
      {invalid ? (
        <ul id={`${id}-error`} className="text-sm text-red-700 dark:text-red-400">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function Check({ label, name, checked, onChange, hint }: { label: string; name: string; checked: boolean; onChange: (v: boolean) => void; hint?: string }) {
  return (
    <label className="flex items-start gap-2">
      <input type="checkbox" name={name} checked={checked} onChange={(e) => onChange(e.target.checked)} className="mt-1 h-4 w-4" />
      <span>
        <span className="font-medium">{label}</span>
        {hint ? <span className="block text-xs text-slate-500 dark:text-slate-400">{hint}</span> : null}
      </span>
    </label>
  );
}

export function CreatePlanForm({ roots }: { roots: string[] }) {
  const [state, action, pending] = useActionState(createPlanAction, null);
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  const [name, setName] = useState('');
  const [sources, setSources] = useState('');
  const [excludes, setExcludes] = useState('');
  const [compress, setCompress] = useState(true);
  const [encrypt, setEncrypt] = useState(true);
  const [remember, setRemember] = useState(false);
  const addSource = (p: string) => setSources((s) => (s.split('\n').map((l) => l.trim()).includes(p) ? s : `${s.trim() ? `${s.trimEnd()}\n` : ''}${p}`));
  return (
    <form action={action} onSubmit={keptSubmit(action)} className="flex flex-col gap-5" noValidate>
      <FormMessage state={state} />
      <Field label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} errors={errors?.name} />
      <div className="flex flex-col gap-2">
        <TextArea
          label="Source paths (one per line)"
          name="sources"
          value={sources}
          onChange={setSources}
          errors={errors?.sources}
          hint={`Folders or files on the server, inside: ${roots.join(', ')}`}
        />
        <FolderPicker onPick={addSource} />
      </div>
      <TextArea label="Exclude patterns" name="excludes" value={excludes} onChange={setExcludes} rows={3} errors={errors?.excludes} hint="One glob per line, e.g. *.tmp, node_modules, cache/**" />
      <fieldset className="flex flex-col gap-3">
        <legend className="mb-1 text-sm font-medium">Options</legend>
        <Check label="Compress" name="compress" checked={compress} onChange={setCompress} hint="Smaller backups; files that do not compress are stored as they are." />
        <Check label="Encrypt" name="encrypt" checked={encrypt} onChange={setEncrypt} hint="AES-256-GCM; nobody can read the backup without the passphrase." />
      </fieldset>
      {encrypt ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Passphrase" name="passphrase" type="password" autoComplete="new-password" errors={errors?.passphrase} hint="At least 8 characters. Without it the backup cannot be restored." />
          <Field label="Confirm passphrase" name="confirmPassphrase" type="password" autoComplete="new-password" errors={errors?.confirmPassphrase} />
          <div className="sm:col-span-2">
            <Check
              label="Remember passphrase for scheduled backups"
              name="rememberPassphrase"
              checked={remember}
              onChange={setRemember}
              hint="Sealed with this server's key. Off: you enter it for each run."
            />
          </div>
        </div>
      ) : null}
      {errors?.rememberPassphrase ? (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {errors.rememberPassphrase.join(' ')}
        </p>
      ) : null}
      <ScheduleFields errors={errors} encryptedNote={encrypt && !remember ? 'Scheduled encrypted backups need "Remember passphrase for scheduled backups": nobody is there to type it when the schedule runs.' : undefined} />
      <DestinationFields errors={errors} roots={roots} />
      <div>
        <button type="submit" disabled={pending} aria-disabled={pending} className={buttonPrimary}>
          Create backup
        </button>
      </div>
    </form>
  );
}
