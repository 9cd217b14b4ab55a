'use server';
/**
 * Create a backup plan: checks every source path, sets up the plan's own repository (a folder under the
 * data dir, a folder inside an allowed root, or an S3 bucket), initialises it, then opens the plan.
 */
import crypto from 'node:crypto';
import { redirect } from 'next/navigation';
import { authedAction, type ActionResult } from '@/lib/actions/safe-action';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/db';
import { recordBackupAudit } from '@/lib/db/queries/backup-audit';
import { createPlan } from '@/lib/db/queries/plans';
import { PathRefusedError, resolveReadablePath } from '@/lib/fs-roots';
import { getJobs } from '@/lib/jobs';
import { createRepository, removeRepositoryFolder } from '@/lib/jobs/engine-adapter';
import { sealPassphrase } from '@/lib/jobs/passphrase-seal';
import { createPlanSchema } from '@/lib/validations/backups';
import { planDestination } from './plan-destination';

/** Validates the form, refuses paths outside the allowed roots (naming each), and redirects to the new plan. */
export const createPlanAction = authedAction(createPlanSchema, async (input, user): Promise<ActionResult> => {
  const config = getConfig();
  const problems: string[] = [];
  const sources: string[] = [];
  for (const source of input.sources) {
    try {
      sources.push(await resolveReadablePath(source, config.COFFER_BACKUP_ROOTS));
    } catch (err) {
      if (!(err instanceof PathRefusedError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length > 0) return { ok: false, message: 'Some source paths cannot be backed up.', fieldErrors: { sources: problems } };
  const repositoryId = crypto.randomUUID();
  const jobs = await getJobs();
  const destination = await planDestination(input, repositoryId, { dataDir: config.COFFER_DATA_DIR, roots: config.COFFER_BACKUP_ROOTS, serverKey: jobs.serverKey });
  if (!destination.ok) return { ok: false, message: destination.message, fieldErrors: destination.fieldErrors };
  const { row, storage, localFolder } = destination;
  const passphrase = input.encrypt ? input.passphrase : undefined;
  let planId: string;
  try {
    const engineId = await createRepository(storage, { encrypted: input.encrypt, passphrase, compression: input.compress ? 'auto' : 'none' });
    const sealed = input.encrypt && input.rememberPassphrase ? sealPassphrase(input.passphrase, repositoryId, jobs.serverKey()) : null;
    const db = await getDb();
    const { plan } = await createPlan(db, user.id, {
      repositoryId,
      ...row,
      encrypted: input.encrypt,
      sealedPassphrase: sealed,
      engineRepositoryId: engineId,
      name: input.name,
      sources,
      excludes: input.excludes,
      compression: input.compress ? 'auto' : 'none',
      schedule: input.plan.schedule,
      timeZone: input.plan.timeZone,
      retention: input.plan.retention as Record<string, number | string> | null,
    });
    planId = plan.id;
    await recordBackupAudit(db, user.id, 'plan.created', plan.id);
  } catch (err) {
    if (localFolder) await removeRepositoryFolder(localFolder).catch(() => {});
    if (jobs.classify(err) === 'engine' && row.kind === 's3') {
      return { ok: false, message: `The bucket could not be used: ${(err as Error).message}`, fieldErrors: { s3Bucket: [(err as Error).message] } };
    }
    throw err;
  }
  redirect(`/backups/${planId}?created=1`);
});

