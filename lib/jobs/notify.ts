/**
 * Tells a plan's owner by email when a scheduled job failed, was interrupted or finished with warnings.
 * Runs after the outcome is recorded; a mail failure is logged and never changes the job.
 */
import type { Db } from '@/lib/db';
import { getOwnerContact } from '@/lib/db/queries/schedules';
import { getPlan } from '@/lib/db/queries/plans';
import type { Job } from '@/lib/db/schema';
import { jobProblemEmail } from '@/lib/mail/job-email';
import type { MailMessage } from '@/lib/mail/transport';
import type { JobOutcome } from './runner';

/** True when the outcome of this job deserves an email: scheduled, and not a clean success or a cancel. */
export function needsNotice(job: Pick<Job, 'params'>, outcome: JobOutcome): boolean {
  if (job.params.scheduled !== true) return false;
  if (outcome.status === 'failed' || outcome.status === 'interrupted') return true;
  return outcome.status === 'succeeded' && outcome.warnings.length > 0;
}

/**
 * Sends the notice for `job` through `send` when needsNotice says so. `publicUrl` (COFFER_PUBLIC_URL)
 * makes the link absolute. Returns the message sent, or undefined.
 */
export async function notifyOwner(
  db: Db,
  job: Pick<Job, 'id' | 'ownerId' | 'planId' | 'kind' | 'params'>,
  outcome: JobOutcome,
  options: { publicUrl: string | undefined; send: (m: MailMessage) => Promise<unknown> },
): Promise<MailMessage | undefined> {
  if (!needsNotice(job, outcome)) return undefined;
  const contact = await getOwnerContact(db, job.ownerId);
  if (!contact) return undefined;
  const plan = job.planId ? await getPlan(db, job.ownerId, job.planId) : undefined;
  const jobPath = `/jobs/${job.id}`;
  const message = jobProblemEmail({
    to: contact.email,
    planName: plan?.plan.name ?? '(deleted plan)',
    kind: job.kind,
    status: outcome.status,
    error: outcome.error,
    warnings: outcome.warnings,
    jobUrl: options.publicUrl ? new URL(jobPath, options.publicUrl).toString() : jobPath,
  });
  await options.send(message);
  return message;
}
