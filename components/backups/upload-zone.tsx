'use client';
/**
 * Back up files from this computer: drop files or folders (or choose them), each file is streamed to the
 * server by its own request with an upload progress bar, then one backup of the batch is queued.
 */
import { useRef, useState, type DragEvent } from 'react';
import { formatBytes, percent } from '@/components/ui/format';
import { ProgressBar } from '@/components/ui/progress-bar';
import { buttonPrimary, buttonSecondary, inputClass } from '@/components/ui/styles';
import { JobProgress } from './job-progress';

interface Picked {
  file: File;
  path: string;
}

/** Reads a dropped folder entry recursively into files with their relative paths. */
async function walkEntry(entry: FileSystemEntry, prefix: string, out: Picked[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path: `${prefix}${entry.name}` });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (batch.length === 0) break;
      for (const child of batch) await walkEntry(child, `${prefix}${entry.name}/`, out);
    }
  }
}

function put(url: string, file: File, onProgress: (sent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else {
        let message = `The server refused ${file.name} (${xhr.status}).`;
        try {
          message = (JSON.parse(xhr.responseText) as { message?: string }).message ?? message;
        } catch {}
        reject(new Error(message));
      }
    };
    xhr.onerror = () => reject(new Error(`The upload of ${file.name} was interrupted.`));
    xhr.send(file);
  });
}

/** `limit` is COFFER_UPLOAD_LIMIT in bytes. */
export function UploadZone({ planId, limit, needsPassphrase }: { planId: string; limit: number; needsPassphrase: boolean }) {
  const [picked, setPicked] = useState<Picked[]>([]);
  const [message, setMessage] = useState<{ kind: 'alert' | 'status'; text: string } | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const passphrase = useRef<HTMLInputElement>(null);
  const total = picked.reduce((n, p) => n + p.file.size, 0);
  const tooBig = total > limit;

  const choose = (files: Picked[]) => {
    setPicked(files);
    setJobId(null);
    setSent(null);
    const size = files.reduce((n, p) => n + p.file.size, 0);
    setMessage(size > limit ? { kind: 'alert', text: `These files total ${formatBytes(size)}, more than this server's upload limit of ${formatBytes(limit)}.` } : null);
  };

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const out: Picked[] = [];
    const items = [...e.dataTransfer.items];
    const entries = items.map((i) => i.webkitGetAsEntry?.()).filter((x): x is FileSystemEntry => !!x);
    if (entries.length > 0) for (const entry of entries) await walkEntry(entry, '', out);
    else for (const file of [...e.dataTransfer.files]) out.push({ file, path: file.name });
    choose(out);
  };

  const upload = async () => {
    if (picked.length === 0 || tooBig) return;
    const batch = crypto.randomUUID();
    setMessage(null);
    setSent(0);
    let done = 0;
    try {
      for (const p of picked) {
        const url = `/api/uploads/${planId}?batch=${batch}&path=${encodeURIComponent(p.path)}`;
        await put(url, p.file, (n) => setSent(done + n));
        done += p.file.size;
        setSent(done);
      }
      const res = await fetch(`/api/uploads/${planId}?batch=${batch}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ passphrase: passphrase.current?.value ?? '' }),
      });
      const body = (await res.json()) as { jobId?: string; message?: string };
      if (!res.ok || !body.jobId) throw new Error(body.message ?? 'The server could not queue the backup.');
      setJobId(body.jobId);
      setMessage({ kind: 'status', text: `Uploaded ${picked.length} file${picked.length === 1 ? '' : 's'}; backing them up.` });
      setPicked([]);
    } catch (err) {
      setMessage({ kind: 'alert', text: (err as Error).message });
      setSent(null);
    }
  };

  return (
    <div className="flex flex-col gap-3">
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="upload-dropzone"
        className={`flex flex-col items-center justify-center gap-2 rounded-lg border-2 border-dashed p-6 text-center text-sm ${over ? 'border-brand-600 bg-brand-50 dark:bg-brand-700/20' : 'border-slate-300 dark:border-slate-700'}`}
      >
        <p>Drop files or folders here to back them up from this computer</p>
        <label className={`${buttonSecondary} cursor-pointer`}>
          Choose files
          <input type="file" multiple className="sr-only" onChange={(e) => choose([...(e.target.files ?? [])].map((file) => ({ file, path: file.name })))} />
        </label>
        <p className="text-xs text-slate-500 dark:text-slate-400">Up to {formatBytes(limit)} per upload.</p>
      </div>
      {picked.length > 0 ? (
        <div className="flex flex-col gap-2 text-sm">
          <p>
            {picked.length} file{picked.length === 1 ? '' : 's'} selected ({formatBytes(total)}):{' '}
            <span className="break-all text-slate-500">{picked.slice(0, 5).map((p) => p.path).join(', ')}{picked.length > 5 ? '…' : ''}</span>
          </p>
          {needsPassphrase ? (
            <label className="flex flex-col gap-1">
              <span className="font-medium">Passphrase</span>
              <input ref={passphrase} type="password" autoComplete="off" className={inputClass} />
            </label>
          ) : null}
          <div>
            <button type="button" className={buttonPrimary} onClick={upload} disabled={tooBig || sent !== null}>
              Upload and back up
            </button>
          </div>
        </div>
      ) : null}
      {sent !== null && !jobId ? <ProgressBar value={percent(sent, total) ?? 0} label="Upload progress" detail={`${formatBytes(sent)} of ${formatBytes(total)}`} /> : null}
      <div aria-live="polite">
        {message ? (
          <p role={message.kind} className={message.kind === 'alert' ? 'text-sm text-red-700 dark:text-red-400' : 'text-sm text-emerald-700 dark:text-emerald-300'}>
            {message.text}
          </p>
        ) : null}
      </div>
      {jobId ? <JobProgress key={jobId} title="Backup of uploaded files" initial={{ id: jobId, kind: 'backup', status: 'queued', progress: null, result: null, error: null, warnings: [], warningCount: 0 }} /> : null}
    </div>
  );
}
