/**
 * Account lookups shared by the account services. Emails are compared lower-cased and trimmed (the users
 * table enforces lower case).
 */
import 'server-only';
import { eq } from 'drizzle-orm';
import type { Db } from '@/lib/db';
import { users, type User } from '@/lib/db/schema';

/** The canonical form of an email address: trimmed, lower case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The user with this email (any case), or undefined. */
export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, normalizeEmail(email))).limit(1);
  return row;
}

/** The user with this id, or undefined. */
export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

/**
 * The client's IP address for rate limits and audit lines: the last entry of X-Forwarded-For, which Next's
 * server sets from the socket (or a reverse proxy appends), else "unknown".
 */
export function clientIp(headers: Headers): string {
  const forwarded = headers.get('x-forwarded-for');
  const last = forwarded?.split(',').map((s) => s.trim()).filter(Boolean).pop();
  return (last ?? headers.get('x-real-ip') ?? 'unknown').slice(0, 64);
}
