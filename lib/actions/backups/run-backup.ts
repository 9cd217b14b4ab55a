'use server';
/** "Run backup now": queues a backup of the owner's plan and returns at once with the job's id. */
import { revalidatePath } from 'next/cache';
import { authedAction, type ActionResult } from '@/lib/actions/safe-action';
import { getDb } from '@/lib/db';
import { recordBackupAudit } from '@/lib/db/queries/backup-audit';
import { createJob } from '@/lib/db/queries/jobs';
import { getPlan } from '@/lib/db/queries/plans';
import { AppError } from '@/lib/errors';
import { getJobs } from '@/lib/jobs';
import { runBackupSchema } from '@/lib/validations/backups';
import { unlockWithPassphrase } from './passphrase-guard';

/**
 * Encrypted plans need a passphrase: the one entered (proved before anything is queued; a wrong one is a
 * message, not a failed job), one entered in the last minutes, or the remembered one.
 */
export const runBackupAction = authedAction(runBackupSchema, async (input, user): Promise<ActionResult<{ jobId: string }>> => {
  const db = await getDb();
  const found = await getPlan(db, user.id, input.planId);
  if (!found) throw new AppError('not_found', 'This backup plan does not exist.');
  const { plan, repository } = found;
  const jobs = await getJobs();
  const { runner, access } = jobs;
  let secret: string | undefined;
  if (repository.encrypted) {
    if (input.passphrase) {
      await unlockWithPassphrase(db, jobs, repository, input.passphrase);
      secret = input.passphrase;
    } else if (!access.isUnlocked(repository)) {
      return { ok: false, message: 'This backup is encrypted: enter its passphrase to run it.', fieldErrors: { passphrase: ['Enter the passphrase.'] } };
    } else {
      secret = access.passphraseFor(repository);
    }
  }
  const job = await createJob(db, user.id, { planId: plan.id, kind: 'backup', params: { planId: plan.id } });
  await runner.enqueue(job, { lockKey: repository.id, secret });
  await recordBackupAudit(db, user.id, 'backup.queued', job.id, { planId: plan.id });
  revalidatePath(`/backups/${plan.id}`);
  return { ok: true, message: 'Backup queued.', data: { jobId: job.id } };
});
