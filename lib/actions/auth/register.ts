'use server';
/** Create an account (the first one becomes the administrator) and sign in. */
import { redirect } from 'next/navigation';
import { publicAction } from '@/lib/actions/safe-action';
import { grantSession, requestIp } from '@/lib/auth/grant-session';
import { registerUser } from '@/lib/auth/registration';
import { getDb } from '@/lib/db';
import { isAppError } from '@/lib/errors';
import { registerSchema } from '@/lib/validations/auth';

/** `/register` form action. */
export const registerAction = publicAction(registerSchema, async ({ name, email, password, invite }) => {
  const db = await getDb();
  let user;
  try {
    user = await registerUser(db, { name, email, password, invite, ip: await requestIp() });
  } catch (err) {
    if (isAppError(err) && err.code === 'invalid') return { ok: false, fieldErrors: { password: [err.message] }, values: { name, email } };
    if (isAppError(err)) return { ok: false, message: err.message, values: { name, email } };
    throw err;
  }
  await grantSession(user.id, user.sessionVersion);
  redirect('/dashboard');
});
