/**
 * An open repository: config, keys, the compact blob index, blob reads with full verification, trees
 * and snapshots. Operations (backup, restore, check) are built on this class in their own files.
 */
import crypto from 'node:crypto';
import { gearTable } from './chunker';
import { BlobIndex, PENDING_PACK } from './blob-index';
import { decompress, type Codec } from './compress';
import { parseConfig, serializeConfig, configMac, verifyConfigMac, type RepoConfig } from './config';
import { BLOB_TREE, deriveKeys, openBlobPayload, openBlobPayloadInto, packKey, sha256Hex, verifyBlobId, type BlobType, type RepoCrypto } from './crypto';
import { EngineError, IntegrityError, NotARepositoryError, NotFoundError, SnapshotNotFoundError, WrongPassphraseError } from './errors';
import { parseIndex, type IndexedPack } from './index-file';
import type { BufferPool } from './buffer-pool';
import { createKeySlot, openKeySlot } from './key-slot';
import { packPath } from './pack';
import { encodeSnapshot, parseSnapshot, type Snapshot } from './snapshot';
import type { RangeReader, Storage } from './storage/storage';
import { parseTree, type TreeEntry } from './tree';
import { DEFAULT_CHUNKER_PARAMS, type ChunkerParams } from './chunker';

const WINDOW = 4 * 1024 * 1024;
const MAX_WINDOW_READS = 2;
/** Windows kept (see readStored). */
const WINDOWS = 4;

/** A read window: `WINDOW` bytes of a pack, and the readers using it now. */
interface ReadWindow {
  pack: string;
  start: number;
  end: number;
  data: Promise<Buffer>;
  users: number;
  evicted: boolean;
}

/** Stored blob bytes and how to hand back their memory once they are decrypted or copied. */
interface Stored {
  bytes: Buffer;
  window: boolean;
  release: () => void;
}

/** A pack known from an index. */
export interface PackInfo {
  id: string;
  salt: Buffer;
  packType: BlobType;
  length: number;
  key?: Buffer | null;
}

/** Options for creating a repository. */
export interface InitOptions {
  /** Required for `aes-256-gcm`. */
  passphrase?: string;
  encryption: 'aes-256-gcm' | 'none';
  /** Default compression of backups: `auto` (default), `off`, or a codec name. */
  compression?: string;
  chunker?: ChunkerParams;
  /** Target pack size in bytes (default 16 MiB). */
  packSize?: number;
}

/** A problem found while loading indexes; the repository still opens. */
export interface LoadProblem {
  object: string;
  message: string;
}

/** The repository internals shared by all operations; callers use the `Repository` of index.ts. */
export class RepositoryCore {
  index = new BlobIndex();
  packs: PackInfo[] = [];
  private packNumbers = new Map<string, number>();
  readonly codecs: string[] = [];
  indexFiles = new Set<string>();
  indexProblems: LoadProblem[] = [];
  private indexLoaded: Promise<void> = Promise.resolve();
  readonly gear: Uint32Array;
  private treeCache = new Map<string, Promise<TreeEntry[]>>();
  private windows: ReadWindow[] = [];
  /** The storage's read session while operations that read many blobs run (see `beginReads`). */
  private reader: { session: RangeReader; users: number } | null = null;
  /** Window reads in progress (see readStored). */
  private windowReads = 0;

  constructor(
    readonly storage: Storage,
    readonly config: RepoConfig,
    readonly crypto: RepoCrypto,
  ) {
    this.gear = gearTable(crypto.keys?.chunkerSecret);
  }

