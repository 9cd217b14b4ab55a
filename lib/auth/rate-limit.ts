/**
 * Rate limits as fixed-window counters in the database (table rate_limits), so they hold across restarts
 * and across several server instances. Each counter is one row per (bucket, key); an increment is a single
 * upsert that also starts a new window when the old one has passed, so concurrent hits never lose a count.
 * Windows are measured with the database's clock, the one every instance shares.
 */
import 'server-only';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '@/lib/db';
import { rateLimits } from '@/lib/db/schema';

/** A limit: at most `limit` hits per `windowSeconds` for each key of `bucket`. */
export interface RateLimitRule {
  bucket: string;
  limit: number;
  windowSeconds: number;
}

const FIFTEEN_MINUTES = 15 * 60;

/** Failed sign-ins per account (key: lower-case email). */
export const SIGN_IN_PER_ACCOUNT: RateLimitRule = { bucket: 'sign-in:account', limit: 10, windowSeconds: FIFTEEN_MINUTES };
/** Failed sign-ins per client IP. */
export const SIGN_IN_PER_IP: RateLimitRule = { bucket: 'sign-in:ip', limit: 50, windowSeconds: FIFTEEN_MINUTES };
/** Code emails per account (key: lower-case email, so unknown emails do the same work). */
export const CODE_EMAILS_PER_ACCOUNT: RateLimitRule = { bucket: 'code-email:account', limit: 3, windowSeconds: FIFTEEN_MINUTES };
/** Code requests (forgot password, resend) per client IP. */
export const CODE_REQUESTS_PER_IP: RateLimitRule = { bucket: 'code-request:ip', limit: 20, windowSeconds: FIFTEEN_MINUTES };
/** Code checks per client IP (each code also allows only 5 tries). */
export const CODE_CHECKS_PER_IP: RateLimitRule = { bucket: 'code-check:ip', limit: 50, windowSeconds: FIFTEEN_MINUTES };

/** The state of one counter. */
export interface RateLimitState {
  /** Hits in the current window. */
  count: number;
  /** True when the limit is reached: no further attempt is allowed in this window. */
  limited: boolean;
  /** Whole seconds until the window ends (0 when there is no open window). */
  retryAfterSeconds: number;
}

const windowInterval = (rule: RateLimitRule) => sql`(${rule.windowSeconds}::int * interval '1 second')`;

/** Reads a counter without changing it. */
export async function peekRateLimit(db: Db, rule: RateLimitRule, key: string): Promise<RateLimitState> {
  const [row] = await db
    .select({
      count: rateLimits.count,
      retry: sql<number>`greatest(0, ceil(extract(epoch from (${rateLimits.windowStart} + ${windowInterval(rule)} - now()))))::int`,
    })
    .from(rateLimits)
    .where(and(eq(rateLimits.bucket, rule.bucket), eq(rateLimits.key, key), sql`${rateLimits.windowStart} > now() - ${windowInterval(rule)}`));
  if (!row) return { count: 0, limited: false, retryAfterSeconds: 0 };
  const count = Number(row.count);
  return { count, limited: count >= rule.limit, retryAfterSeconds: Number(row.retry) };
}

/**
 * Counts one hit and returns the new state; `limited` is true once the count has reached the limit (so
 * the hit that reaches it is the last one allowed, and callers that hit first must refuse when
 * `count > limit`).
 */
export async function hitRateLimit(db: Db, rule: RateLimitRule, key: string): Promise<RateLimitState> {
  const expired = sql`${rateLimits.windowStart} <= now() - ${windowInterval(rule)}`;
  const [row] = await db
    .insert(rateLimits)
    .values({ bucket: rule.bucket, key, windowStart: sql`now()`, count: 1 })
    .onConflictDoUpdate({
      target: [rateLimits.bucket, rateLimits.key],
      set: {
        count: sql`case when ${expired} then 1 else ${rateLimits.count} + 1 end`,
        windowStart: sql`case when ${expired} then now() else ${rateLimits.windowStart} end`,
      },
    })
    .returning({
      count: rateLimits.count,
      retry: sql<number>`greatest(0, ceil(extract(epoch from (${rateLimits.windowStart} + ${windowInterval(rule)} - now()))))::int`,
    });
  const count = Number(row?.count ?? 1);
  return { count, limited: count >= rule.limit, retryAfterSeconds: Number(row?.retry ?? rule.windowSeconds) };
}

/** Clears a counter (after a successful sign-in, or a password reset). */
export async function resetRateLimit(db: Db, rule: RateLimitRule, key: string): Promise<void> {
  await db.delete(rateLimits).where(and(eq(rateLimits.bucket, rule.bucket), eq(rateLimits.key, key)));
}

/** "try again in N minutes", N rounded up and at least 1. */
export function retryPhrase(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return `try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}

/** The message shown when a limit trips: "Too many attempts, try again in N minutes." */
export function tooManyAttemptsMessage(seconds: number): string {
  return `Too many attempts, ${retryPhrase(seconds)}.`;
}
