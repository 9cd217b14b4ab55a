/**
 * Who is signed in. `getCurrentUser()` decrypts next-auth's session token (a JWE keyed by AUTH_SECRET and
 * the cookie name) and then checks the database on every
 * request: the account must exist, not be disabled, and still have the sessionVersion the token was granted
 * at, and the token must be younger than 12 hours. So a password change, a reset, a disabled account or
 * "sign out of all other sessions" ends other sessions at their next request.
 */
import 'server-only';
import { decode } from 'next-auth/jwt';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { getDb } from '@/lib/db';
import { AppError } from '@/lib/errors';
import { sessionCookieName } from './cookie-names';
import { loginUrlFor } from './safe-next';
import { loadSessionUser, readClaims, type SessionClaims, type SessionUser } from './session-claims';

export type { SessionUser } from './session-claims';

/** Request header set by proxy.ts with the path and query of the page being requested. */
export const PATH_HEADER = 'x-coffer-path';

/**
 * The session token of this request. Read through `cookies()`, not the raw Cookie header, so that a server
 * action that has just re-granted the session (password change, "sign out of all other sessions") renders
 * its response with the new token rather than the one the request came with.
 */
async function readSessionToken(): Promise<string | undefined> {
  const jar = await cookies();
  const name = sessionCookieName();
  const whole = jar.get(name)?.value;
  if (whole) return whole;
  // next-auth splits tokens over 4 KB into `<name>.0`, `<name>.1`, …
  const chunks: string[] = [];
  for (let i = 0; ; i++) {
    const part = jar.get(`${name}.${i}`)?.value;
    if (part === undefined) break;
    chunks.push(part);
  }
  return chunks.length > 0 ? chunks.join('') : undefined;
}

/** The signed-in user of this request, or null. Checked against the database once per request. */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const token = await readSessionToken();
  if (!token) return null;
  let claims: SessionClaims | null;
  try {
    const secret = process.env.AUTH_SECRET;
    if (!secret) return null;
    claims = readClaims(await decode({ token, secret, salt: sessionCookieName() }));
  } catch {
    // A token that cannot be decrypted (rotated AUTH_SECRET, tampering, a stale cookie) is simply no session.
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