  /** Creates a repository in empty storage. Throws EngineError when a config already exists. */
  static async init(storage: Storage, opts: InitOptions): Promise<RepositoryCore> {
    if (await storage.stat('config')) throw new EngineError(`${storage.location} already holds a repository`);
    const chunker = { algorithm: 'fastcdc-v1' as const, ...(opts.chunker ?? DEFAULT_CHUNKER_PARAMS) };
    const repoId = crypto.randomBytes(32);
    const config: RepoConfig = {
      format: 'coffer-repository',
      version: 1,
      id: repoId.toString('hex'),
      encryption: opts.encryption,
      chunker,
      compression: opts.compression ?? 'auto',
      packSize: opts.packSize ?? 16 * 1024 * 1024,
    };
    // Validate through the parser so init cannot create a repository open would refuse.
    parseConfig(serializeConfig(config), storage.location);
    let c: RepoCrypto = { repoId, keys: null };
    if (opts.encryption === 'aes-256-gcm') {
      if (!opts.passphrase) throw new EngineError('An encrypted repository needs a passphrase');
      const master = crypto.randomBytes(64);
      c = { repoId, keys: deriveKeys(master, repoId) };
      const slotId = crypto.randomBytes(16).toString('hex');
      const slot = await createKeySlot(master, opts.passphrase, repoId, slotId);
      await storage.write(`keys/${slotId}`, Buffer.from(JSON.stringify(slot, null, 2) + '\n'), { exclusive: true });
      config.mac = configMac(config, c.keys!.configKey);
    }
    // The config goes last: a repository without it is not a repository, so a crash during init leaves nothing usable half-made.
    await storage.write('config', serializeConfig(config), { exclusive: true });
    return new RepositoryCore(storage, config, c);
  }

  /** Opens a repository; see index.ts `openRepository` for the errors. */
  static async open(storage: Storage, opts: { passphrase?: string }): Promise<RepositoryCore> {
    let raw: Buffer;
    try {
      raw = await storage.read('config');
    } catch (e) {
      if (e instanceof NotFoundError) throw new NotARepositoryError(`${storage.location} is not a Coffer repository (no config)`);
      throw e;
    }
    const config = parseConfig(raw, storage.location);
    const repoId = Buffer.from(config.id, 'hex');
    if (config.encryption === 'none') {
      // Key slots beside a plain config mean someone switched the config to "none": refuse, or new
      // backups would silently be written unencrypted into an encrypted repository.
      if ((await storage.list('keys')).length > 0) {
        throw new IntegrityError('The config says the repository is unencrypted, but it has key slots: the config was tampered with', 'config');
      }
      return new RepositoryCore(storage, config, { repoId, keys: null });
    }
    if (!opts.passphrase) throw new WrongPassphraseError('This repository is encrypted: a passphrase is needed');
    const slots = (await storage.list('keys')).filter((e) => /^keys\/[0-9a-f]{32}$/.test(e.name));
    if (slots.length === 0) throw new NotARepositoryError(`${storage.location} has no key slots`);
    let lastError: unknown;
    for (const s of slots) {
      try {
        const master = await openKeySlot(await storage.read(s.name), opts.passphrase, repoId, s.name.slice(5));
        const keys = deriveKeys(master, repoId);
        verifyConfigMac(config, keys.configKey);
        return new RepositoryCore(storage, config, { repoId, keys });
      } catch (e) {
        lastError = e;
        if (!(e instanceof WrongPassphraseError)) break;
      }
    }
    throw lastError;
  }

  /**
   * Brings the in-memory index up to date with storage: loads index files not seen yet (indexes are
   * immutable and only added, so this is additive), and reloads everything when one it had loaded is
   * gone (a prune ran). Calls are serialised. Damaged indexes are recorded in indexProblems, skipped,
   * and not retried.
   */
  loadIndex(signal?: AbortSignal): Promise<void> {
    const run = this.indexLoaded.then(async () => {
      const names = (await this.storage.list('index', signal)).map((e) => e.name).filter((n) => /^index\/[0-9a-f]{64}$/.test(n));
      const present = new Set(names.map((n) => n.slice(6)));
      if ([...this.indexFiles].some((id) => !present.has(id))) this.invalidateIndex();
      const failed = new Set(this.indexProblems.map((p) => p.object));
      for (const n of names) {
        if (!this.indexFiles.has(n.slice(6)) && !failed.has(n)) await this.loadIndexFile(n, signal);
      }
    });
    this.indexLoaded = run.catch(() => undefined);
    return run;
  }

  /** A handle on the same repository with its own, empty in-memory state (for operations that change it). */
  fork(): RepositoryCore {
    return new RepositoryCore(this.storage, this.config, this.crypto);
  }

  /** Forgets the in-memory index so the next loadIndex reads storage again. */
  invalidateIndex(): void {
    this.index = new BlobIndex();
    this.packs = [];
    this.packNumbers.clear();
    this.indexFiles = new Set();
    this.indexProblems = [];
    this.windows = [];
  }

