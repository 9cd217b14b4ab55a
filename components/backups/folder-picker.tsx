'use client';
/**
 * Browses the server's allowed roots, one folder at a time (each folder is fetched from /api/fs when it is
 * opened), and hands the chosen path to `onPick`. Nothing outside the roots can be listed: the server
 * refuses it.
 */
import { useState } from 'react';
import { buttonSecondary } from '@/components/ui/styles';

interface Entry {
  name: string;
  path: string;
  type: 'dir' | 'file' | 'symlink' | 'other';
}

async function load(path: string | null): Promise<Entry[]> {
  const res = await fetch(path ? `/api/fs?path=${encodeURIComponent(path)}` : '/api/fs', { cache: 'no-store' });
  const body = (await res.json()) as { entries?: Entry[]; message?: string };
  if (!res.ok) throw new Error(body.message ?? 'This folder cannot be listed.');
  return body.entries ?? [];
}

function Node({ entry, onPick, depth }: { entry: Entry; onPick: (path: string) => void; depth: number }) {
  const [children, setChildren] = useState<Entry[] | null>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const isDir = entry.type === 'dir';
  const toggle = async () => {
    if (!open && children === null) {
      try {
        setChildren(await load(entry.path));
      } catch (err) {
        setError((err as Error).message);
      }
    }
    setOpen(!open);
  };
  return (
    <li role="treeitem" aria-expanded={isDir ? open : undefined} aria-selected={false} aria-level={depth + 1}>
      <div className="flex items-center gap-2 py-0.5">
        {isDir ? (
          <button type="button" onClick={toggle} className="w-6 shrink-0 rounded text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800" aria-label={`${open ? 'Close' : 'Open'} ${entry.name}`}>
            {open ? '▾' : '▸'}
          </button>
        ) : (
          <span className="w-6 shrink-0" />
        )}
        <span className="min-w-0 flex-1 truncate font-mono text-xs" title={entry.path}>
          {entry.name}
          {isDir ? '/' : ''}
        </span>
        <button type="button" onClick={() => onPick(entry.path)} className="shrink-0 rounded px-2 text-xs text-brand-700 hover:bg-brand-50 dark:text-brand-500 dark:hover:bg-slate-800" aria-label={`Add ${entry.path}`}>
          Add
        </button>
      </div>
      {error ? <p role="alert" className="ml-8 text-xs text-red-700 dark:text-red-400">{error}</p> : null}
      {open && children ? (
        <ul role="group" className="ml-4 border-l border-slate-200 pl-2 dark:border-slate-800">
          {children.length === 0 ? <li className="py-0.5 text-xs text-slate-500">(empty)</li> : children.map((c) => <Node key={c.path} entry={c} onPick={onPick} depth={depth + 1} />)}
        </ul>
      ) : null}
    </li>
  );
}

export function FolderPicker({ onPick }: { onPick: (path: string) => void }) {
  const [roots, setRoots] = useState<Entry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = async () => {
    try {
      setRoots(await load(null));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  if (roots === null) {
    return (
      <div>
        <button type="button" className={`${buttonSecondary} text-sm`} onClick={show}>
          Browse folders on the server
        </button>
        {error ? <p role="alert" className="mt-1 text-sm text-red-700">{error}</p> : null}
      </div>
    );
  }
  return (
    <div className="max-h-72 overflow-auto rounded-md border border-slate-200 p-2 dark:border-slate-800">
      <ul role="tree" aria-label="Folders on the server">
        {roots.map((r) => (
          <Node key={r.path} entry={r} onPick={onPick} depth={0} />
        ))}
      </ul>
    </div>
  );
}
