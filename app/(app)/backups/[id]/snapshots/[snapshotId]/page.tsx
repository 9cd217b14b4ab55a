import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { SnapshotWorkspace } from '@/components/backups/snapshot-workspace';
import { UnlockForm } from '@/components/backups/unlock-form';
import { formatBytes, formatDuration, formatTime } from '@/components/ui/format';
import { cardClass, linkClass } from '@/components/ui/styles';
import { requireUser } from '@/lib/auth/session';
import { getDb } from '@/lib/db';
import { getPlanSnapshot } from '@/lib/db/queries/snapshots';
import { getJobs } from '@/lib/jobs';

export const metadata: Metadata = { title: 'Snapshot' };

export default async function SnapshotPage({ params }: { params: Promise<{ id: string; snapshotId: string }> }) {
  const user = await requireUser();
  const { id, snapshotId } = await params;
  const found = await getPlanSnapshot(await getDb(), user.id, id, snapshotId);
  if (!found) notFound();
  const { plan, snapshot, repository } = found;
  const unlocked = (await getJobs()).access.isUnlocked(repository);
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/backups/${plan.id}`} className={`text-sm ${linkClass}`}>
          ← {plan.name}
        </Link>
        <h1 className="mt-1 text-2xl font-semibold">Snapshot of {formatTime(snapshot.time)}</h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-300">
          <span className="font-mono">{snapshot.engineSnapshotId.slice(0, 12)}</span> · {snapshot.files} files · {formatBytes(snapshot.bytes)} · added {formatBytes(snapshot.bytesAdded)} · took{' '}
          {formatDuration(snapshot.durationMs)}
        </p>
      </div>
      {unlocked ? (
        <SnapshotWorkspace planId={plan.id} snapshotId={snapshot.id} sources={plan.sources} />
      ) : (
        <section className={cardClass}>
          <UnlockForm planId={plan.id} />
        </section>
      )}
    </div>
  );
}
