/**
 * A sign-in grant: a one-minute token, signed with AUTH_SECRET, that Coffer's sign-in services issue once
 * the password (and the second factor, when enabled) has been proven. next-auth's credentials provider
 * accepts nothing else, so a session cookie can only be minted by code that has already done every check.
 * Grants never leave the server: they are created and redeemed inside one server action.
 */
import 'server-only';
import { openToken, sealToken } from './signed-token';

const PURPOSE = 'sign-in grant';

/** Issues a grant for the user at their current session version, valid for one minute. */
export function issueSignInGrant(userId: string, sessionVersion: number): string {
  return sealToken(PURPOSE, { uid: userId, sv: sessionVersion }, 60);
}

/** The grant's user and session version, or null when it is forged, malformed or expired. */
export function readSignInGrant(grant: unknown): { userId: string; sessionVersion: number } | null {
  const p = openToken(PURPOSE, grant);
  if (!p || typeof p.uid !== 'string' || typeof p.sv !== 'number') return null;
  return { userId: p.uid, sessionVersion: p.sv };
}
