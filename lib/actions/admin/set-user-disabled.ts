'use server';
/** Administrator: disable (ending its sessions) or re-enable an account. */
import { revalidatePath } from 'next/cache';
import { adminAction } from '@/lib/actions/safe-action';
import { setUserDisabled } from '@/lib/auth/account-settings';
import { getDb } from '@/lib/db';
import { setUserDisabledSchema } from '@/lib/validations/auth';

/** Settings (administrator) form action. */
export const setUserDisabledAction = adminAction(setUserDisabledSchema, async ({ userId, disabled }, admin) => {
  await setUserDisabled(await getDb(), admin.id, userId, disabled === 'true');
  revalidatePath('/settings');
  return { ok: true, message: disabled === 'true' ? 'The account was disabled and its sessions ended.' : 'The account was enabled.' };
});
