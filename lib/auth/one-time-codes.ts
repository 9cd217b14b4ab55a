/**
 * One-time codes sent by email (password reset, second factor). Six digits from crypto.randomInt, stored
 * only as an HMAC under a key derived from AUTH_SECRET (so a database leak does not reveal live codes, and
 * a million guesses offline need the secret too), valid 10 minutes, at most 5 tries, single use. Issuing a
 * new code voids the earlier ones of the same user and purpose.
 *
 * Checking is two atomic statements: the first claims one try (`attempts + 1`, only on an unconsumed,
 * unexpired code with tries left) and returns the stored hash, compared in constant time; the second
 * consumes the code (only if still unconsumed and unexpired). Under concurrency, at most 5 guesses are ever
 * compared and exactly one correct check wins.
 */
import 'server-only';
import crypto from 'node:crypto';
import { and, eq, gt, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '@/lib/db';
import { oneTimeCodes } from '@/lib/db/schema';

/** How long a code is valid. */
export const CODE_TTL_SECONDS = 10 * 60;
/** Tries allowed per code; the 6th is refused even when right. */
export const CODE_MAX_ATTEMPTS = 5;

/** What a code is for. */
export type CodePurpose = 'reset' | 'login' | 'verify';

/** A fresh six-digit code, uniformly drawn. */
export function generateCode(): string {
  return crypto.randomInt(0, 1_000_000).toString().padStart(6, '0');
}

function codeKey(): Buffer {
  const secret = process.env.AUTH_SECRET;
  if (!secret) throw new Error('AUTH_SECRET is not set; the server must boot before issuing codes.');
  return crypto.createHmac('sha256', secret).update('coffer one-time codes v1').digest();
}

/** The stored form of a code, bound to its user and purpose. */
export function hashCode(userId: string, purpose: CodePurpose, code: string): string {
  return crypto.createHmac('sha256', codeKey()).update(`${userId}\n${purpose}\n${code}`).digest('hex');
}

/** Voids the user's earlier codes for `purpose`, stores a new one and returns it (to be emailed, never logged). */
export async function issueCode(db: Db, userId: string, purpose: CodePurpose): Promise<string> {
  const code = generateCode();
  await db.transaction(async (tx) => {
    await tx
      .update(oneTimeCodes)
      .set({ consumedAt: sql`now()` })
      .where(and(eq(oneTimeCodes.userId, userId), eq(oneTimeCodes.purpose, purpose), isNull(oneTimeCodes.consumedAt)));
    await tx.insert(oneTimeCodes).values({
      userId,
      purpose,
      codeHash: hashCode(userId, purpose, code),
      expiresAt: sql`now() + ${CODE_TTL_SECONDS}::int * interval '1 second'`,
    });
  });
  return code;
}

/** Why a check failed: no live code with tries left, or a wrong code. */
export type CodeCheck = { ok: true } | { ok: false; reason: 'no_code' | 'wrong' };

/**
 * Checks `code` against the user's live code for `purpose` and consumes it when right. Only digits are
 * compared; anything else counts as a wrong try.
 */
export async function consumeCode(db: Db, userId: string, purpose: CodePurpose, code: string): Promise<CodeCheck> {
  const claimed = await db
    .update(oneTimeCodes)
    .set({ attempts: sql`${oneTimeCodes.attempts} + 1` })
    .where(
      and(
        eq(oneTimeCodes.userId, userId),
        eq(oneTimeCodes.purpose, purpose),
        isNull(oneTimeCodes.consumedAt),
        gt(oneTimeCodes.expiresAt, sql`now()`),
        lt(oneTimeCodes.attempts, CODE_MAX_ATTEMPTS),
      ),
    )
    .returning({ id: oneTimeCodes.id, codeHash: oneTimeCodes.codeHash });
  if (claimed.length === 0) return { ok: false, reason: 'no_code' };
  const given = Buffer.from(hashCode(userId, purpose, /^\d{6}$/.test(code) ? code : 'x'), 'hex');
  const match = claimed.find((row) => {
    const stored = Buffer.from(row.codeHash, 'hex');
    return stored.length === given.length && crypto.timingSafeEqual(stored, given);
  });
  if (!match) return { ok: false, reason: 'wrong' };
  const consumed = await db
    .update(oneTimeCodes)
    .set({ consumedAt: sql`now()` })
    .where(
      and(
        eq(oneTimeCodes.id, match.id),
        isNull(oneTimeCodes.consumedAt),
        gt(oneTimeCodes.expiresAt, sql`now()`),
        lte(oneTimeCodes.attempts, CODE_MAX_ATTEMPTS),
      ),
    )
    .returning({ id: oneTimeCodes.id });
  return consumed.length === 1 ? { ok: true } : { ok: false, reason: 'no_code' };
}
