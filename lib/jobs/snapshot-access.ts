/**
 * Route handlers' way to an owner's snapshot in an open repository: another user's id, or one that does
 * not exist, is the same AppError('not_found'); a locked encrypted repository is AppError('conflict').
 */
import 'server-only';
import { getDb } from '@/lib/db';
import { getSnapshot, type SnapshotWithPlan } from '@/lib/db/queries/snapshots';
import { AppError } from '@/lib/errors';
import type { Repository } from './engine-adapter';
import { getJobs } from './index';

/** The owner's snapshot and an open handle on its repository (shared; do not close). */
export async function openOwnedSnapshot(ownerId: string, snapshotId: string): Promise<SnapshotWithPlan & { repo: Repository }> {
  const found = await getSnapshot(await getDb(), ownerId, snapshotId);
  if (!found) throw new AppError('not_found', 'This snapshot does not exist.');
  try {
    const repo = await (await getJobs()).access.handle(found.repository);
    return { ...found, repo };
  } catch (err) {
    // By name: the error may come from another bundle layer's copy of the class (see classifyError).
    if (err instanceof Error && err.name === 'PassphraseNeededError') throw new AppError('conflict', 'This backup is encrypted: unlock it with its passphrase on the snapshot page first.');
    throw err;
  }
}
