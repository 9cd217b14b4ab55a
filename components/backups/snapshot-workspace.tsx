'use client';
/** The snapshot page's interactive part: the browser, the Restore form and the download links, sharing the selection. */
import { useActionState, useId, useState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { buttonSecondary, cardClass, inputClass } from '@/components/ui/styles';
import { restoreSnapshotAction } from '@/lib/actions/backups/restore-snapshot';
import { JobProgress } from './job-progress';
import { SnapshotBrowser } from './snapshot-browser';

export function SnapshotWorkspace({ planId, snapshotId, sources }: { planId: string; snapshotId: string; sources: string[] }) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [destination, setDestination] = useState<'elsewhere' | 'original'>('elsewhere');
  const [state, action] = useActionState(restoreSnapshotAction, null);
  const overwriteId = useId();
  const toggle = (p: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(p)) next.delete(p);
      else next.add(p);
      return next;
    });
  const paths = [...selected];
  const query = paths.map((p) => `&path=${encodeURIComponent(p)}`).join('');
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  const jobId = state?.ok ? (state.data as { jobId: string } | undefined)?.jobId : undefined;
  const what = paths.length === 0 ? 'the whole snapshot' : `${paths.length} selected item${paths.length === 1 ? '' : 's'}`;
  return (
    <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
      <section aria-labelledby="files-heading" className={`${cardClass} min-w-0`}>
        <h2 id="files-heading" className="mb-3 text-lg font-semibold">
          Files
        </h2>
        <SnapshotBrowser snapshotId={snapshotId} selected={selected} onToggle={toggle} />
      </section>
      <div className="flex min-w-0 flex-col gap-6">
        <section aria-labelledby="restore-heading" className={cardClass}>
          <h2 id="restore-heading" className="mb-1 text-lg font-semibold">
            Restore
          </h2>
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-300">Restores {what}.</p>
          <form action={action} className="flex flex-col gap-3">
            <input type="hidden" name="planId" value={planId} />
            <input type="hidden" name="snapshotId" value={snapshotId} />
            {paths.map((p) => (
              <input key={p} type="hidden" name="include" value={p} />
            ))}
            <fieldset className="flex flex-col gap-1 text-sm">
              <legend className="mb-1 font-medium">Restore to</legend>
              <label className="flex items-center gap-2">
                <input type="radio" name="destination" value="elsewhere" checked={destination === 'elsewhere'} onChange={() => setDestination('elsewhere')} />
                Another folder
              </label>
              <label className="flex items-start gap-2">
                <input type="radio" name="destination" value="original" className="mt-1" checked={destination === 'original'} onChange={() => setDestination('original')} />
                <span className="min-w-0">
                  The original location
                  <span className="block font-mono text-xs break-all text-slate-500">{sources.join(', ')}</span>
                </span>
              </label>
            </fieldset>
            {destination === 'elsewhere' ? <Field label="Target folder" name="target" placeholder="/path/on/the/server" errors={errors?.target} hint="Created if missing; must be inside the allowed folders." /> : null}
            <div className="flex flex-col gap-1">
              <label htmlFor={overwriteId} className="text-sm font-medium">
                If a file exists
              </label>
              <select id={overwriteId} name="overwrite" defaultValue="skip" className={inputClass}>
                <option value="skip">Skip</option>
                <option value="overwrite">Overwrite</option>
                <option value="keep-both">Keep both</option>
              </select>
            </div>
            <FormMessage state={state && !state.ok ? state : null} />
            <SubmitButton>Restore</SubmitButton>
          </form>
          {jobId ? (
            <div className="mt-4">
              <JobProgress key={jobId} initial={{ id: jobId, kind: 'restore', status: 'queued', progress: null, result: null, error: null, warnings: [], warningCount: 0 }} />
            </div>
          ) : null}
        </section>
        <section aria-labelledby="download-heading" className={cardClass}>
          <h2 id="download-heading" className="mb-1 text-lg font-semibold">
            Download
          </h2>
          <p className="mb-3 text-sm text-slate-600 dark:text-slate-300">Downloads {what}, streamed from the repository.</p>
          <div className="flex flex-wrap gap-2">
            <a className={buttonSecondary} href={`/api/snapshots/${snapshotId}/download?format=zip${query}`} download>
              Download .zip
            </a>
            <a className={buttonSecondary} href={`/api/snapshots/${snapshotId}/download?format=tar.gz${query}`} download>
              Download .tar.gz
            </a>
          </div>
        </section>
      </div>
    </div>
  );
}
