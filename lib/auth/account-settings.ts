/**
 * What a signed-in user changes about their own account, and what the administrator changes about others.
 * Every change that must end other sessions bumps sessionVersion in the same UPDATE; the caller then
 * re-grants the current browser's session at the new version.
 */
import 'server-only';
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '@/lib/db';
import { users } from '@/lib/db/schema';
import { AppError } from '@/lib/errors';
import { findUserById } from './accounts';
import { recordAudit } from './audit';
import { hashPassword, passwordProblem, verifyPassword } from './password';
import { hitRateLimit, peekRateLimit, SIGN_IN_PER_ACCOUNT, tooManyAttemptsMessage } from './rate-limit';

/** Bumps the user's sessionVersion; returns the new one. Every session granted before stops working. */
export async function bumpSessionVersion(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: sql`now()` })
    .where(eq(users.id, userId))
    .returning({ sessionVersion: users.sessionVersion });
  if (!row) throw new AppError('not_found', 'This account no longer exists.');
  return row.sessionVersion;
}

/**
 * Changes the password after checking the current one (wrong guesses count against the account's sign-in
 * limit). Ends every other session; returns the new session version.
 */
export async function changePassword(db: Db, userId: string, input: { currentPassword: string; newPassword: string; ip: string }): Promise<{ sessionVersion: number; email: string }> {
  const user = await findUserById(db, userId);
  if (!user) throw new AppError('not_found', 'This account no longer exists.');
  const limit = await peekRateLimit(db, SIGN_IN_PER_ACCOUNT, user.email);
  if (limit.limited) throw new AppError('rate_limited', tooManyAttemptsMessage(limit.retryAfterSeconds), { retryAfterSeconds: limit.retryAfterSeconds });
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await hitRateLimit(db, SIGN_IN_PER_ACCOUNT, user.email);
    throw new AppError('invalid', 'The current password is wrong.');
  }
  const problem = passwordProblem(input.newPassword);
  if (problem) throw new AppError('invalid', problem);
  const passwordHash = await hashPassword(input.newPassword);
  const [row] = await db
    .update(users)
    .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: sql`now()` })
    .where(eq(users.id, userId))
    .returning({ sessionVersion: users.sessionVersion });
  if (!row) throw new AppError('not_found', 'This account no longer exists.');
  await recordAudit(db, { userId, action: 'password.changed', ip: input.ip });
  return { sessionVersion: row.sessionVersion, email: user.email };
}

/** Renames the user. */
export async function changeName(db: Db, userId: string, name: string): Promise<void> {
  await db.update(users).set({ name: name.trim(), updatedAt: sql`now()` }).where(eq(users.id, userId));
  await recordAudit(db, { userId, action: 'user.renamed' });
}

/** Turns the email second factor on or off. */
export async function setSecondFactor(db: Db, userId: string, enabled: boolean, ip: string): Promise<void> {
  await db.update(users).set({ emailOtpEnabled: enabled, updatedAt: sql`now()` }).where(eq(users.id, userId));
  await recordAudit(db, { userId, action: enabled ? 'second_factor.enabled' : 'second_factor.disabled', ip });
}

/** One row of the administrator's user list. */
export interface UserSummary {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'user';
  disabled: boolean;
  createdAt: Date;
}

/** Every account, oldest first. */
export async function listUsers(db: Db): Promise<UserSummary[]> {
  const rows = await db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, disabledAt: users.disabledAt, createdAt: users.createdAt })
    .from(users)
    .orderBy(asc(users.createdAt));
  return rows.map(({ disabledAt, ...r }) => ({ ...r, disabled: disabledAt !== null }));
}

/**
 * Disables or re-enables another account. Disabling bumps its sessionVersion, so its sessions end at their
 * next request. The administrator cannot disable their own account.
 */
export async function setUserDisabled(db: Db, adminId: string, targetId: string, disabled: boolean): Promise<void> {
  if (adminId === targetId) throw new AppError('invalid', 'You cannot disable your own account.');
  const [row] = await db
    .update(users)
    .set(
      disabled
        ? { disabledAt: sql`now()`, sessionVersion: sql`${users.sessionVersion} + 1`, updatedAt: sql`now()` }
        : { disabledAt: null, updatedAt: sql`now()` },
    )
    .where(and(eq(users.id, targetId), ne(users.id, adminId)))
    .returning({ id: users.id });
  if (!row) throw new AppError('not_found', 'No such user.');
  await recordAudit(db, { userId: adminId, action: disabled ? 'user.disabled' : 'user.enabled', target: targetId });
}
