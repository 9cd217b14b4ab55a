'use server';
/** The plan page's "Destination" form: edit an S3 destination, and test the edited values first. */
import { revalidatePath } from 'next/cache';
import { authedAction, type ActionResult } from '@/lib/actions/safe-action';
import { getDb } from '@/lib/db';
import { recordBackupAudit } from '@/lib/db/queries/backup-audit';
import { getJobs } from '@/lib/jobs';
import { editDestinationSchema } from '@/lib/validations/schedules';
import { editPlanDestination, testEditedConnection } from './edit-destination';

/** Saves the edited destination (see editPlanDestination for what is refused). */
export const updatePlanDestinationAction = authedAction(editDestinationSchema, async (input, user): Promise<ActionResult> => {
  const db = await getDb();
  const jobs = await getJobs();
  const result = await editPlanDestination(db, { serverKey: jobs.serverKey, drop: (id) => jobs.access.drop(id) }, user.id, input);
  if (result.ok) {
    // The place only: never the credentials.
    await recordBackupAudit(db, user.id, 'plan.destination-changed', input.planId, { endpoint: input.s3Endpoint, bucket: input.s3Bucket, prefix: input.s3Prefix });
    revalidatePath(`/backups/${input.planId}`);
  }
  return result;
});

/** "Test connection" on the edit form: the edited values, with the stored secret when the field is blank. */
export const testPlanS3ConnectionAction = authedAction(editDestinationSchema, async (input, user): Promise<ActionResult> => {
  const db = await getDb();
  const { serverKey } = await getJobs();
  return testEditedConnection(db, { serverKey }, user.id, input);
});
