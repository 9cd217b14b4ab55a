'use server';
/** Set a new password with the right granted by a verified code; every session ends, and the user signs in again. */
import { redirect } from 'next/navigation';
import { publicAction } from '@/lib/actions/safe-action';
import { clearResetToken, getResetToken } from '@/lib/auth/flow-cookies';
import { requestIp } from '@/lib/auth/grant-session';
import { resetPassword } from '@/lib/auth/password-reset';
import { getDb } from '@/lib/db';
import { isAppError } from '@/lib/errors';
import { sendMail } from '@/lib/mail';
import { resetPasswordSchema } from '@/lib/validations/auth';

/** `/reset-password` form action: on success, redirects to /login with a success message. */
export const resetPasswordAction = publicAction(resetPasswordSchema, async ({ newPassword }) => {
  const token = await getResetToken();
  if (!token) return { ok: false, message: 'This reset has expired or was already used. Request a new code.' };
  try {
    await resetPassword(await getDb(), { token, password: newPassword, ip: await requestIp() }, sendMail);
  } catch (err) {
    if (isAppError(err) && err.code === 'invalid' && !/expired|used/.test(err.message)) return { ok: false, fieldErrors: { newPassword: [err.message] } };
    throw err;
  }
  await clearResetToken();
  redirect('/login?reset=1');
});
