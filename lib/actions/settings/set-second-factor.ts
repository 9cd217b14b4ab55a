'use server';
/** Turn the email second factor on or off. */
import { revalidatePath } from 'next/cache';
import { authedAction } from '@/lib/actions/safe-action';
import { setSecondFactor } from '@/lib/auth/account-settings';
import { requestIp } from '@/lib/auth/grant-session';
import { getDb } from '@/lib/db';
import { secondFactorSchema } from '@/lib/validations/auth';

/** Settings form action. */
export const setSecondFactorAction = authedAction(secondFactorSchema, async ({ enabled }, user) => {
  const on = enabled === 'on';
  await setSecondFactor(await getDb(), user.id, on, await requestIp());
  revalidatePath('/settings');
  return { ok: true, message: on ? 'Sign-in now asks for a code sent to your email.' : 'Sign-in no longer asks for an emailed code.' };
});
