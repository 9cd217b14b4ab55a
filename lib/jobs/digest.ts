/**
 * The optional daily digest (COFFER_DIGEST_TIME, HH:MM in UTC; unset: off). The per-minute scheduler
 * tick, which pg-boss runs once across instances, calls `sendDailyDigests` once the day's time has come;
 * each owner with plans gets one message per day (claimDigest), even if ticks repeat or come late.
 */
import type { Db } from '@/lib/db';
import { claimDigest, listDigestRecipients, listJobsSince } from '@/lib/db/queries/digest';
import { dailyDigestEmail, type DigestPlan } from '@/lib/mail/digest-email';
import type { MailMessage } from '@/lib/mail/transport';
import { summarizeSchedule } from '@/lib/schedule';

/** A digest whose time passed this long ago is still sent (the servers were down at that minute). */
export const DIGEST_GRACE_MS = 60 * 60 * 1000;

/** The UTC day (YYYY-MM-DD) whose digest is due at `now` for the daily `time` (HH:MM UTC), or undefined. */
export function dueDigestDay(time: string, now: Date): string | undefined {
  const [h, m] = time.split(':').map(Number);
  const day = now.toISOString().slice(0, 10);
  const at = Date.parse(`${day}T00:00:00Z`) + ((h ?? 0) * 60 + (m ?? 0)) * 60_000;
  const late = now.getTime() - at;
  return late >= 0 && late < DIGEST_GRACE_MS ? day : undefined;
}

/**
 * Sends each owner with plans the digest of the 24 hours before `now`, once per UTC day. `publicUrl`
 * makes links absolute. A failed send is reported in `errors` and not retried that day.
 */
export async function sendDailyDigests(
  db: Db,
  now: Date,
  day: string,
  options: { publicUrl: string | undefined; send: (m: MailMessage) => Promise<unknown> },
): Promise<{ sent: MailMessage[]; errors: { userId: string; message: string }[] }> {
  const out = { sent: [] as MailMessage[], errors: [] as { userId: string; message: string }[] };
  const link = (p: string) => (options.publicUrl ? new URL(p, options.publicUrl).toString() : p);
  const since = new Date(now.getTime() - 24 * 3600 * 1000);
  for (const { user, plans } of await listDigestRecipients(db)) {
    if (!(await claimDigest(db, user.id, day))) continue;
    try {
      const jobs = await listJobsSince(db, user.id, plans.map((p) => p.id), since);
      const digestPlans: DigestPlan[] = plans.map((plan) => {
        const own = jobs.filter((j) => j.planId === plan.id);
        const counts: Record<string, number> = {};
        for (const j of own) counts[j.status] = (counts[j.status] ?? 0) + 1;
        const problem = own.find((j) => j.status === 'failed' || j.status === 'interrupted');
        const when = summarizeSchedule(plan.schedule, plan.timeZone, now);
        return {
          name: plan.name,
          schedule: when.label,
          next: when.nextText,
          counts,
          withWarnings: own.filter((j) => j.status === 'succeeded' && j.warnings.length > 0).length,
          problem: problem ? { status: problem.status, error: problem.error, jobUrl: link(`/jobs/${problem.id}`) } : null,
        };
      });
      const message = dailyDigestEmail({ to: user.email, day, plans: digestPlans, dashboardUrl: link('/dashboard') });
      await options.send(message);
      out.sent.push(message);
    } catch (err) {
      out.errors.push({ userId: user.id, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}
