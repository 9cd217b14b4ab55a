'use server';
/** Restore a snapshot (whole, or selected paths) to its original place or a Target folder, as a job. */
import { revalidatePath } from 'next/cache';
import { authedAction, type ActionResult } from '@/lib/actions/safe-action';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/db';
import { recordBackupAudit } from '@/lib/db/queries/backup-audit';
import { createJob } from '@/lib/db/queries/jobs';
import { getPlanSnapshot } from '@/lib/db/queries/snapshots';
import { AppError } from '@/lib/errors';
import { PathRefusedError, resolveWritableFolder } from '@/lib/fs-roots';
import { getJobs } from '@/lib/jobs';
import type { RestoreParams } from '@/lib/jobs/handlers';
import { restoreSchema } from '@/lib/validations/backups';
import { unlockWithPassphrase } from './passphrase-guard';

/** Checks the target inside the allowed roots (the job checks again when it runs) and queues the restore. */
export const restoreSnapshotAction = authedAction(restoreSchema, async (input, user): Promise<ActionResult<{ jobId: string }>> => {
  const db = await getDb();
  const found = await getPlanSnapshot(db, user.id, input.planId, input.snapshotId);
  if (!found) throw new AppError('not_found', 'This snapshot does not exist.');
  const { repository, plan, snapshot } = found;
  let target: string | null = null;
  if (input.destination === 'elsewhere') {
    try {
      target = await resolveWritableFolder(input.target, getConfig().COFFER_BACKUP_ROOTS);
    } catch (err) {
      if (err instanceof PathRefusedError) return { ok: false, message: err.message, fieldErrors: { target: [err.message] } };
      throw err;
    }
  }
  const jobs = await getJobs();
  const { runner, access } = jobs;
  let secret: string | undefined;
  if (repository.encrypted) {
    if (input.passphrase) {
      await unlockWithPassphrase(db, jobs, repository, input.passphrase);
      secret = input.passphrase;
    } else if (!access.isUnlocked(repository)) {
      return { ok: false, message: 'This backup is encrypted: enter its passphrase to restore.', fieldErrors: { passphrase: ['Enter the passphrase.'] } };
    } else {
      secret = access.passphraseFor(repository);
    }
  }
  const params: RestoreParams = { planId: plan.id, snapshotId: snapshot.id, target, include: input.include, overwrite: input.overwrite };
  const job = await createJob(db, user.id, { planId: plan.id, kind: 'restore', params: params as unknown as Record<string, unknown> });
  await runner.enqueue(job, { lockKey: repository.id, secret });
  await recordBackupAudit(db, user.id, 'restore.queued', job.id, { planId: plan.id, snapshotId: snapshot.id });
  revalidatePath(`/backups/${plan.id}`);
  return { ok: true, message: 'Restore queued.', data: { jobId: job.id } };
});
