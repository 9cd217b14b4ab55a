/**
 * The cookies that carry a browser through the multi-step flows, all HttpOnly, SameSite=Lax and 15 minutes
 * long:
 * - `flow`: a signed ticket saying which code the browser is waiting for: a password reset for an email
 *   (set for known and unknown emails alike), or a sign-in whose password was already proven.
 * - `reset`: the right to set a new password, a random token whose hash is in password_reset_grants.
 */
import 'server-only';
import { cookies } from 'next/headers';
import { cookieName, cookieOptions } from './cookie-names';
import { openToken, sealToken } from './signed-token';

const FLOW_TTL_SECONDS = 15 * 60;
const FLOW_PURPOSE = 'flow ticket';

/** What the verify-code page is verifying. */
export type FlowTicket = { p: 'reset'; email: string } | { p: 'login'; uid: string; sv: number; email: string; next: string };

/** Stores the ticket in the `flow` cookie. */
export async function setFlowTicket(ticket: FlowTicket): Promise<void> {
  (await cookies()).set(cookieName('flow'), sealToken(FLOW_PURPOSE, ticket, FLOW_TTL_SECONDS), { ...cookieOptions(), maxAge: FLOW_TTL_SECONDS });
}

/** The ticket in the `flow` cookie, or null when absent, forged or expired. */
export async function getFlowTicket(): Promise<FlowTicket | null> {
  const p = openToken(FLOW_PURPOSE, (await cookies()).get(cookieName('flow'))?.value);
  if (!p) return null;
  if (p.p === 'reset' && typeof p.email === 'string') return { p: 'reset', email: p.email };
  if (p.p === 'login' && typeof p.uid === 'string' && typeof p.sv === 'number' && typeof p.email === 'string' && typeof p.next === 'string') {
    return { p: 'login', uid: p.uid, sv: p.sv, email: p.email, next: p.next };
  }
  return null;
}

/** Removes the `flow` cookie. */
export async function clearFlowTicket(): Promise<void> {
  (await cookies()).delete({ name: cookieName('flow'), ...cookieOptions() });
}

/** Stores a reset token in the `reset` cookie. */
export async function setResetToken(token: string): Promise<void> {
  (await cookies()).set(cookieName('reset'), token, { ...cookieOptions(), maxAge: FLOW_TTL_SECONDS });
}

/** The reset token of this browser, if any. */
export async function getResetToken(): Promise<string | undefined> {
  return (await cookies()).get(cookieName('reset'))?.value;
}

/** Removes the `reset` cookie. */
export async function clearResetToken(): Promise<void> {
  (await cookies()).delete({ name: cookieName('reset'), ...cookieOptions() });
}
