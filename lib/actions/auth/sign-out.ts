'use server';
/** Sign out: ends this browser's session and returns to the sign-in page. */
import { redirect } from 'next/navigation';
import { recordAudit } from '@/lib/auth/audit';
import { signOut } from '@/lib/auth/next-auth';
import { getCurrentUser } from '@/lib/auth/session';
import { getDb } from '@/lib/db';

/**
 * Clears the session cookie and redirects to /login. Works without a valid session too (it then only clears
 * whatever cookie is left), so a stale tab can always sign out.
 */
export async function signOutAction(): Promise<void> {
  const user = await getCurrentUser();
  if (user) await recordAudit(await getDb(), { userId: user.id, action: 'sign_out' });
  await signOut({ redirect: false });
  redirect('/login?signed-out=1');
}
