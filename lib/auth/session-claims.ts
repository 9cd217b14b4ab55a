/**
 * The session token's Coffer claims and their check against the database, kept free of Next and next-auth
 * so the rule is testable on its own: the account must exist, not be disabled, still have the
 * sessionVersion the token was granted at, and the token must be younger than 12 hours.
 */
import 'server-only';
import { eq } from 'drizzle-orm';
import type { Db } from '@/lib/db';
import { users } from '@/lib/db/schema';

/** The longest a session lives, in seconds, however active it is. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** What Coffer keeps in the session token. */
export interface SessionClaims {
  /** User id. */
  uid: string;
  /** The user's sessionVersion when the session was granted. */
  sv: number;
  /** Sign-in time, seconds since the epoch. */
  sat: number;
}

/** The signed-in user, as pages, actions and route handlers see them. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'user';
}

/** The Coffer claims of a session returned by `auth()`, or null when it has none or they are malformed. */
export function readClaims(session: unknown): SessionClaims | null {
  if (!session || typeof session !== 'object') return null;
  const s = session as Partial<SessionClaims>;
  if (typeof s.uid !== 'string' || typeof s.sv !== 'number' || typeof s.sat !== 'number') return null;
  return { uid: s.uid, sv: s.sv, sat: s.sat };
}

/**
 * The user the claims stand for, or null when the account is gone or disabled, its sessionVersion has moved
 * on, or the session is older than SESSION_MAX_AGE_SECONDS at `now` (milliseconds).
 */
export async function loadSessionUser(db: Db, claims: SessionClaims, now = Date.now()): Promise<SessionUser | null> {
  if (now / 1000 - claims.sat > SESSION_MAX_AGE_SECONDS) return null;
  const [row] = await db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, sessionVersion: users.sessionVersion, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.id, claims.uid))
    .limit(1);
  if (!row || row.disabledAt !== null || row.sessionVersion !== claims.sv) return null;
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}
