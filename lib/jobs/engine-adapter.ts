/**
 * The one module of the web app that calls lib/engine. Everything else reaches repositories through
 * these functions, so the wiring to the engine's API lives in one place.
 */
import 'server-only';
import fs from 'node:fs';
import path from 'node:path';
import {
  AbortedError,
  EngineError,
  initRepository,
  LocalStorage,
  NotFoundError,
  openRepository,
  RepositoryLockedError,
  WrongPassphraseError,
  type CompressionMode,
  type Repository,
} from '@/lib/engine';
import { getConfig, type Config } from '@/lib/config';
import { compileExcludes } from '@/lib/engine/glob';
import { acquireLock } from '@/lib/engine/lock';
import type { RetentionPolicy } from '@/lib/engine/retention';
import type { Storage } from '@/lib/engine';
import { S3Storage } from '@/lib/engine/storage/s3';
import { openSecret } from './passphrase-seal';

export type { Repository, LsEntry, BackupProgress, RestoreProgress, OverwritePolicy, ArchiveFormat } from '@/lib/engine';
export { AbortedError, EngineError, WrongPassphraseError, RepositoryLockedError };

/** How long an operation waits for another process's conflicting lock before giving up. */
const LOCK_WAIT_MS = 60_000;

/**
 * When a repository lock counts as stale (COFFER_LOCK_STALE_SECONDS), and how often held locks are
 * refreshed (a sixth of that, so a live holder's lock never looks stale). A lock of a dead process on this
 * host is stale at once; one left by a server on another host only after this time.
 */
export function lockTiming(config: Pick<Config, 'COFFER_LOCK_STALE_SECONDS'> = getConfig()): { staleMs: number; refreshMs: number } {
  const staleMs = config.COFFER_LOCK_STALE_SECONDS * 1000;
  return { staleMs, refreshMs: Math.floor(staleMs / 6) };
}

/** Maps the plan's "Compress" setting to the engine's mode. */
export function compressionMode(compression: string): CompressionMode {
  return compression === 'none' || compression === 'off' ? 'off' : 'auto';
}

/** Where an S3 repository lives (no secrets). */
export interface S3Settings {
  endpoint?: string;
  region: string;
  bucket: string;
  prefix: string;
  pathStyle: boolean;
}

/** S3 credentials, as sealed on the repository row. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What it takes to reach a repository's storage: a local folder, or an S3 bucket with sealed credentials. */
export interface RepositoryTarget {
  id: string;
  kind: 'local' | 's3';
  location: string;
  s3: S3Settings | null;
  sealedCredentials: string | null;
}

/** The label S3 credentials are sealed under (bound to the repository, distinct from its passphrase). */
export const credentialsLabel = (repositoryId: string) => `coffer-s3-credentials:${repositoryId}`;

/** An S3Storage for the given settings and plaintext credentials (no I/O until used). */
export function s3StorageFrom(settings: S3Settings, credentials: S3Credentials): S3Storage {
  return new S3Storage({
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    region: settings.region,
    bucket: settings.bucket,
    prefix: settings.prefix,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    forcePathStyle: settings.pathStyle,
  });
}

/**
 * The storage of a repository: its folder, or its bucket with the credentials opened with the server key
 * (`serverKey` is only called for S3). Throws when the sealed credentials do not open.
 */
export function storageFor(target: RepositoryTarget | string, serverKey?: () => string): Storage {
  if (typeof target === 'string' || target.kind === 'local') return new LocalStorage(typeof target === 'string' ? target : target.location);
  if (!target.s3 || !target.sealedCredentials || !serverKey) throw new Error(`The S3 settings of ${target.location} are incomplete.`);
  const credentials = JSON.parse(openSecret(target.sealedCredentials, credentialsLabel(target.id), serverKey())) as S3Credentials;
  return s3StorageFrom(target.s3, credentials);
}

