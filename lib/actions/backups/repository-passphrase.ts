/**
 * Changing the passphrase of a plan's encrypted repository from the web. The engine does the work
 * under the repository's exclusive lock (so it waits for a running backup, restore or check of any
 * process and no job runs during the change); only key files change. Wrong old passphrases count
 * against the same per-repository limit as unlocking (THREATS 19). A remembered (sealed) passphrase
 * is re-sealed with the new one, and handles and passphrases kept in memory are dropped.
 */
import 'server-only';
import { z } from 'zod';
import { hitRateLimit, peekRateLimit, resetRateLimit, retryPhrase } from '@/lib/auth/rate-limit';
import type { Db } from '@/lib/db';
import { getPlan, setSealedPassphrase } from '@/lib/db/queries/plans';
import { AppError } from '@/lib/errors';
import { isEngineError } from '@/lib/engine';
import type { Jobs } from '@/lib/jobs';
import { openRepositoryAt } from '@/lib/jobs/engine-adapter';
import { sealPassphrase } from '@/lib/jobs/passphrase-seal';
import { passphraseSchema } from '@/lib/validations/backups';
import { PASSPHRASE_TRIES } from './passphrase-guard';

/** The form: plan, old passphrase, new passphrase twice. */
export const changePassphraseSchema = z
  .object({
    planId: z.string().uuid('Choose a backup plan.'),
    oldPassphrase: z.string().min(1, 'Enter the current passphrase.').max(1024),
    newPassphrase: passphraseSchema,
    confirmPassphrase: z.string().max(1024),
  })
  .superRefine((v, ctx) => {
    if (v.newPassphrase !== v.confirmPassphrase) ctx.addIssue({ code: 'custom', path: ['confirmPassphrase'], message: 'The passphrases do not match.' });
    if (v.newPassphrase === v.oldPassphrase) ctx.addIssue({ code: 'custom', path: ['newPassphrase'], message: 'The new passphrase is the same as the current one.' });
  });

/** The job services this needs (tests pass a fake `access`). */
export type PassphraseJobs = Pick<Jobs, 'access' | 'serverKey'>;

/**
 * Changes the passphrase of the owner's plan `planId`. Throws AppError: not_found (no such plan for
 * this owner, the same as someone else's), invalid (plain repository, wrong old passphrase),
 * rate_limited, conflict (the repository stayed locked by a job).
 */
export async function changeRepositoryPassphrase(
  db: Db,
  jobs: PassphraseJobs,
  ownerId: string,
  input: { planId: string; oldPassphrase: string; newPassphrase: string },
): Promise<void> {
  const found = await getPlan(db, ownerId, input.planId);
  if (!found) throw new AppError('not_found', 'This backup plan does not exist.');
  const repo = found.repository;
  if (!repo.encrypted) throw new AppError('invalid', 'This backup is not encrypted, so it has no passphrase to change.');
  const state = await peekRateLimit(db, PASSPHRASE_TRIES, repo.id);
  if (state.limited) {
    throw new AppError('rate_limited', `Too many wrong passphrases for this backup; ${retryPhrase(state.retryAfterSeconds)}.`, { retryAfterSeconds: state.retryAfterSeconds });
  }
  try {
    const handle = await openRepositoryAt(jobs.access.storage(repo), input.oldPassphrase);
    try {
      await handle.changePassphrase(input.oldPassphrase, input.newPassphrase);
    } finally {
      await handle.close();
    }
  } catch (err) {
    // By error code, not instanceof: Next gives each bundle layer its own copy of the engine's classes.
    if (isEngineError(err, 'wrong_passphrase')) {
      await hitRateLimit(db, PASSPHRASE_TRIES, repo.id);
      throw new AppError('invalid', 'The current passphrase is wrong: it does not open this backup. Nothing was changed.');
    }
    if (isEngineError(err, 'repository_locked')) throw new AppError('conflict', 'A job is using this backup right now; try again when it has finished. Nothing was changed.');
    throw err;
  }
  await resetRateLimit(db, PASSPHRASE_TRIES, repo.id);
  // The engine change is done: a remembered passphrase must follow it, or scheduled runs would fail.
  if (repo.sealedPassphrase) await setSealedPassphrase(db, ownerId, repo.id, sealPassphrase(input.newPassphrase, repo.id, jobs.serverKey()));
  jobs.access.drop(repo.id);
}
