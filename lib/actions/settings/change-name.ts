'use server';
/** Change the display name. */
import { revalidatePath } from 'next/cache';
import { authedAction } from '@/lib/actions/safe-action';
import { changeName } from '@/lib/auth/account-settings';
import { getDb } from '@/lib/db';
import { changeNameSchema } from '@/lib/validations/auth';

/** Settings form action. */
export const changeNameAction = authedAction(changeNameSchema, async ({ name }, user) => {
  await changeName(await getDb(), user.id, name);
  revalidatePath('/', 'layout');
  return { ok: true, message: 'Your name was saved.' };
});
