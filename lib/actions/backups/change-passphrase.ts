'use server';
/** Settings → Change repository passphrase (see ./repository-passphrase.ts). */
import { revalidatePath } from 'next/cache';
import { authedAction, type ActionResult } from '@/lib/actions/safe-action';
import { getDb } from '@/lib/db';
import { getJobs } from '@/lib/jobs';
import { changePassphraseSchema, changeRepositoryPassphrase } from './repository-passphrase';

/** Changes an encrypted plan's repository passphrase; the old one stops working at once. */
export const changeRepositoryPassphraseAction = authedAction(changePassphraseSchema, async (input, user): Promise<ActionResult> => {
  await changeRepositoryPassphrase(await getDb(), await getJobs(), user.id, input);
  revalidatePath(`/backups/${input.planId}`, 'layout');
  return { ok: true, message: 'Passphrase changed. The old passphrase no longer opens this backup.' };
});
