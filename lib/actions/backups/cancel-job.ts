'use server';
/** Cancel a queued or running job of the signed-in user. */
import { revalidatePath } from 'next/cache';
import { authedAction, type ActionResult } from '@/lib/actions/safe-action';
import { getDb } from '@/lib/db';
import { getJob } from '@/lib/db/queries/jobs';
import { AppError } from '@/lib/errors';
import { getJobs } from '@/lib/jobs';
import { cancelJobSchema } from '@/lib/validations/backups';

/** A queued job is cancelled at once; a running one stops at its next check and is then `cancelled`. */
export const cancelJobAction = authedAction(cancelJobSchema, async (input, user): Promise<ActionResult> => {
  const db = await getDb();
  const job = await getJob(db, user.id, input.jobId);
  if (!job) throw new AppError('not_found', 'This job does not exist.');
  const { runner } = await getJobs();
  const outcome = await runner.cancel(user.id, job.id);
  if (job.planId) revalidatePath(`/backups/${job.planId}`);
  if (outcome === 'not_found') return { ok: false, message: 'This job has already finished.' };
  return { ok: true, message: outcome === 'cancelled' ? 'Cancelled.' : 'Cancelling…' };
});
