/**
 * Forgot password → emailed code → reset right → new password.
 *
 * - A request answers the same whether or not the account exists, and does the same work: the per-IP and
 *   per-email counters are bumped either way (keyed by the typed email, not the account), and the email is
 *   handed to `deliver` without being awaited, so neither its latency nor its failure shows. A failure is
 *   logged and audited.
 * - A verified code grants the right to reset for 15 minutes, once: a random token whose hash is stored in
 *   password_reset_grants and which is consumed by a single conditional UPDATE.
 * - A reset bumps sessionVersion (every session ends), clears the sign-in lockout of the account (a reset is
 *   never blocked by a lockout), and sends a notification email. The user then signs in again.
 */
import 'server-only';
import crypto from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '@/lib/db';
import { passwordResetGrants, users } from '@/lib/db/schema';
import { AppError } from '@/lib/errors';
import { passwordChangedEmail, resetCodeEmail, type MailMessage } from '@/lib/mail';
import { findUserByEmail, normalizeEmail } from './accounts';
import { recordAudit } from './audit';
import { consumeCode, hashCode, issueCode } from './one-time-codes';
import { hashPassword, passwordProblem } from './password';
import {
  CODE_CHECKS_PER_IP,
  CODE_EMAILS_PER_ACCOUNT,
  CODE_REQUESTS_PER_IP,
  hitRateLimit,
  resetRateLimit,
  SIGN_IN_PER_ACCOUNT,
  tooManyAttemptsMessage,
} from './rate-limit';

/** How long the right to reset lasts after a code is verified. */
export const RESET_GRANT_TTL_SECONDS = 15 * 60;

/** Hands a message to the mail transport; must not throw synchronously, and its promise is not awaited. */
export type Deliver = (message: MailMessage) => Promise<unknown>;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Starts a reset for `email`. Resolves `{ ok: true }` for known and unknown emails alike; throws
 * AppError('rate_limited') only for the per-IP limit, which says nothing about the account.
 */
export async function requestPasswordReset(db: Db, input: { email: string; ip: string }, deliver: Deliver): Promise<{ ok: true }> {
  const email = normalizeEmail(input.email);
  const perIp = await hitRateLimit(db, CODE_REQUESTS_PER_IP, input.ip);
  if (perIp.count > CODE_REQUESTS_PER_IP.limit) throw new AppError('rate_limited', tooManyAttemptsMessage(perIp.retryAfterSeconds), { retryAfterSeconds: perIp.retryAfterSeconds });
  const perEmail = await hitRateLimit(db, CODE_EMAILS_PER_ACCOUNT, email);
  const user = await findUserByEmail(db, email);

  if (!user || user.disabledAt !== null) {
    // The same hashing as a real code, so the unknown path is not measurably quicker.
    hashCode(NIL_UUID, 'reset', '000000');
    return { ok: true };
  }
  if (perEmail.count > CODE_EMAILS_PER_ACCOUNT.limit) {
    await recordAudit(db, { userId: user.id, action: 'code.suppressed', target: 'reset', ip: input.ip, detail: { reason: 'at most 3 code emails per 15 minutes' } });
    return { ok: true };
  }
  const code = await issueCode(db, user.id, 'reset');
  await recordAudit(db, { userId: user.id, action: 'code.sent', target: 'reset', ip: input.ip });
  void Promise.resolve()
    .then(() => deliver(resetCodeEmail(user.email, code)))
    .catch(async (err: unknown) => {
      console.error(`Could not send the password reset code to user ${user.id}: ${(err as Error).message}`);
      await recordAudit(db, { userId: user.id, action: 'code.send_failed', target: 'reset', ip: input.ip, detail: { error: (err as Error).message } });
    });
  return { ok: true };
}

/**
 * Checks a reset code for `email`. On success returns the reset token (to keep in an HttpOnly cookie);
 * otherwise `{ ok: false }`, the same for unknown emails. Throws AppError('rate_limited') past 50 checks
 * per IP in 15 minutes.
 */
export async function verifyResetCode(db: Db, input: { email: string; code: string; ip: string }): Promise<{ ok: true; token: string } | { ok: false }> {
  const perIp = await hitRateLimit(db, CODE_CHECKS_PER_IP, input.ip);
  if (perIp.count > CODE_CHECKS_PER_IP.limit) throw new AppError('rate_limited', tooManyAttemptsMessage(perIp.retryAfterSeconds), { retryAfterSeconds: perIp.retryAfterSeconds });
  const user = await findUserByEmail(db, input.email);
  const check = await consumeCode(db, user && user.disabledAt === null ? user.id : NIL_UUID, 'reset', input.code);
  if (!user || !check.ok) {
    if (user) await recordAudit(db, { userId: user.id, action: 'code.rejected', target: 'reset', ip: input.ip });
    return { ok: false };
  }
  const token = crypto.randomBytes(32).toString('base64url');
  await db.insert(passwordResetGrants).values({
    userId: user.id,
    tokenHash: hashResetToken(token),
    expiresAt: sql`now() + ${RESET_GRANT_TTL_SECONDS}::int * interval '1 second'`,
  });
  await recordAudit(db, { userId: user.id, action: 'code.used', target: 'reset', ip: input.ip });
  return { ok: true, token };
}

/** The stored form of a reset token. */
export function hashResetToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** True when `token` is an unused, unexpired reset right (for showing the form; resetPassword re-checks). */
export async function isResetTokenLive(db: Db, token: string): Promise<boolean> {
  const [row] = await db
    .select({ id: passwordResetGrants.id })
    .from(passwordResetGrants)
    .where(and(eq(passwordResetGrants.tokenHash, hashResetToken(token)), isNull(passwordResetGrants.usedAt), gt(passwordResetGrants.expiresAt, sql`now()`)))
    .limit(1);
  return row !== undefined;
}

/**
 * Sets a new password with a reset token, once. Throws AppError('invalid') for a weak password or a used,
 * expired or unknown token. Returns the account's email.
 */
export async function resetPassword(db: Db, input: { token: string; password: string; ip: string }, deliver: Deliver): Promise<{ email: string }> {
  const problem = passwordProblem(input.password);
  if (problem) throw new AppError('invalid', problem);
  const passwordHash = await hashPassword(input.password);
  const user = await db.transaction(async (tx) => {
    const [grant] = await tx
      .update(passwordResetGrants)
      .set({ usedAt: sql`now()` })
      .where(and(eq(passwordResetGrants.tokenHash, hashResetToken(input.token)), isNull(passwordResetGrants.usedAt), gt(passwordResetGrants.expiresAt, sql`now()`)))
      .returning({ userId: passwordResetGrants.userId });
    if (!grant) return undefined;
    const [updated] = await tx
      .update(users)
      .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: sql`now()` })
      .where(and(eq(users.id, grant.userId), isNull(users.disabledAt)))
      .returning({ id: users.id, email: users.email });
    return updated;
  });
  if (!user) throw new AppError('invalid', 'This reset has expired or was already used. Request a new code.');
  await resetRateLimit(db, SIGN_IN_PER_ACCOUNT, user.email);
  await recordAudit(db, { userId: user.id, action: 'password.reset', ip: input.ip });
  try {
    await deliver(passwordChangedEmail(user.email, 'reset'));
  } catch (err) {
    // The password is already changed; the notification failing must not undo or hide that.
    console.error(`Could not send the password reset notice to user ${user.id}: ${(err as Error).message}`);
    await recordAudit(db, { userId: user.id, action: 'code.send_failed', target: 'reset-notice', ip: input.ip, detail: { error: (err as Error).message } });
  }
  return { email: user.email };
}
