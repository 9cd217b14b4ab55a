/**
 * lib/engine: Coffer's backup engine. A deduplicating, compressed, encrypted repository (format in
 * docs/format.md) and the operations on it. Pure Node: it takes options and callbacks, never reads
 * process.env, a database or Next. The web app (through lib/jobs), the CLI, tests and benchmarks all
 * use this module's exports.
 *
 * Every operation takes the repository lock it needs (shared for backup, restore, check) for its
 * duration, reports progress through a callback, and stops at an AbortSignal leaving the repository
 * consistent. Errors are EngineError subclasses from ./errors.
 */
import type { Writable } from 'node:stream';
import { runArchive, type ArchiveFormat, type ArchiveResult } from './archive';
import { runBackup, type BackupOptions, type BackupResult } from './backup';
import { runCheck, type CheckOptions, type CheckReport } from './check';
import type { ChunkerParams } from './chunker';
import type { CompressionMode } from './compress';
import { acquireLock, type LockOptions } from './lock';
import { runLs, type LsEntry } from './ls';
import { runForget, type ForgetOptions, type ForgetResult } from './forget';
import { addKey, changePassphrase, listKeys, removeKey, type KeyInfo, type PassphraseChange } from './keys';
import { runPrune, type PruneOptions, type PruneResult } from './prune';
import type { RetentionPolicy } from './retention';
import { RepositoryCore } from './repository';
import { runRestore, type RestoreOptions, type RestoreResult } from './restore';
import type { Snapshot } from './snapshot';
import type { Storage } from './storage/storage';

export * from './errors';
export type { Storage, StorageEntry } from './storage/storage';
export { LocalStorage } from './storage/local';
export { Prescan } from './prescan';
export type { BackupOptions, BackupProgress, BackupResult, BackupWarning } from './backup';
export type { RestoreOptions, RestoreProgress, RestoreResult, OverwritePolicy } from './restore';
export type { CheckOptions, CheckProgress, CheckReport, DamagedPack } from './check';
export type { ArchiveFormat, ArchiveResult } from './archive';
export type { LsEntry } from './ls';
export type { Snapshot, SnapshotSummary } from './snapshot';
export type { ChunkerParams } from './chunker';
export type { CompressionMode } from './compress';
export type { ForgetOptions, ForgetResult, ForgetDecision, ForgetGroupBy } from './forget';
export type { PruneOptions, PruneProgress, PruneResult } from './prune';
export type { KeyInfo, PassphraseChange } from './keys';
export type { RetentionPolicy } from './retention';

/** Options for `initRepository`. */
export interface InitRepositoryOptions {
  /** Required when `encryption` is `aes-256-gcm`. */
  passphrase?: string;
  encryption: 'aes-256-gcm' | 'none';
  /** Default compression for backups (default `auto`). */
  compression?: CompressionMode;
  /** Chunk size bounds (default 512 KiB / 1 MiB / 8 MiB). */
  chunker?: ChunkerParams;
  /** Target pack size in bytes (default 16 MiB). */
  packSize?: number;
}

/** Options shared by opening and initialising: how locks behave. */
export interface LockSettings {
  /** Passed to acquireLock (host, pid, staleMs, waitMs…); `exclusive` is chosen per operation. */
  lock?: Omit<LockOptions, 'exclusive' | 'signal'>;
}

/** An open repository. Methods may run one after another or concurrently; each takes its own lock. */
export interface Repository {
  /** Repository id (hex) and settings. */
  readonly id: string;
  readonly encryption: 'aes-256-gcm' | 'none';
  readonly location: string;
  /**
   * Backs up `sources` (files or directories; each becomes a top-level entry named by its base name)
   * and writes a snapshot. Unreadable, vanished or changing files become warnings in the summary.
   * Throws AbortedError when cancelled (the repository stays consistent; no snapshot is written),
   * RepositoryLockedError when an exclusive lock is held, EngineError for unusable sources.
   */
  backup(sources: string[], opts?: BackupOptions): Promise<BackupResult>;
  /**
   * Restores a snapshot (`latest`, an id or a unique prefix) under `target`, creating it if needed.
   * Files that fail (a damaged blob: IntegrityError; an unsafe path: UnsafePathError) are listed in
   * `failures` and the rest is restored. Throws DiskFullError ("disk full after N files") when the
   * device fills, AbortedError when cancelled; temp files are removed in both cases.
   */
  restore(snapshot: string, target: string, opts?: RestoreOptions): Promise<RestoreResult>;
  /**
   * Streams `paths` of a snapshot (all of it when empty) as zip or tar.gz into `out`, without temporary
   * files. Resolves when `out` finished; the caller owns `out` and should destroy it on rejection.
   * A damaged blob rejects with IntegrityError and aborts the archive.
   */
  restoreToArchive(snapshot: string, paths: string[], format: ArchiveFormat, out: Writable, opts?: { signal?: AbortSignal }): Promise<ArchiveResult>;
  /** All readable snapshots, oldest first. Damaged snapshot objects are skipped (check reports them). */
  listSnapshots(opts?: { signal?: AbortSignal }): Promise<Snapshot[]>;
  /** Resolves `latest`, a full id or a unique prefix; SnapshotNotFoundError otherwise. */
  findSnapshot(ref: string): Promise<Snapshot>;
  /** Lists the directory `path` ('' for the root) of a snapshot. */
  ls(snapshot: string, path: string, opts?: { signal?: AbortSignal }): Promise<LsEntry[]>;
  /** Verifies the repository; see CheckReport. Never throws for damage it finds, only reports it. */
  check(opts?: CheckOptions): Promise<CheckReport>;
  /**
   * Applies a retention policy (see ./forget.ts) under the exclusive lock and deletes the snapshots it
   * does not keep; a dry run deletes nothing (shared lock). With `prune`, a prune follows under the
   * same lock (not for a dry run). Throws EngineError for an invalid or empty policy.
   */
  forget(policy: RetentionPolicy, opts?: ForgetOptions & { prune?: boolean | Omit<PruneOptions, 'signal' | 'dryRun'> }): Promise<ForgetResult & { prune?: PruneResult }>;
  /** Deletes and repacks data no snapshot uses, under the exclusive lock (see ./prune.ts). */
  prune(opts?: PruneOptions): Promise<PruneResult>;
  /** Key slots of an encrypted repository (EngineError for a plain one). */
  listKeys(): Promise<KeyInfo[]>;
  /** Adds a passphrase; `currentPassphrase` must open the repository. Returns the new slot id. Exclusive lock. */
  addKey(currentPassphrase: string, newPassphrase: string): Promise<string>;
  /** Replaces the slot `oldPassphrase` opens (WrongPassphraseError otherwise) by one for `newPassphrase`. Exclusive lock. */
  changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<PassphraseChange>;
  /** Removes a key slot by id or unique prefix; never the last one. Exclusive lock. Returns the full id. */
  removeKey(id: string): Promise<string>;
  /** Releases resources. Safe to call twice; operations after close throw. */
  close(): Promise<void>;
}

