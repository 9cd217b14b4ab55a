/**
 * The email second factor: after a correct password, a code is emailed and the session is granted only
 * when it is checked. Here the account is already proven, so a send failure is an error the user sees.
 */
import 'server-only';
import type { Db } from '@/lib/db';
import { AppError } from '@/lib/errors';
import { signInCodeEmail, type MailMessage } from '@/lib/mail';
import { findUserById } from './accounts';
import { recordAudit } from './audit';
import { consumeCode, issueCode } from './one-time-codes';
import { CODE_CHECKS_PER_IP, CODE_EMAILS_PER_ACCOUNT, hitRateLimit, retryPhrase, tooManyAttemptsMessage } from './rate-limit';

/** The message when the code email could not be sent. */
export const CODE_NOT_SENT_MESSAGE = 'We could not send the code. Try again in a few minutes; if it keeps failing, tell your administrator.';

/**
 * Issues and emails a sign-in code (at most 3 code emails per account per 15 minutes). Throws
 * AppError('rate_limited') past that, and AppError('invalid') with CODE_NOT_SENT_MESSAGE when the mail fails.
 */
export async function sendSignInCode(db: Db, user: { id: string; email: string }, ip: string, send: (m: MailMessage) => Promise<unknown>): Promise<void> {
  const perEmail = await hitRateLimit(db, CODE_EMAILS_PER_ACCOUNT, user.email);
  if (perEmail.count > CODE_EMAILS_PER_ACCOUNT.limit) {
    await recordAudit(db, { userId: user.id, action: 'code.suppressed', target: 'login', ip });
    throw new AppError('rate_limited', `Too many codes were sent, ${retryPhrase(perEmail.retryAfterSeconds)}.`, { retryAfterSeconds: perEmail.retryAfterSeconds });
  }
  const code = await issueCode(db, user.id, 'login');
  try {
    await send(signInCodeEmail(user.email, code));
  } catch (err) {
    console.error(`Could not send the sign-in code to user ${user.id}: ${(err as Error).message}`);
    await recordAudit(db, { userId: user.id, action: 'code.send_failed', target: 'login', ip, detail: { error: (err as Error).message } });
    throw new AppError('invalid', CODE_NOT_SENT_MESSAGE, { cause: err });
  }
  await recordAudit(db, { userId: user.id, action: 'code.sent', target: 'login', ip });
}

/**
 * Checks a sign-in code. Returns the user's current session version when right (the caller then grants the
 * session), null when wrong, used, expired or out of tries. Throws AppError('rate_limited') past 50 checks
 * per IP in 15 minutes.
 */
export async function verifySignInCode(db: Db, input: { userId: string; sessionVersion: number; code: string; ip: string }): Promise<number | null> {
  const perIp = await hitRateLimit(db, CODE_CHECKS_PER_IP, input.ip);
  if (perIp.count > CODE_CHECKS_PER_IP.limit) throw new AppError('rate_limited', tooManyAttemptsMessage(perIp.retryAfterSeconds), { retryAfterSeconds: perIp.retryAfterSeconds });
  const check = await consumeCode(db, input.userId, 'login', input.code);
  if (!check.ok) {
    await recordAudit(db, { userId: input.userId, action: 'code.rejected', target: 'login', ip: input.ip });
    return null;
  }
  const user = await findUserById(db, input.userId);
  // A password change or disabling while the code was in the mail also ends this pending sign-in.
  if (!user || user.disabledAt !== null || user.sessionVersion !== input.sessionVersion) return null;
  await recordAudit(db, { userId: user.id, action: 'code.used', target: 'login', ip: input.ip });
  await recordAudit(db, { userId: user.id, action: 'sign_in.success', ip: input.ip, detail: { secondFactor: true } });
  return user.sessionVersion;
}
