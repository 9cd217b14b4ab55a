/**
 * Who is signed in. `getCurrentUser()` reads the session token and then checks the database on every
 * request: the account must exist, not be disabled, and still have the sessionVersion the token was granted
 * at, and the token must be younger than 12 hours. So a password change, a reset, a disabled account or
 * "sign out of all other sessions" ends other sessions at their next request.
 */
import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { getDb } from '@/lib/db';
import { AppError } from '@/lib/errors';
import { auth } from './next-auth';
import { loginUrlFor } from './safe-next';
import { loadSessionUser, readClaims, type SessionClaims, type SessionUser } from './session-claims';

export type { SessionUser } from './session-claims';

/** Request header set by proxy.ts with the path and query of the page being requested. */
export const PATH_HEADER = 'x-coffer-path';

/** The signed-in user of this request, or null. Checked against the database once per request. */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  let claims: SessionClaims | null;
  try {
    claims = readClaims(await auth());
  } catch (err) {
    // A token that cannot be decrypted (rotated AUTH_SECRET, tampering) is simply no session.
    console.error('Could not read the session token:', (err as Error).message);
    return null;
  }
  if (!claims) return null;
  return loadSessionUser(await getDb(), claims);
});

/**
 * The signed-in user; without one, redirects to `/login?next=<current path>` (pages and server actions).
 * Never returns null.
 */
export async function requireUser(): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (user) return user;
  const h = await headers();
  redirect(loginUrlFor(h.get(PATH_HEADER)));
}

/** The signed-in administrator; a signed-in non-administrator gets AppError('forbidden'). */
export async function requireAdmin(): Promise<SessionUser> {
  const user = await requireUser();
  if (user.role !== 'admin') throw new AppError('forbidden', 'Only the administrator can do this.');
  return user;
}
