'use server';
/** Change the password (asks for the current one); every other session ends, this one is kept. */
import { authedAction } from '@/lib/actions/safe-action';
import { changePassword } from '@/lib/auth/account-settings';
import { grantSession, requestIp } from '@/lib/auth/grant-session';
import { getDb } from '@/lib/db';
import { isAppError } from '@/lib/errors';
import { passwordChangedEmail, sendMail } from '@/lib/mail';
import { changePasswordSchema } from '@/lib/validations/auth';

/** Settings form action. */
export const changePasswordAction = authedAction(changePasswordSchema, async ({ currentPassword, newPassword }, user) => {
  const db = await getDb();
  let changed;
  try {
    changed = await changePassword(db, user.id, { currentPassword, newPassword, ip: await requestIp() });
  } catch (err) {
    if (isAppError(err) && err.code === 'invalid') {
      const field = /current/i.test(err.message) ? 'currentPassword' : 'newPassword';
      return { ok: false, fieldErrors: { [field]: [err.message] } };
    }
    throw err;
  }
  await grantSession(user.id, changed.sessionVersion);
  try {
    await sendMail(passwordChangedEmail(changed.email, 'changed'));
  } catch (err) {
    console.error(`Could not send the password change notice to user ${user.id}: ${(err as Error).message}`);
  }
  return { ok: true, message: 'Your password was changed. Every other session was signed out.' };
});
