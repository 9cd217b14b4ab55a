'use server';
/** Delete a plan, keeping its repository on disk or removing it, as the person chose. */
import { redirect } from 'next/navigation';
import { authedAction, type ActionResult } from '@/lib/actions/safe-action';
import { getDb } from '@/lib/db';
import { recordBackupAudit } from '@/lib/db/queries/backup-audit';
import { countActiveJobs, deletePlan } from '@/lib/db/queries/plans';
import { AppError } from '@/lib/errors';
import { getJobs } from '@/lib/jobs';
import { removeRepositoryFolder } from '@/lib/jobs/engine-adapter';
import { deletePlanSchema } from '@/lib/validations/backups';

/** Refuses while a job of the plan is queued or running; redirects to the dashboard with what happened. */
export const deletePlanAction = authedAction(deletePlanSchema, async (input, user): Promise<ActionResult> => {
  const db = await getDb();
  if ((await countActiveJobs(db, user.id, input.planId)) > 0) {
    return { ok: false, message: 'A backup or restore of this plan is queued or running. Cancel it or wait for it to finish, then delete the plan.' };
  }
  const deleted = await deletePlan(db, user.id, input.planId, input.removeRepository);
  if (!deleted) throw new AppError('not_found', 'This backup plan does not exist.');
  (await getJobs()).access.drop(deleted.repository.id);
  // S3 repositories are left in their bucket: removing objects there is the bucket owner's call.
  if (input.removeRepository && deleted.repository.kind === 'local') await removeRepositoryFolder(deleted.repository.location);
  await recordBackupAudit(db, user.id, 'plan.deleted', deleted.plan.id, { repositoryRemoved: input.removeRepository });
  redirect(`/dashboard?deleted=${input.removeRepository ? 'removed' : 'kept'}`);
});
