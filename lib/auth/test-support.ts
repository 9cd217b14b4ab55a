/**
 * Helpers for the account tests: an AUTH_SECRET for the process and quick user rows. Test-only; nothing in
 * the app imports it.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '@/lib/db';
import { users } from '@/lib/db/schema';
import { hashPassword } from './password';

/** Gives the test process an AUTH_SECRET (codes and tokens are keyed from it). */
export function ensureTestSecret(): void {
  process.env.AUTH_SECRET ??= 'test-secret-test-secret-test-secret-0123456789';
}

const hashes = new Map<string, Promise<string>>();

/** Inserts a user with `password` (hashes are cached per password) and returns its row. */
export async function createUser(
  db: Db,
  options: { email?: string; name?: string; password?: string; role?: 'admin' | 'user'; emailOtpEnabled?: boolean } = {},
) {
  const password = options.password ?? 'a good long passphrase';
  if (!hashes.has(password)) hashes.set(password, hashPassword(password));
  const [row] = await db
    .insert(users)
    .values({
      email: (options.email ?? `user-${crypto.randomUUID()}@example.test`).toLowerCase(),
      name: options.name ?? 'Test User',
      passwordHash: await hashes.get(password)!,
      role: options.role ?? 'user',
      emailOtpEnabled: options.emailOtpEnabled ?? false,
    })
    .returning();
  if (!row) throw new Error('user not created');
  return row;
}

/** Moves every timestamp of a table's rows `seconds` into the past (to test expiry without waiting). */
export async function agePast(db: Db, table: 'one_time_codes' | 'rate_limits' | 'password_reset_grants', seconds: number): Promise<void> {
  const shift = sql`(${seconds}::int * interval '1 second')`;
  if (table === 'one_time_codes') await db.execute(sql`update one_time_codes set expires_at = expires_at - ${shift}, created_at = created_at - ${shift}`);
  if (table === 'rate_limits') await db.execute(sql`update rate_limits set window_start = window_start - ${shift}`);
  if (table === 'password_reset_grants') await db.execute(sql`update password_reset_grants set expires_at = expires_at - ${shift}, created_at = created_at - ${shift}`);
}
