'use server';
/** Administrator: open or close registration. */
import { revalidatePath } from 'next/cache';
import { adminAction } from '@/lib/actions/safe-action';
import { setRegistrationOpen } from '@/lib/auth/registration';
import { getDb } from '@/lib/db';
import { registrationSchema } from '@/lib/validations/auth';

/** Settings (administrator) form action. */
export const setRegistrationAction = adminAction(registrationSchema, async ({ open }, admin) => {
  await setRegistrationOpen(await getDb(), open === 'true', admin.id);
  revalidatePath('/settings');
  return { ok: true, message: open === 'true' ? 'Anyone can now create an account.' : 'Registration is closed; invite people with a link.' };
});