  private async loadIndexFile(name: string, signal?: AbortSignal): Promise<void> {
    try {
      const raw = await this.storage.read(name, signal);
      if (sha256Hex(raw) !== name.slice(6)) throw new IntegrityError(`${name} does not match its name (damaged)`, name);
      this.addIndexedPacks(parseIndex(this.crypto, raw, name));
      this.indexFiles.add(name.slice(6));
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      this.indexProblems.push({ object: name, message: (e as Error).message });
    }
  }

  /** Adds packs (from an index file or a backup just written) to the in-memory index. */
  addIndexedPacks(packs: IndexedPack[]): void {
    for (const p of packs) {
      let n = this.packNumbers.get(p.id);
      if (n === undefined) {
        n = this.packs.push({ id: p.id, salt: p.salt, packType: p.packType, length: p.length }) - 1;
        this.packNumbers.set(p.id, n);
      }
      for (const b of p.blobs) {
        const loc = { pack: n, offset: b.offset, length: b.length, rawLength: b.rawLength, type: b.type, codec: this.codecNumber(b.codec) };
        const i = this.index.find(b.id);
        if (i < 0) this.index.add(b.id, loc);
        else if (this.index.get(i).pack === PENDING_PACK) this.index.set(i, loc);
      }
    }
  }

  /** Reserves a pack number for a pack being written (its id is filled in when it is finished). */
  reservePack(info: PackInfo): number {
    return this.packs.push(info) - 1;
  }

  /** Records the final id of a reserved pack. */
  namePack(n: number, id: string): void {
    this.packs[n]!.id = id;
    this.packNumbers.set(id, n);
  }

  /** The small number the index stores for a codec name. */
  codecNumber(name: string): number {
    let i = this.codecs.indexOf(name);
    if (i < 0) i = this.codecs.push(name) - 1;
    return i;
  }

  /** The codec a blob is stored with, or undefined when it is not indexed. */
  blobCodec(id: Buffer): string | undefined {
    const i = this.index.find(id);
    return i < 0 ? undefined : this.codecs[this.index.get(i).codec];
  }

  /** Pack number of a pack id, if indexed. */
  packNumber(id: string): number | undefined {
    return this.packNumbers.get(id);
  }

  /**
   * Reads, decrypts, decompresses and verifies one blob. Throws IntegrityError naming the blob and its
   * pack when it is missing from the index, unreadable, or fails any check; never returns bad bytes.
   * With `pool`, the stored bytes and the decrypted payload go through its buffers (no allocation per
   * blob); the result may then be a pooled buffer, which the caller gives back once it is done with it.
   */
  async readBlob(id: Buffer, type: BlobType, signal?: AbortSignal, pool?: BufferPool): Promise<Buffer> {
    const p = await this.readBlobPayload(id, type, signal, pool);
    const plain = await decompress(p.codec as Codec, p.payload, p.rawLength, p.object);
    if (plain !== p.payload) pool?.give(p.payload);
    verifyBlobId(this.crypto, plain, id, p.object);
    return plain;
  }

  /**
   * The first half of `readBlob`: reads and decrypts one blob (the AES-GCM tag is checked), but
   * neither decompresses it nor checks its id. The caller must do both before using a byte of it,
   * with `decompress` or, decompressing elsewhere, after `zstdOutputBound` (restore hands such payloads
   * to its file writer). `object` names the blob and its pack for errors.
   */
  async readBlobPayload(
    id: Buffer,
    type: BlobType,
    signal?: AbortSignal,
    pool?: BufferPool,
  ): Promise<{ payload: Buffer; codec: string; rawLength: number; object: string }> {
    const hex = id.toString('hex');
    const what = `${type === BLOB_TREE ? 'tree' : 'data'} blob ${hex}`;
    const i = this.index.find(id);
    if (i < 0) throw new IntegrityError(`${what} is not in the index (its pack is missing or was never written)`, hex);
    const loc = this.index.get(i);
    const pack = this.packs[loc.pack];
    if (!pack || loc.pack === PENDING_PACK) throw new IntegrityError(`${what} is not stored yet`, hex);
    const object = `${what} in pack ${pack.id}`;
    if (loc.type !== type) throw new IntegrityError(`${object} has the wrong type`, hex);
    let stored: Stored;
    try {
      stored = await this.readStored(pack, loc.offset, loc.length, signal, pool);
    } catch (cause) {
      if (cause instanceof NotFoundError || cause instanceof IntegrityError) {
        throw new IntegrityError(`${object} cannot be read: ${(cause as Error).message}`, hex, { cause });
      }
      throw cause;
    }
    if (pack.key === undefined) pack.key = packKey(this.crypto, pack.packType, pack.salt);
    const codec = this.codecs[loc.codec]!;
    const ref = { type, id, rawLength: loc.rawLength, codec };
    // Buffers that held bytes failing a check are not given back: an error drops them.
    let payload: Buffer;
    if (pack.key) {
      payload = pool
        ? openBlobPayloadInto(this.crypto, pack.key, ref, stored.bytes, pool.take(Math.max(0, stored.bytes.length - 28)), object)
        : openBlobPayload(this.crypto, pack.key, ref, stored.bytes, object);
      stored.release();
    } else if (stored.window && pool) {
      // The window's memory goes back to the pool: the caller gets a copy.
      payload = pool.take(stored.bytes.length);
      stored.bytes.copy(payload);
      stored.release();
    } else payload = stored.bytes; // the caller's now
    return { payload, codec, rawLength: loc.rawLength, object };
  }

