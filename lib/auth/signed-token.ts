/**
 * Small signed tokens: a JSON payload with an expiry, HMAC-SHA-256-signed under a key derived from
 * AUTH_SECRET and a purpose label (a token made for one purpose never passes for another). Integrity only:
 * the payload is readable, so it must hold nothing secret.
 */
import 'server-only';
import crypto from 'node:crypto';

function key(purpose: string): Buffer {
  const secret = process.env.AUTH_SECRET;
  if (!secret) throw new Error('AUTH_SECRET is not set; the server must boot before handling accounts.');
  return crypto.createHmac('sha256', secret).update(`coffer signed token v1\n${purpose}`).digest();
}

/** Signs `payload` for `purpose`, valid for `ttlSeconds`. */
export function sealToken(purpose: string, payload: Record<string, unknown>, ttlSeconds: number): string {
  const body = Buffer.from(JSON.stringify({ ...payload, exp: Date.now() + ttlSeconds * 1000 })).toString('base64url');
  const mac = crypto.createHmac('sha256', key(purpose)).update(body).digest('base64url');
  return `${body}.${mac}`;
}

/** The payload of a token sealed for `purpose`, or null when forged, malformed or expired. */
export function openToken(purpose: string, token: unknown): Record<string, unknown> | null {
  if (typeof token !== 'string' || token.length > 4096) return null;
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined) return null;
  const expected = crypto.createHmac('sha256', key(purpose)).update(body).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof payload.exp !== 'number' || payload.exp < Date.now()) return null;
    return payload;
  } catch {
    return null;
  }
}
