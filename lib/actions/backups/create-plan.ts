'use server';
/** Create a backup plan: checks every source path, initialises the plan's own repository, then opens the plan. */
import crypto from 'node:crypto';
import path from 'node:path';
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
  const location = path.join(config.COFFER_DATA_DIR, 'repos', repositoryId);
  const passphrase = input.encrypt ? input.passphrase : undefined;
  let planId: string;
  try {
    const engineId = await createRepository(location, { encrypted: input.encrypt, passphrase, compression: input.compress ? 'auto' : 'none' });
    const sealed = input.encrypt && input.rememberPassphrase ? sealPassphrase(input.passphrase, repositoryId, (await getJobs()).serverKey()) : null;
    const db = await getDb();
    const { plan } = await createPlan(db, user.id, {
      repositoryId,
      location,
      encrypted: input.encrypt,
      sealedPassphrase: sealed,
      engineRepositoryId: engineId,
      name: input.name,
      sources,
      excludes: input.excludes,
      compression: input.compress ? 'auto' : 'none',
      schedule: null,
    });
    planId = plan.id;
    await recordBackupAudit(db, user.id, 'plan.created', plan.id);
  } catch (err) {
    await removeRepositoryFolder(location).catch(() => {});
    throw err;
  }
  redirect(`/backups/${planId}?created=1`);
});