  /**
   * Reads stored blob bytes. Small blobs are served from a few recently read 4 MiB windows of their
   * pack: a restore reads blobs in roughly pack order, so this turns thousands of tiny reads into a few
   * large ones. A large blob is read exactly unless a window already covers it. A window that cannot
   * be read (a truncated pack) falls back to the exact range.
   */
  private async readStored(pack: PackInfo, offset: number, length: number, signal?: AbortSignal, pool?: BufferPool): Promise<Stored> {
    const name = packPath(pack.id);
    const exact = async (): Promise<Stored> => {
      const bytes = await this.ranges().readRange(name, offset, length, signal, pool?.take(length));
      return { bytes, window: false, release: () => pool?.give(bytes) };
    };
    // A window read for the small blobs before a large one often covers it too: the large blob is
    // served from it rather than read a second time (a 1 GiB restore read 1.11 GiB of its 0.74 GiB
    // repository before).
    for (const w of this.windows) {
      if (w.pack === pack.id && offset >= w.start && offset + length <= w.end) {
        w.users++;
        try {
          const data = await w.data;
          return { bytes: data.subarray(offset - w.start, offset - w.start + length), window: true, release: () => this.leaveWindow(w, pool) };
        } catch {
          this.leaveWindow(w, pool);
          break;
        }
      }
    }
    if (length >= WINDOW / 4) return exact();
    const end = Math.min(pack.length, offset + WINDOW);
    // Windows pay off when blobs are read in pack order. After a prune has repacked them, a restore's
    // prefetched files scatter over many packs and every blob would start a window of its own: at
    // most MAX_WINDOW_READS are read at once, other blobs are read exactly.
    if (end < offset + length || this.windowReads >= MAX_WINDOW_READS) return exact();
    this.windowReads++;
    const data = this.ranges().readRange(name, offset, end - offset, signal, pool?.take(WINDOW));
    void data.then(
      () => this.windowReads--,
      () => this.windowReads--,
    );
    const w: ReadWindow = { pack: pack.id, start: offset, end, data, users: 1, evicted: false };
    w.data.catch(() => undefined);
    this.windows.unshift(w);
    if (this.windows.length > WINDOWS) {
      const old = this.windows.pop()!;
      old.evicted = true;
      this.recycle(old, pool);
    }
    try {
      const bytes = await w.data;
      return { bytes: bytes.subarray(0, length), window: true, release: () => this.leaveWindow(w, pool) };
    } catch {
      this.leaveWindow(w, pool);
      this.windows = this.windows.filter((x) => x !== w);
      return exact();
    }
  }

  /** Ends one use of a window (see `recycle`). */
  private leaveWindow(w: ReadWindow, pool: BufferPool | undefined): void {
    w.users--;
    this.recycle(w, pool);
  }

  /**
   * Gives an evicted window's memory back to the pool once its read has finished and nobody holds a
   * view of it: every reader counts as a user from choosing the window until its bytes are decrypted
   * or copied (`release`), so the memory is never reused under a reader. An evicted window gains no
   * readers, so its users reach zero once.
   */
  private recycle(w: ReadWindow, pool: BufferPool | undefined): void {
    if (w.users > 0 || !w.evicted || !pool) return;
    w.data.then(
      (bytes) => {
        if (w.users === 0) pool.give(bytes);
      },
      () => undefined,
    );
  }

