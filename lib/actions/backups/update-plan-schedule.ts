'use server';
/** "Edit plan": change a plan's schedule, time zone and retention policy. */
import { revalidatePath } from 'next/cache';
import { authedAction, type ActionResult } from '@/lib/actions/safe-action';
import { getDb } from '@/lib/db';
import { recordBackupAudit } from '@/lib/db/queries/backup-audit';
import { getPlan } from '@/lib/db/queries/plans';
import { updatePlanSchedule } from '@/lib/db/queries/schedules';
import { AppError } from '@/lib/errors';
import { updateScheduleSchema } from '@/lib/validations/schedules';

/**
 * Saves the schedule and retention of the owner's plan. A scheduled encrypted plan needs a remembered
 * passphrase (nobody is there to type it), so that combination is refused with a message saying so.
 */
export const updatePlanScheduleAction = authedAction(updateScheduleSchema, async (input, user): Promise<ActionResult> => {
  const db = await getDb();
  const found = await getPlan(db, user.id, input.planId);
  if (!found) throw new AppError('not_found', 'This backup plan does not exist.');
  if (input.schedule && found.repository.encrypted && !found.repository.sealedPassphrase) {
    return {
      ok: false,
      message: 'This backup is encrypted and its passphrase is not remembered, so it cannot run on a schedule. Keep it Manual, or create a plan with "Remember passphrase for scheduled backups".',
      fieldErrors: { schedule: ['A scheduled encrypted backup needs a remembered passphrase.'] },
    };
  }
  await updatePlanSchedule(db, user.id, input.planId, { schedule: input.schedule, timeZone: input.timeZone, retention: input.retention as Record<string, number | string> | null });
  await recordBackupAudit(db, user.id, 'plan.schedule-changed', input.planId, { schedule: input.schedule, retention: input.retention });
  revalidatePath(`/backups/${input.planId}`);
  return { ok: true, message: 'Schedule and retention saved.' };
});
