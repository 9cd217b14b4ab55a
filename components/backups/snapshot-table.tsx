/** A plan's snapshots: time, files, size, added, duration; each opens the snapshot browser. */
import Link from 'next/link';
import { formatBytes, formatDuration, formatTime } from '@/components/ui/format';
import { linkClass } from '@/components/ui/styles';
import type { Snapshot } from '@/lib/db/schema';

export function SnapshotTable({ planId, snapshots }: { planId: string; snapshots: Snapshot[] }) {
  if (snapshots.length === 0) {
    return <p className="text-sm text-slate-600 dark:text-slate-300">No snapshots yet. Run a backup (or drop files below) to make the first one.</p>;
  }
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[36rem] text-left text-sm">
        <caption className="sr-only">Snapshots</caption>
        <thead className="border-b border-slate-200 text-xs text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">Time</th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">Files</th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">Size</th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">Added</th>
            <th scope="col" className="py-2 text-right font-medium">Duration</th>
          </tr>
        </thead>
        <tbody>
          {snapshots.map((s) => (
            <tr key={s.id} className="border-b border-slate-100 last:border-0 dark:border-slate-900">
              <td className="py-2 pr-4">
                <Link className={linkClass} href={`/backups/${planId}/snapshots/${s.id}`}>
                  {formatTime(s.time)}
                </Link>
                <span className="ml-2 font-mono text-xs text-slate-400">{s.engineSnapshotId.slice(0, 8)}</span>
              </td>
              <td className="py-2 pr-4 text-right tabular-nums">{s.files}</td>
              <td className="py-2 pr-4 text-right tabular-nums">{formatBytes(s.bytes)}</td>
              <td className="py-2 pr-4 text-right tabular-nums">{formatBytes(s.bytesAdded)}</td>
              <td className="py-2 text-right tabular-nums">{formatDuration(s.durationMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