  /** Where range reads go: the read session while one is open (see `beginReads`), else the storage. */
  private ranges(): Pick<RangeReader, 'readRange'> {
    return this.reader?.session ?? this.storage;
  }

  /**
   * Reads blobs through the storage's read session (when it has one) until the returned function is
   * called; sessions are shared by concurrent callers and closed when the last one ends.
   */
  beginReads(): () => Promise<void> {
    if (!this.storage.openReader) return async () => undefined;
    const r = (this.reader ??= { session: this.storage.openReader(), users: 0 });
    r.users++;
    let ended = false;
    return async () => {
      if (ended) return;
      ended = true;
      if (--r.users > 0) return;
      if (this.reader === r) this.reader = null;
      await r.session.close();
    };
  }

  /**
   * Loads and parses a tree blob (cached: trees are immutable). A tree being loaded is cached too, so
   * a second caller meanwhile (a backup loads its parent's trees ahead, see backup.ts) shares the
   * load instead of reading it again; a failed load is not kept.
   */
  loadTree(id: Buffer, signal?: AbortSignal): Promise<TreeEntry[]> {
    const hex = id.toString('hex');
    const hit = this.treeCache.get(hex);
    if (hit) return hit;
    const load = this.readBlob(id, BLOB_TREE, signal).then((blob) => parseTree(blob, `tree ${hex}`));
    if (this.treeCache.size > 256) this.treeCache.clear();
    this.treeCache.set(hex, load);
    load.catch(() => {
      if (this.treeCache.get(hex) === load) this.treeCache.delete(hex);
    });
    return load;
  }

  /** Reads every snapshot; damaged ones are returned in `problems`, not thrown. */
  async readSnapshots(signal?: AbortSignal): Promise<{ snapshots: Snapshot[]; problems: LoadProblem[] }> {
    const entries = (await this.storage.list('snapshots', signal)).filter((e) => /^snapshots\/[0-9a-f]{64}$/.test(e.name));
    const snapshots: Snapshot[] = [];
    const problems: LoadProblem[] = [];
    for (const e of entries) {
      try {
        snapshots.push(await this.readSnapshot(e.name.slice(10), signal));
      } catch (err) {
        if (!(err instanceof EngineError)) throw err;
        problems.push({ object: e.name, message: err.message });
      }
    }
    snapshots.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
    return { snapshots, problems };
  }

  /** Reads one snapshot by full id, verifying its hash and seal. */
  async readSnapshot(id: string, signal?: AbortSignal): Promise<Snapshot> {
    const name = `snapshots/${id}`;
    const raw = await this.storage.read(name, signal);
    if (sha256Hex(raw) !== id) throw new IntegrityError(`${name} does not match its name (damaged or edited)`, name);
    return parseSnapshot(this.crypto, id, raw);
  }

  /** Resolves `latest`, a full id or a unique prefix. */
  async findSnapshot(ref: string, signal?: AbortSignal): Promise<Snapshot> {
    if (ref === 'latest') {
      const { snapshots } = await this.readSnapshots(signal);
      const last = snapshots[snapshots.length - 1];
      if (!last) throw new SnapshotNotFoundError('The repository has no snapshots yet');
      return last;
    }
    if (!/^[0-9a-f]{1,64}$/.test(ref)) throw new SnapshotNotFoundError(`"${ref}" is not a snapshot id`);
    const names = (await this.storage.list('snapshots', signal)).map((e) => e.name.slice(10)).filter((n) => n.startsWith(ref));
    if (names.length === 0) throw new SnapshotNotFoundError(`No snapshot matches "${ref}"`);
    if (names.length > 1) throw new SnapshotNotFoundError(`"${ref}" matches ${names.length} snapshots; give more characters`);
    return this.readSnapshot(names[0]!, signal);
  }

  /** Writes a snapshot (after its packs and index); returns it with its id. */
  async saveSnapshot(s: Omit<Snapshot, 'id'>): Promise<Snapshot> {
    const sealed = encodeSnapshot(this.crypto, s);
    const id = sha256Hex(sealed);
    await this.storage.write(`snapshots/${id}`, sealed);
    return { ...s, id };
  }
}
