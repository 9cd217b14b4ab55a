'use server';
/** Unlock an encrypted plan's repository for browsing, restores and downloads (kept in memory for 15 minutes). */
import { revalidatePath } from 'next/cache';
import { authedAction, type ActionResult } from '@/lib/actions/safe-action';
import { getDb } from '@/lib/db';
import { getPlan } from '@/lib/db/queries/plans';
import { AppError } from '@/lib/errors';
import { getJobs } from '@/lib/jobs';
import { unlockSchema } from '@/lib/validations/backups';
import { unlockWithPassphrase } from './passphrase-guard';

/** Proves the passphrase (rate limited) and keeps the repository open for this server process. */
export const unlockRepositoryAction = authedAction(unlockSchema, async (input, user): Promise<ActionResult> => {
  const db = await getDb();
  const found = await getPlan(db, user.id, input.planId);
  if (!found) throw new AppError('not_found', 'This backup plan does not exist.');
  await unlockWithPassphrase(db, await getJobs(), found.repository, input.passphrase);
  revalidatePath(`/backups/${found.plan.id}`, 'layout');
  return { ok: true, message: 'Unlocked for 15 minutes.' };
});
