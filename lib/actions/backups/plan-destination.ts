/**
 * Where a new plan's repository goes, from the create form's destination fields: a folder under
 * `$COFFER_DATA_DIR/repos/` (default), a new folder inside an existing folder of the allowed roots, or an
 * S3-compatible bucket whose credentials are sealed with the server key (never stored or shown in clear).
 */
import 'server-only';
import path from 'node:path';
import type { Storage } from '@/lib/engine';
import type { FieldErrors } from '@/lib/actions/safe-action';
import { PathRefusedError, resolveWritableFolder } from '@/lib/fs-roots';
import { credentialsLabel, s3StorageFrom, type S3Settings } from '@/lib/jobs/engine-adapter';
import { sealSecret } from '@/lib/jobs/passphrase-seal';

/** What the repository row stores about its place. */
export interface NewPlanDestination {
  kind: 'local' | 's3';
  location: string;
  s3: S3Settings | null;
  sealedCredentials: string | null;
}

/** The destination fields of the create form, as parsed. */
export interface DestinationInput {
  destination: 'local' | 's3';
  localFolder: string;
  s3Endpoint: string;
  s3Region: string;
  s3Bucket: string;
  s3Prefix: string;
  s3AccessKey: string;
  s3SecretKey: string;
  s3PathStyle: boolean;
}

/** The S3 settings (no secrets) from the form. */
export function s3SettingsFrom(input: DestinationInput): S3Settings {
  return {
    ...(input.s3Endpoint ? { endpoint: input.s3Endpoint } : {}),
    region: input.s3Region,
    bucket: input.s3Bucket,
    prefix: input.s3Prefix.replace(/^\/+|\/+$/g, ''),
    pathStyle: input.s3PathStyle,
  };
}

/**
 * Resolves the destination. A local folder must lie inside the allowed roots (realpath); the repository
 * is a new `coffer-<id>` folder inside it. Returns the row's fields, the storage to initialise, and the
 * local folder to remove if creation fails.
 */
export async function planDestination(
  input: DestinationInput,
  repositoryId: string,
  options: { dataDir: string; roots: readonly string[]; serverKey: () => string },
): Promise<{ ok: true; row: NewPlanDestination; storage: Storage | string; localFolder: string | null } | { ok: false; message: string; fieldErrors: FieldErrors }> {
  if (input.destination === 's3') {
    const settings = s3SettingsFrom(input);
    const credentials = { accessKeyId: input.s3AccessKey, secretAccessKey: input.s3SecretKey };
    let storage: Storage;
    try {
      storage = s3StorageFrom(settings, credentials);
    } catch (err) {
      return { ok: false, message: 'The S3 settings cannot be used.', fieldErrors: { s3Bucket: [(err as Error).message] } };
    }
    const sealedCredentials = sealSecret(JSON.stringify(credentials), credentialsLabel(repositoryId), options.serverKey());
    return { ok: true, row: { kind: 's3', location: storage.location, s3: settings, sealedCredentials }, storage, localFolder: null };
  }
  let location = path.join(options.dataDir, 'repos', repositoryId);
  if (input.localFolder !== '') {
    try {
      location = path.join(await resolveWritableFolder(input.localFolder, options.roots), `coffer-${repositoryId}`);
    } catch (err) {
      if (!(err instanceof PathRefusedError)) throw err;
      return { ok: false, message: 'The repository folder cannot be used.', fieldErrors: { localFolder: [err.message] } };
    }
  }
  return { ok: true, row: { kind: 'local', location, s3: null, sealedCredentials: null }, storage: location, localFolder: location };
}