class OpenRepository implements Repository {
  private closed = false;
  constructor(
    private readonly core: RepositoryCore,
    private readonly lockSettings: LockSettings['lock'],
  ) {}

  get id() {
    return this.core.config.id;
  }
  get encryption() {
    return this.core.config.encryption;
  }
  get location() {
    return this.core.storage.location;
  }

  private async locked<T>(exclusive: boolean, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('The repository is closed');
    const lock = await acquireLock(this.core.storage, { ...this.lockSettings, exclusive, signal });
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }

  backup(sources: string[], opts: BackupOptions = {}) {
    // A backup adds pending entries to its index: it works on its own copy, so restores and listings
    // running at the same time on this handle never see half-written state.
    return this.locked(false, opts.signal, () => runBackup(this.core.fork(), sources, opts));
  }
  restore(snapshot: string, target: string, opts: RestoreOptions = {}) {
    return this.locked(false, opts.signal, async () => {
      const s = await this.core.findSnapshot(snapshot, opts.signal);
      await this.core.loadIndex(opts.signal);
      return runRestore(this.core, Buffer.from(s.tree, 'hex'), target, opts);
    });
  }
  restoreToArchive(snapshot: string, paths: string[], format: ArchiveFormat, out: Writable, opts: { signal?: AbortSignal } = {}) {
    return this.locked(false, opts.signal, async () => {
      const s = await this.core.findSnapshot(snapshot, opts.signal);
      await this.core.loadIndex(opts.signal);
      return runArchive(this.core, Buffer.from(s.tree, 'hex'), paths, format, out, opts);
    });
  }
  async listSnapshots(opts: { signal?: AbortSignal } = {}) {
    return (await this.core.readSnapshots(opts.signal)).snapshots;
  }
  findSnapshot(ref: string) {
    return this.core.findSnapshot(ref);
  }
  async ls(snapshot: string, path: string, opts: { signal?: AbortSignal } = {}) {
    const s = await this.core.findSnapshot(snapshot, opts.signal);
    await this.core.loadIndex(opts.signal);
    return runLs(this.core, Buffer.from(s.tree, 'hex'), path, opts.signal);
  }
  check(opts: CheckOptions = {}) {
    return this.locked(false, opts.signal, () => runCheck(this.core.fork(), opts));
  }
  forget(policy: RetentionPolicy, opts: ForgetOptions & { prune?: boolean | Omit<PruneOptions, 'signal' | 'dryRun'> } = {}) {
    return this.locked(!opts.dryRun, opts.signal, async () => {
      const r: ForgetResult & { prune?: PruneResult } = await runForget(this.core.fork(), policy, opts);
      if (opts.prune && !opts.dryRun) {
        r.prune = await runPrune(this.core.fork(), { ...(opts.prune === true ? {} : opts.prune), signal: opts.signal });
      }
      return r;
    });
  }
  prune(opts: PruneOptions = {}) {
    return this.locked(!opts.dryRun, opts.signal, () => runPrune(this.core.fork(), opts));
  }
  listKeys() {
    return listKeys(this.core);
  }
  addKey(currentPassphrase: string, newPassphrase: string) {
    return this.locked(true, undefined, () => addKey(this.core, currentPassphrase, newPassphrase));
  }
  changePassphrase(oldPassphrase: string, newPassphrase: string) {
    return this.locked(true, undefined, () => changePassphrase(this.core, oldPassphrase, newPassphrase));
  }
  removeKey(id: string) {
    return this.locked(true, undefined, () => removeKey(this.core, id));
  }
  async close() {
    this.closed = true;
  }
}

/**
 * Creates a repository in empty storage and returns it open. Throws EngineError when the storage
 * already holds a repository or an encrypted repository has no passphrase.
 */
export async function initRepository(storage: Storage, opts: InitRepositoryOptions & LockSettings): Promise<Repository> {
  return new OpenRepository(await RepositoryCore.init(storage, opts), opts.lock);
}

/**
 * Opens a repository. Throws NotARepositoryError (no or foreign config), UnsupportedFormatError (newer
 * format, unknown algorithm, disallowed KDF parameters — refused before the KDF runs),
 * WrongPassphraseError (no key slot opens with the passphrase; nothing is written), IntegrityError
 * (a damaged key slot or a config whose MAC does not match).
 */
export async function openRepository(storage: Storage, opts: { passphrase?: string } & LockSettings = {}): Promise<Repository> {
  return new OpenRepository(await RepositoryCore.open(storage, opts), opts.lock);
}
