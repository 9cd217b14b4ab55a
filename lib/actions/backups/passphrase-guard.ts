/**
 * Passphrase checks from the web are rate limited per repository (THREATS 19): at most 10 wrong tries
 * per 15 minutes, counted in the database so they hold across restarts.
 */
import 'server-only';
import type { Db } from '@/lib/db';
import { hitRateLimit, peekRateLimit, resetRateLimit, retryPhrase, type RateLimitRule } from '@/lib/auth/rate-limit';
import type { Repository } from '@/lib/db/schema';
import { AppError } from '@/lib/errors';
import type { Jobs } from '@/lib/jobs';

/** Wrong passphrases per repository. */
export const PASSPHRASE_TRIES: RateLimitRule = { bucket: 'passphrase:repository', limit: 10, windowSeconds: 15 * 60 };

/**
 * Proves `passphrase` opens `repo` and keeps it unlocked in memory. Throws AppError('invalid') with a
 * clear message when it is wrong, AppError('rate_limited') after too many wrong tries.
 */
export async function unlockWithPassphrase(db: Db, jobs: Pick<Jobs, 'access' | 'classify'>, repo: Repository, passphrase: string): Promise<void> {
  const state = await peekRateLimit(db, PASSPHRASE_TRIES, repo.id);
  if (state.limited) {
    throw new AppError('rate_limited', `Too many wrong passphrases for this backup; ${retryPhrase(state.retryAfterSeconds)}.`, { retryAfterSeconds: state.retryAfterSeconds });
  }
  try {
    await jobs.access.unlock(repo, passphrase);
  } catch (err) {
    if (jobs.classify(err) === 'wrong_passphrase') {
      await hitRateLimit(db, PASSPHRASE_TRIES, repo.id);
      throw new AppError('invalid', 'That passphrase is wrong: it does not open this backup. Nothing was run or changed.');
    }
    throw err;
  }
  await resetRateLimit(db, PASSPHRASE_TRIES, repo.id);
}
