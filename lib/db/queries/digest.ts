/**
 * The daily digest's reads across owners (who has plans, what their jobs did) and its once-a-day claim.
 * The claim is an audit event `digest.sent` per owner and day, taken under a transaction-scoped advisory
 * lock, so two instances (or a repeated scheduler tick) never send the same owner two digests for a day.
 */
import { and, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { auditEvents, jobs, plans, users, type Job, type Plan } from '../schema';

/** Owners with at least one plan, with their plans (oldest first). */
export async function listDigestRecipients(db: Db): Promise<{ user: { id: string; email: string; name: string }; plans: Plan[] }[]> {
  const rows = await db
    .select({ id: users.id, email: users.email, name: users.name, plan: plans })
    .from(plans)
    .innerJoin(users, eq(users.id, plans.ownerId))
    .orderBy(users.id, plans.createdAt);
  const byUser = new Map<string, { user: { id: string; email: string; name: string }; plans: Plan[] }>();
  for (const r of rows) {
    const entry = byUser.get(r.id) ?? { user: { id: r.id, email: r.email, name: r.name }, plans: [] };
    entry.plans.push(r.plan);
    byUser.set(r.id, entry);
  }
  return [...byUser.values()];
}

/** The owner's jobs of the given plans created since `since`, newest first. */
export async function listJobsSince(db: Db, ownerId: string, planIds: string[], since: Date): Promise<Job[]> {
  if (planIds.length === 0) return [];
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.ownerId, ownerId), inArray(jobs.planId, planIds), gte(jobs.createdAt, since)))
    .orderBy(desc(jobs.createdAt));
}

/** Claims the digest of `day` (YYYY-MM-DD) for the owner: true exactly once per owner and day. */
export async function claimDigest(db: Db, ownerId: string, day: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`coffer-digest:${ownerId}:${day}`}))`);
    const [seen] = await tx
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(and(eq(auditEvents.userId, ownerId), eq(auditEvents.action, 'digest.sent'), eq(auditEvents.target, day)))
      .limit(1);
    if (seen) return false;
    await tx.insert(auditEvents).values({ userId: ownerId, action: 'digest.sent', target: day });
    return true;
  });
}
