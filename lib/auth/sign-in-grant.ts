/**
 * A sign-in grant: a short-lived token, HMAC-signed with AUTH_SECRET, that the sign-in services issue once
 * the password (and the second factor, when enabled) has been proven. next-auth's credentials provider
 * accepts nothing else, so the session cookie can only be minted by code that has already done every check.
 * Grants never leave the server: they are created and redeemed inside one server action.
 */
import 'server-only';
import crypto from 'node:crypto';

const GRANT_TTL_MS = 60_000;

interface GrantPayload {
  uid: string;
  sv: number;
  exp: number;
}

function key(): Buffer {
  const secret = process.env.AUTH_SECRET;
  if (!secret) throw new Error('AUTH_SECRET is not set; the server must boot before handling sign-ins.');
  return crypto.createHmac('sha256', secret).update('coffer sign-in grant v1').digest();
}

/** Issues a grant for the user at their current session version, valid for one minute. */
export function issueSignInGrant(userId: string, sessionVersion: number): string {
  const body = Buffer.from(JSON.stringify({ uid: userId, sv: sessionVersion, exp: Date.now() + GRANT_TTL_MS } satisfies GrantPayload)).toString('base64url');
  const mac = crypto.createHmac('sha256', key()).update(body).digest('base64url');
  return `${body}.${mac}`;
}

/** The grant's user and session version, or null when it is forged, malformed or expired. */
export function readSignInGrant(grant: unknown): { userId: string; sessionVersion: number } | null {
  if (typeof grant !== 'string' || grant.length > 1024) return null;
  const [body, mac, extra] = grant.split('.');
  if (!body || !mac || extra !== undefined) return null;
  const expected = crypto.createHmac('sha256', key()).update(body).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  try {
    const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<GrantPayload>;
    if (typeof p.uid !== 'string' || typeof p.sv !== 'number' || typeof p.exp !== 'number' || p.exp < Date.now()) return null;
    return { userId: p.uid, sessionVersion: p.sv };
  } catch {
    return null;
  }
}
