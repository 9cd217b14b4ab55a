/**
 * Password sign-in. Failures look the same whatever the cause (unknown email, wrong password, disabled
 * account): same result, same message, and the same work, since an unknown email still runs one argon2
 * verification. Failures count against the account (10 per 15 minutes) and the client IP (50 per 15
 * minutes); both limits live in the database.
 */
import 'server-only';
import { eq } from 'drizzle-orm';
import type { Db } from '@/lib/db';
import { users } from '@/lib/db/schema';
import { findUserByEmail, normalizeEmail } from './accounts';
import { recordAudit } from './audit';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './password';
import { hitRateLimit, peekRateLimit, resetRateLimit, SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_IP } from './rate-limit';

/** The account a successful password check proved. */
export interface ProvenUser {
  id: string;
  email: string;
  name: string;
  sessionVersion: number;
  emailOtpEnabled: boolean;
}

/** What a password check concluded. */
export type PasswordSignInResult =
  | { kind: 'ok'; user: ProvenUser }
  | { kind: 'second_factor'; user: ProvenUser }
  | { kind: 'invalid' }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

/** The one message for every failed sign-in. */
export const SIGN_IN_FAILED_MESSAGE = 'Wrong email or password.';

/** Hooks for tests: the password verifiers. */
export interface SignInDeps {
  verify?: (stored: string, password: string) => Promise<boolean>;
  verifyDummy?: (password: string) => Promise<false>;
}

/**
 * Checks an email and password. On success, clears the account's failure count and rehashes the password
 * when the argon2 parameters changed; when the second factor is on, returns `second_factor` instead of `ok`
 * (no session must be granted until the emailed code is checked).
 */
export async function checkPassword(
  db: Db,
  input: { email: string; password: string; ip: string },
  deps: SignInDeps = {},
): Promise<PasswordSignInResult> {
  const email = normalizeEmail(input.email);
  const [perAccount, perIp] = await Promise.all([peekRateLimit(db, SIGN_IN_PER_ACCOUNT, email), peekRateLimit(db, SIGN_IN_PER_IP, input.ip)]);
  if (perAccount.limited || perIp.limited) {
    await recordAudit(db, { action: 'sign_in.rate_limited', target: email, ip: input.ip });
    return { kind: 'rate_limited', retryAfterSeconds: Math.max(perAccount.limited ? perAccount.retryAfterSeconds : 0, perIp.limited ? perIp.retryAfterSeconds : 0) };
  }

  const user = await findUserByEmail(db, email);
  const verify = deps.verify ?? verifyPassword;
  const matches = user ? await verify(user.passwordHash, input.password) : await (deps.verifyDummy ?? verifyAgainstDummy)(input.password);

  if (!user || !matches || user.disabledAt !== null) {
    await Promise.all([hitRateLimit(db, SIGN_IN_PER_ACCOUNT, email), hitRateLimit(db, SIGN_IN_PER_IP, input.ip)]);
    await recordAudit(db, { userId: user?.id ?? null, action: 'sign_in.failure', target: email, ip: input.ip, detail: user?.disabledAt ? { disabled: true } : undefined });
    return { kind: 'invalid' };
  }

  await resetRateLimit(db, SIGN_IN_PER_ACCOUNT, email);
  if (needsRehash(user.passwordHash)) {
    await db.update(users).set({ passwordHash: await hashPassword(input.password) }).where(eq(users.id, user.id));
  }
  const proven: ProvenUser = { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion, emailOtpEnabled: user.emailOtpEnabled };
  if (user.emailOtpEnabled) return { kind: 'second_factor', user: proven };
  await recordAudit(db, { userId: user.id, action: 'sign_in.success', ip: input.ip });
  return { kind: 'ok', user: proven };
}