/** The access key id of an S3 repository, to show in its edit form (never the secret); '' when unreadable. */
export function storedAccessKey(target: RepositoryTarget, serverKey: () => string): string {
  if (!target.sealedCredentials) return '';
  try {
    return (JSON.parse(openSecret(target.sealedCredentials, credentialsLabel(target.id), serverKey())) as S3Credentials).accessKeyId;
  } catch {
    return '';
  }
}

/** Tries the S3 settings: writes, reads back, lists and deletes a small object. Never throws. */
export async function testS3Connection(settings: S3Settings, credentials: S3Credentials): Promise<{ ok: boolean; message: string }> {
  try {
    const storage = s3StorageFrom(settings, credentials);
    return await storage.testConnection(AbortSignal.timeout(20_000));
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

/** What a storage place holds: a Coffer repository (its id), nothing of Coffer's, or objects of a broken or foreign one. */
export type ProbeResult = { kind: 'coffer'; id: string; encrypted: boolean } | { kind: 'empty' } | { kind: 'foreign' };

/**
 * Looks at what `storage` holds without a passphrase: the repository id and encryption come from its
 * `config` (plain JSON). Throws on connection errors.
 */
export async function probeRepository(storage: Storage, signal?: AbortSignal): Promise<ProbeResult> {
  let config: Buffer | undefined;
  try {
    config = await storage.read('config', signal);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  if (config) {
    try {
      const value = JSON.parse(config.toString('utf8')) as { format?: unknown; id?: unknown; encryption?: unknown };
      if (value.format === 'coffer-repository' && typeof value.id === 'string') return { kind: 'coffer', id: value.id, encrypted: value.encryption !== 'none' };
    } catch {
      // not JSON: someone else's object
    }
    return { kind: 'foreign' };
  }
  for (const prefix of ['keys', 'snapshots', 'index', 'data']) {
    if ((await storage.list(prefix, signal)).length > 0) return { kind: 'foreign' };
  }
  return { kind: 'empty' };
}

/** Creates an empty repository folder at `location` (or in `storage`) and initialises it; returns the engine's id. */
export async function createRepository(location: string | Storage, options: { passphrase?: string; encrypted: boolean; compression: string }): Promise<string> {
  if (typeof location === 'string') await fs.promises.mkdir(location, { recursive: true, mode: 0o700 });
  const repo = await initRepository(typeof location === 'string' ? new LocalStorage(location) : location, {
    encryption: options.encrypted ? 'aes-256-gcm' : 'none',
    ...(options.encrypted ? { passphrase: options.passphrase } : {}),
    compression: compressionMode(options.compression),
  });
  const id = repo.id;
  await repo.close();
  return id;
}

/**
 * Opens the repository at `location`. Throws WrongPassphraseError for a wrong passphrase (nothing is
 * written), NotARepositoryError when the folder holds none. The caller must close() it.
 */
export async function openRepositoryAt(location: string | Storage, passphrase: string | undefined): Promise<Repository> {
  return openRepository(typeof location === 'string' ? new LocalStorage(location) : location, { ...(passphrase !== undefined ? { passphrase } : {}), lock: { waitMs: LOCK_WAIT_MS, ...lockTiming() } });
}

/** Removes a repository's folder (plan deletion with "remove the repository"). */
export async function removeRepositoryFolder(location: string): Promise<void> {
  await fs.promises.rm(location, { recursive: true, force: true });
}

/**
 * Start-up check for leftover locks: taking and releasing a shared lock makes the engine delete stale
 * locks (not refreshed in time, or held by a process of this host that no longer runs).
 */
export async function clearStaleLocks(location: string | Storage): Promise<void> {
  const lock = await acquireLock(typeof location === 'string' ? new LocalStorage(location) : location, { exclusive: false, waitMs: 0, ...lockTiming() });
  await lock.release();
}

/** What forget reports: the snapshots it removed (engine ids), how many it kept, what prune freed. */
export interface ForgetOutcome {
  forgotten: string[];
  kept: number;
  prune: Record<string, unknown> | null;
}

/**
 * Applies `policy` to the repository's snapshots (forget, under the exclusive lock), then prunes what no
 * snapshot references. Wall-clock buckets (days, weeks…) are those of `timeZone`.
 */
export async function forgetAndPrune(repo: Repository, policy: RetentionPolicy, options: { timeZone: string; signal?: AbortSignal }): Promise<ForgetOutcome> {
  const result = await repo.forget(policy, { timeZone: options.timeZone, prune: true, ...(options.signal ? { signal: options.signal } : {}) });
  return { forgotten: result.removed, kept: result.keep.length, prune: result.prune ? { ...result.prune } : null };
}

/** Totals of what a backup will read, found by a quick walk (lstat only) alongside the backup. */
export interface ScanTotals {
  files: number;
  bytes: number;
}

/**
 * Counts the files and bytes under `sources`, applying the same excludes as the engine, without following
 * symlinks. Stops early (resolving what it counted) when `signal` aborts.
 */
export async function scanTotals(sources: string[], excludes: string[], signal?: AbortSignal): Promise<ScanTotals> {
  const excluded = compileExcludes(excludes);
  const totals: ScanTotals = { files: 0, bytes: 0 };
  const stack = [...sources];
  while (stack.length > 0 && !signal?.aborted) {
    const current = stack.pop()!;
    let st: fs.Stats;
    try {
      st = await fs.promises.lstat(current);
    } catch {
      continue;
    }
    if (sources.includes(current) === false && excluded(path.basename(current), current)) continue;
    if (st.isDirectory()) {
      try {
        for (const name of await fs.promises.readdir(current)) stack.push(path.join(current, name));
      } catch {
        // Unlistable folders are the backup's warning to give, not the estimate's.
      }
    } else {
      totals.files++;
      if (st.isFile()) totals.bytes += st.size;
    }
  }
  return totals;
}

/** What kind of failure an error is, for callers that must react to it. */
export type ErrorKind = 'wrong_passphrase' | 'locked' | 'aborted' | 'engine' | 'passphrase_needed' | 'path' | 'other';

/**
 * Classifies an error thrown by the engine or by lib/jobs. Next bundles server code into several layers,
 * each with its own copy of a module, and minifies class names, so `instanceof` across layers and
 * `error.name` of engine errors are unreliable: code outside lib/jobs calls this through `getJobs()`, so the
 * check runs in the same module copy that opened the repository.
 */
export function classifyError(err: unknown): ErrorKind {
  if (err instanceof WrongPassphraseError) return 'wrong_passphrase';
  if (err instanceof RepositoryLockedError) return 'locked';
  if (err instanceof AbortedError) return 'aborted';
  if (err instanceof EngineError) return 'engine';
  if (err instanceof Error && err.name === 'PassphraseNeededError') return 'passphrase_needed';
  if (err instanceof Error && err.name === 'PathRefusedError') return 'path';
  return 'other';
}

/** A message for people from an engine error (or a generic one, logged, for anything else). */
export function describeEngineError(err: unknown): string {
  if (err instanceof WrongPassphraseError) return 'The passphrase is wrong: it does not open this repository. Nothing was changed.';
  if (err instanceof RepositoryLockedError) return `${err.message}. Try again when the other operation has finished.`;
  if (err instanceof AbortedError) return 'Cancelled.';
  if (err instanceof EngineError) return err.message;
  if (err instanceof Error && err.name === 'PathRefusedError') return err.message;
  if (err instanceof Error && err.name === 'PassphraseNeededError') {
    return 'No passphrase was at hand for this encrypted backup (a passphrase entered for a run is kept only in memory, and the server restarted). Run it again and enter the passphrase.';
  }
  console.error('Unexpected error in a job:', err);
  return `Unexpected error: ${err instanceof Error ? err.message : String(err)}. See the server log.`;
}
