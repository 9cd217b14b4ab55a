/**
 * Editing where an existing plan's S3 repository lives: endpoint, region, bucket, prefix, path style and
 * credentials. A blank secret key keeps the stored (sealed) one. Nothing is saved unless the new settings
 * connect, and the place they point at holds this plan's repository (the same engine id, opening with the
 * remembered passphrase when there is one). Another repository, or foreign objects, are refused; an empty
 * place is accepted only for a plan without snapshots (a new repository is created there), because
 * otherwise the plan would silently lose sight of every snapshot it has.
 */
import 'server-only';
import type { ActionResult } from '@/lib/actions/safe-action';
import type { Db } from '@/lib/db';
import { countActiveJobs, getPlan, setRepositoryDestination, type PlanWithRepository } from '@/lib/db/queries/plans';
import { listPlanSnapshots } from '@/lib/db/queries/snapshots';
import { AppError } from '@/lib/errors';
import type { Storage } from '@/lib/engine';
import { createRepository, credentialsLabel, openRepositoryAt, probeRepository, s3StorageFrom, testS3Connection, WrongPassphraseError, type S3Credentials, type S3Settings } from '@/lib/jobs/engine-adapter';
import { openPassphrase, openSecret, sealSecret } from '@/lib/jobs/passphrase-seal';
import type { EditDestinationInput } from '@/lib/validations/schedules';
import { s3SettingsFrom } from './plan-destination';

/** What editing needs from the job services (tests pass their own). */
export interface DestinationDeps {
  serverKey: () => string;
  /** Forgets open handles of the repository (its storage changed). */
  drop: (repositoryId: string) => void;
}

/**
 * The owner's S3 plan and the edited settings with credentials (the stored secret when the field is
 * blank). Throws AppError not_found for a plan that is not the owner's, invalid for a local plan.
 */
export async function editedS3(db: Db, deps: Pick<DestinationDeps, 'serverKey'>, ownerId: string, input: EditDestinationInput): Promise<{ found: PlanWithRepository; settings: S3Settings; credentials: S3Credentials }> {
  const found = await getPlan(db, ownerId, input.planId);
  if (!found) throw new AppError('not_found', 'This backup plan does not exist.');
  const repo = found.repository;
  if (repo.kind !== 's3' || !repo.sealedCredentials) throw new AppError('invalid', "This plan's repository is a folder on this server; only an S3 destination can be edited.");
  let secretAccessKey = input.s3SecretKey;
  if (secretAccessKey === '') secretAccessKey = (JSON.parse(openSecret(repo.sealedCredentials, credentialsLabel(repo.id), deps.serverKey())) as S3Credentials).secretAccessKey;
  return { found, settings: s3SettingsFrom({ ...input, destination: 's3' }), credentials: { accessKeyId: input.s3AccessKey, secretAccessKey } };
}

/** "Test connection" with the edited values (the stored secret when the field is blank). */
export async function testEditedConnection(db: Db, deps: Pick<DestinationDeps, 'serverKey'>, ownerId: string, input: EditDestinationInput): Promise<ActionResult> {
  const { settings, credentials } = await editedS3(db, deps, ownerId, input);
  const outcome = await testS3Connection(settings, credentials);
  return outcome.ok ? { ok: true, message: `Connected: ${outcome.message}` } : { ok: false, message: `Connection failed: ${outcome.message}` };
}

const bucketAndPrefix = (message: string) => ({ s3Bucket: [message], s3Prefix: [message] });

/** Saves the edited destination of the owner's S3 plan, or says exactly why not (nothing changes then). */
export async function editPlanDestination(db: Db, deps: DestinationDeps, ownerId: string, input: EditDestinationInput): Promise<ActionResult> {
  const { found, settings, credentials } = await editedS3(db, deps, ownerId, input);
  const { plan, repository: repo } = found;
  if ((await countActiveJobs(db, ownerId, plan.id)) > 0) {
    return { ok: false, message: 'A job of this plan is queued or running. Change the destination when it has finished; nothing was changed.' };
  }
  let storage: Storage;
  try {
    storage = s3StorageFrom(settings, credentials);
  } catch (err) {
    return { ok: false, message: 'The S3 settings cannot be used.', fieldErrors: { s3Bucket: [(err as Error).message] } };
  }
  const test = await testS3Connection(settings, credentials);
  if (!test.ok) return { ok: false, message: `Connection failed: ${test.message} Nothing was changed.` };
  const where = storage.location;
  const probe = await probeRepository(storage, AbortSignal.timeout(30_000)).catch((err: unknown) => ({ kind: 'error' as const, message: err instanceof Error ? err.message : String(err) }));
  if (probe.kind === 'error') return { ok: false, message: `Could not look into ${where}: ${probe.message} Nothing was changed.` };
  if (probe.kind === 'foreign') {
    const message = `${where} already holds objects that are not a Coffer repository.`;
    return { ok: false, message: `${message} Nothing was changed: choose the bucket and prefix of this plan's repository (${repo.location}).`, fieldErrors: bucketAndPrefix(message) };
  }
  let engineRepositoryId = repo.engineRepositoryId;
  const passphrase = repo.encrypted && repo.sealedPassphrase ? openPassphrase(repo.sealedPassphrase, repo.id, deps.serverKey()) : undefined;
  let created = false;
  if (probe.kind === 'coffer') {
    if (probe.id !== repo.engineRepositoryId) {
      const message = `${where} holds a different Coffer repository, not this plan's.`;
      return { ok: false, message: `${message} Nothing was changed: this plan's snapshots are in ${repo.location}. To use that other repository, make a new plan for it.`, fieldErrors: bucketAndPrefix(message) };
    }
    if (passphrase !== undefined || !repo.encrypted) {
      // Prove it: the remembered passphrase (or none, for a plain repository) must open it.
      try {
        const handle = await openRepositoryAt(storage, passphrase);
        await handle.close();
      } catch (err) {
        if (!(err instanceof WrongPassphraseError)) throw err;
        return { ok: false, message: `The repository at ${where} does not open with this plan's remembered passphrase. Nothing was changed.` };
      }
    }
  } else {
    const snapshots = await listPlanSnapshots(db, ownerId, plan.id);
    if (snapshots.length > 0) {
      const message = `There is no Coffer repository at ${where}.`;
      return {
        ok: false,
        message: `${message} This plan's ${snapshots.length} snapshot${snapshots.length === 1 ? ' is' : 's are'} in ${repo.location}; nothing was changed. To move the backup, copy every object under the old prefix to the new place first; to start afresh elsewhere, make a new plan.`,
        fieldErrors: bucketAndPrefix(message),
      };
    }
    if (repo.encrypted && passphrase === undefined) {
      return { ok: false, message: `There is no Coffer repository at ${where}, and this plan's passphrase is not remembered, so Coffer cannot create one there. Nothing was changed; make a new plan for that place.` };
    }
    engineRepositoryId = await createRepository(storage, { encrypted: repo.encrypted, ...(passphrase !== undefined ? { passphrase } : {}), compression: plan.compression });
    created = true;
  }
  const sealedCredentials = sealSecret(JSON.stringify(credentials), credentialsLabel(repo.id), deps.serverKey());
  await setRepositoryDestination(db, ownerId, repo.id, { location: where, s3: settings, sealedCredentials, engineRepositoryId });
  deps.drop(repo.id);
  return {
    ok: true,
    message: created
      ? `Destination saved: a new, empty repository was created at ${where} (the plan had no snapshots; ${repo.location} was left as it was).`
      : `Destination saved: ${where} holds this plan's repository and the connection works.`,
  };
}
