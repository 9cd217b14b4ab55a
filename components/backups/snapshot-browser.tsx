'use client';
/**
 * A snapshot's files: a tree whose folders load when opened, search by name, and checkboxes to choose
 * what to restore or download (nothing chosen means everything). `onSelect` receives the chosen paths.
 */
import { useEffect, useId, useState } from 'react';
import { formatBytes, formatTime } from '@/components/ui/format';
import { buttonSecondary, inputClass } from '@/components/ui/styles';

/** One entry as the tree and search routes answer. */
export interface SnapshotEntry {
  name: string;
  path: string;
  type: string;
  size: number;
  mtime: string;
}

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { cache: 'no-store' });
  const body = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new Error(body.message ?? 'The snapshot could not be read.');
  return body;
}

interface RowProps {
  snapshotId: string;
  entry: SnapshotEntry;
  depth: number;
  selected: Set<string>;
  toggle: (path: string) => void;
}

function Row({ snapshotId, entry, depth, selected, toggle }: RowProps) {
  const [open, setOpen] = useState(false);
  const [children, setChildren] = useState<SnapshotEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const isDir = entry.type === 'dir';
  const expand = async () => {
    if (!open && children === null) {
      try {
        setChildren((await fetchJson<{ entries: SnapshotEntry[] }>(`/api/snapshots/${snapshotId}/tree?path=${encodeURIComponent(entry.path)}`)).entries);
      } catch (err) {
        setError((err as Error).message);
      }
    }
    setOpen(!open);
  };
  return (
    <li role="treeitem" aria-level={depth + 1} aria-expanded={isDir ? open : undefined} aria-selected={selected.has(entry.path)}>
      <div className="grid grid-cols-[auto_auto_1fr_auto] items-center gap-2 py-1 text-sm sm:grid-cols-[auto_auto_1fr_6rem_10rem]">
        <input type="checkbox" aria-label={`Select ${entry.path}`} checked={selected.has(entry.path)} onChange={() => toggle(entry.path)} className="h-4 w-4" />
        {isDir ? (
          <button type="button" onClick={expand} className="w-6 rounded text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800" aria-label={`${open ? 'Close' : 'Open'} ${entry.name}`}>
            {open ? '▾' : '▸'}
          </button>
        ) : (
          <span className="w-6" aria-hidden="true" />
        )}
        <span className="min-w-0 truncate" title={entry.path}>
          {entry.name}
          {isDir ? '/' : entry.type === 'symlink' ? ' →' : ''}
        </span>
        <span className="text-right text-xs text-slate-500 tabular-nums">{isDir ? '' : formatBytes(entry.size)}</span>
        <span className="hidden text-right text-xs text-slate-500 sm:block">{formatTime(entry.mtime)}</span>
      </div>
      {error ? <p role="alert" className="ml-10 text-xs text-red-700">{error}</p> : null}
      {open && children ? (
        <ul role="group" className="ml-5 border-l border-slate-200 pl-2 dark:border-slate-800">
          {children.length === 0 ? <li className="py-1 text-xs text-slate-500">(empty folder)</li> : null}
          {children.map((c) => (
            <Row key={c.path} snapshotId={snapshotId} entry={c} depth={depth + 1} selected={selected} toggle={toggle} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function SnapshotBrowser({ snapshotId, selected, onToggle }: { snapshotId: string; selected: Set<string>; onToggle: (path: string) => void }) {
  const [root, setRoot] = useState<SnapshotEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<{ q: string; results: SnapshotEntry[]; complete: boolean } | null>(null);
  const searchId = useId();

  useEffect(() => {
    fetchJson<{ entries: SnapshotEntry[] }>(`/api/snapshots/${snapshotId}/tree?path=`).then(
      (b) => setRoot(b.entries),
      (err: Error) => setError(err.message),
    );
  }, [snapshotId]);

  const search = async () => {
    if (!query.trim()) return setResults(null);
    try {
      setResults(await fetchJson(`/api/snapshots/${snapshotId}/search?q=${encodeURIComponent(query.trim())}`));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <div className="flex flex-col gap-3">
      <form
        role="search"
        className="flex gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <label htmlFor={searchId} className="sr-only">
          Search by name
        </label>
        <input id={searchId} type="search" placeholder="Search by name" value={query} onChange={(e) => setQuery(e.target.value)} className={inputClass} />
        <button type="submit" className={buttonSecondary}>
          Search
        </button>
      </form>
      {error ? <p role="alert" className="text-sm text-red-700 dark:text-red-400">{error}</p> : null}
      {results ? (
        <section aria-label="Search results" className="rounded-md border border-slate-200 p-2 dark:border-slate-800">
          <p className="mb-1 text-xs text-slate-500">
            {results.results.length} match{results.results.length === 1 ? '' : 'es'} for “{results.q}”{results.complete ? '' : ' (search stopped early; refine it)'}
          </p>
          <ul role="tree" aria-label="Search results">
            {results.results.map((e) => (
              <Row key={`s-${e.path}`} snapshotId={snapshotId} entry={{ ...e, name: e.path }} depth={0} selected={selected} toggle={onToggle} />
            ))}
          </ul>
        </section>
      ) : null}
      {root === null && !error ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {root ? (
        <ul role="tree" aria-label="Snapshot files" className="overflow-x-hidden">
          {root.map((e) => (
            <Row key={e.path} snapshotId={snapshotId} entry={e} depth={0} selected={selected} toggle={onToggle} />
          ))}
        </ul>
      ) : null}
    </div>
  );
}
