'use server';
/** Sign in with email and password; with the second factor on, continue to /verify-otp. */
import { redirect } from 'next/navigation';
import { publicAction } from '@/lib/actions/safe-action';
import { setFlowTicket } from '@/lib/auth/flow-cookies';
import { grantSession, requestIp } from '@/lib/auth/grant-session';
import { tooManyAttemptsMessage } from '@/lib/auth/rate-limit';
import { safeNextPath } from '@/lib/auth/safe-next';
import { sendSignInCode } from '@/lib/auth/second-factor';
import { checkPassword, SIGN_IN_FAILED_MESSAGE } from '@/lib/auth/sign-in';
import { getDb } from '@/lib/db';
import { sendMail } from '@/lib/mail';
import { signInSchema } from '@/lib/validations/auth';

/** `/login` form action: every failure reads "Wrong email or password." unless a rate limit tripped. */
export const signInAction = publicAction(signInSchema, async ({ email, password, next }) => {
  const db = await getDb();
  const ip = await requestIp();
  const result = await checkPassword(db, { email, password, ip });
  if (result.kind === 'rate_limited') return { ok: false, message: tooManyAttemptsMessage(result.retryAfterSeconds), values: { email } };
  if (result.kind === 'invalid') return { ok: false, message: SIGN_IN_FAILED_MESSAGE, values: { email } };
  const target = safeNextPath(next);
  if (result.kind === 'second_factor') {
    await sendSignInCode(db, result.user, ip, sendMail);
    await setFlowTicket({ p: 'login', uid: result.user.id, sv: result.user.sessionVersion, email: result.user.email, next: target });
    redirect('/verify-otp');
  }
  await grantSession(result.user.id, result.user.sessionVersion);
  redirect(target);
});
