/**
 * Minting the session cookie after Coffer's own checks: issue a sign-in grant and hand it to next-auth's
 * credentials provider, which re-checks the account and writes the JWT cookie.
 */
import 'server-only';
import { headers } from 'next/headers';
import { clientIp } from './accounts';
import { signIn } from './next-auth';
import { issueSignInGrant } from './sign-in-grant';

/** Sets this browser's session cookie for the user at `sessionVersion`. Throws when next-auth refuses. */
export async function grantSession(userId: string, sessionVersion: number): Promise<void> {
  await signIn('credentials', { grant: issueSignInGrant(userId, sessionVersion), redirect: false });
}

/** The client IP of the current request (see clientIp). */
export async function requestIp(): Promise<string> {
  return clientIp(await headers());
}
