/**
 * Restore: writes a snapshot (or the parts named by `include`) under a target directory. Every write
 * stays inside the target: names are checked again here (the tree parser already refuses unsafe ones),
 * existing paths are inspected with lstat and never followed, files are written to a fresh temporary
 * name opened with O_CREAT|O_EXCL|O_NOFOLLOW and renamed into place, and hard links only point at files
 * this restore created. Each blob is verified before its bytes are written; a damaged blob fails that
 * file alone.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BufferPool } from './buffer-pool';
import { decompress, type Codec } from './compress';
import { zstdBindingPath, zstdOutputBound } from './compress-zstd';
import { FileWriter, type FileOutcome, type FilePart } from './file-writer';
import { BLOB_DATA } from './crypto';
import { AbortedError, DiskFullError, EngineError, IntegrityError, UnsafePathError } from './errors';
import type { RepositoryCore } from './repository';
import { assertInsideRoots } from './roots';
import { isSafeName, type ContentRef, type TreeEntry } from './tree';

/** What to do when a file to restore already exists. */
export type OverwritePolicy = 'skip' | 'overwrite' | 'keep-both';

/** Progress of a running restore. */
export interface RestoreProgress {
  files: number;
  dirs: number;
  bytes: number;
  currentPath: string;
}

/** Options of `Repository.restore`. */
export interface RestoreOptions {
  /** Snapshot paths (e.g. `home/docs/a.txt`) to restore; default everything. */
  include?: string[];
  overwrite?: OverwritePolicy;
  onProgress?: (p: RestoreProgress) => void;
  signal?: AbortSignal;
  /** When set, the target (after realpath) must lie inside one of these folders (UnsafePathError). */
  allowedRoots?: string[];
}

/** The outcome of a restore. Files in `failures` were not written; everything else was. */
export interface RestoreResult {
  files: number;
  dirs: number;
  bytes: number;
  skipped: { path: string; reason: string }[];
  failures: { path: string; error: EngineError }[];
}

const SLASH = Buffer.from('/');
const DASH = Buffer.from('-');
const WRITE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
const HOLE_MIN = 4096;
/** Files up to this size are fetched whole, ahead of the writer; larger ones chunk by chunk. */
const PREFETCH_FILE_MAX = 4 * 1024 * 1024;
/** Chunks of a large file fetched ahead of the one being written. */
const LOOKAHEAD = 3;
/** Bounds of the queue of files fetched ahead: count and bytes. */
const QUEUE_FILES = 64;
const QUEUE_BYTES = 8 * 1024 * 1024;
/** Idle bytes restore's buffer pool keeps. */
const RESTORE_POOL_IDLE = 24 * 1024 * 1024;

/** Splits include paths into components (leading/trailing slashes ignored, `.`/`..` refused). */
export function parseIncludes(include: string[] | undefined): string[][] | null {
  if (!include || include.length === 0) return null;
  return include.map((p) => {
    const parts = p.split('/').filter((x) => x.length > 0);
    if (parts.some((x) => x === '.' || x === '..')) throw new UnsafePathError(`Include path "${p}" must not contain . or ..`);
    return parts;
  });
}

/** Whether a snapshot path (components) is selected: inside, equal to, or an ancestor of an include. */
export function selected(includes: string[][] | null, rel: string[]): 'all' | 'partial' | 'none' {
  if (!includes) return 'all';
  let partial = false;
  for (const inc of includes) {
    const n = Math.min(inc.length, rel.length);
    let same = true;
    for (let i = 0; i < n; i++) if (inc[i] !== rel[i]) same = false;
    if (!same) continue;
    if (rel.length >= inc.length) return 'all';
    partial = true;
  }
  return partial ? 'partial' : 'none';
}

const isZero = (b: Buffer) => {
  for (let i = 0; i < b.length; i += 8192) {
    const end = Math.min(b.length, i + 8192);
    for (let j = i; j < end; j++) if (b[j] !== 0) return false;
  }
  return true;
};

/** Writes all of `b` at `pos` through the thread pool. */
async function writeAll(fd: number, b: Buffer, pos: number): Promise<void> {
  let off = 0;
  while (off < b.length) {
    off += await new Promise<number>((resolve, reject) =>
      fs.write(fd, b, off, b.length - off, pos + off, (error, n) => (error ? reject(error) : resolve(n))),
    );
  }
}

function writeAllSync(fd: number, b: Buffer, pos: number): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off, pos + off);
}

/** The error a failed FileWriter outcome stands for: IntegrityError for a blob that failed its checks. */
function outcomeError(o: NonNullable<FileOutcome>): Error {
  return o.code === 'EINTEGRITY' ? new IntegrityError(o.message, o.blob) : Object.assign(new Error(o.message), { code: o.code });
}

/** A blob for the file-writer worker (see `fetchPayload`). */
interface Payload {
  part: Omit<FilePart, 'length'>;
  payload: Buffer;
}

/** A file waiting to be written, with its blobs being fetched. */
interface FileJob {
  abs: Buffer;
  e: TreeEntry;
  rel: string[];
  frame: Frame;
  blobs: Promise<Buffer[]> | null;
  /** For the file-writer worker: payloads it decompresses and verifies itself (see file-writer.ts). */
  payloads: Promise<Payload[]> | null;
  cost: number;
}

interface Frame {
  entries: TreeEntry[];
  i: number;
  abs: Buffer;
  rel: string[];
  all: boolean;
  /** Created by this restore: nothing in it predates us, so existing-file checks can be skipped. */
  fresh: boolean;
  /** Names seen in a fresh directory, by their case- and normalisation-folded form (see `finalPath`). */
  folds: Map<string, Buffer>;
}

/**
 * A stored time (ns) as the seconds Node's utimes calls take. A double this large resolves ~0.24 µs,
 * so the exact microsecond could come out just below itself (…853.501 is …853.50099992) and the
 * restored time a microsecond, even a millisecond, early; the middle of the microsecond cannot. Those
 * calls replace a negative number (a time before 1970) with the current time, but take a numeric
 * string as it is.
 */
function secondsOf(ns: bigint): number | string {
  const micros = ns / 1000n - (ns % 1000n < 0n ? 1n : 0n); // rounded down, before 1970 too
  const seconds = (Number(micros) + 0.5) / 1e6;
  return seconds < 0 ? String(seconds) : seconds;
}

/** Runs a restore of the tree `root` into `target`. The caller holds the repository lock. */
export async function runRestore(repo: RepositoryCore, root: Buffer, target: string, opts: RestoreOptions): Promise<RestoreResult> {
  const signal = opts.signal;
  const policy = opts.overwrite ?? 'skip';
  const includes = parseIncludes(opts.include);
  assertInsideRoots(target, opts.allowedRoots, 'The restore target');
  const targetExisted = fs.existsSync(target);
  fs.mkdirSync(target, { recursive: true });
  // Again after creating it: a symlink swapped in meanwhile must not lead outside.
  assertInsideRoots(target, opts.allowedRoots, 'The restore target');
  const targetReal = Buffer.from(fs.realpathSync(path.resolve(target)));
  const result: RestoreResult = { files: 0, dirs: 0, bytes: 0, skipped: [], failures: [] };
  const created = new Set<string>();
  const links = new Map<string, Buffer>();
  const umask = process.umask();
  let stop: unknown = null;
  const dirTimes: { abs: Buffer; e: TreeEntry }[] = [];
  const isRoot = process.getuid?.() === 0;
  const myUid = process.getuid?.() ?? -1;
  const myGid = process.getgid?.() ?? -1;
  const tmpPrefix = `.coffer-restore-${crypto.randomBytes(6).toString('hex')}-`;
  let tmpCounter = 0;
  const tmpName = (dir: Buffer) => Buffer.concat([dir, SLASH, Buffer.from(tmpPrefix + (tmpCounter++).toString(36))]);
  let lastProgress = 0;
  const show = (rel: string[]) => rel.join('/');
  const fail = (rel: string[], error: EngineError) => result.failures.push({ path: show(rel), error });

  const progress = (rel: string[]) => {
    const now = Date.now();
    if (!opts.onProgress || now - lastProgress < 200) return;
    lastProgress = now;
    opts.onProgress({ files: result.files, dirs: result.dirs, bytes: result.bytes, currentPath: show(rel) });
  };

  /** Records a per-file failure, or sets `stop` for errors that end the restore. */
  const onError = (err: unknown, rel: string[]) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || err instanceof DiskFullError) {
      stop ??= new DiskFullError(`Disk full after ${result.files} files (while restoring ${show(rel)}); free space and restore again`, {
        cause: err,
      });
    } else if (err instanceof AbortedError) stop ??= err;
    else if (err instanceof EngineError) fail(rel, err);
    else fail(rel, new EngineError(`${show(rel)} could not be restored: ${(err as Error).message}`, { cause: err }));
  };

  /** Where a file goes, or null when the policy says skip; throws on an unsafe existing path. */
  const finalPath = (abs: Buffer, rel: string[], frame: Frame): Buffer | null => {
    if (frame.fresh) {
      // Two names that differ only in case or normalisation are one file on some file systems. The
      // first may still be on its way (the file writer and the large-file lane finish files later),
      // so whether this one would replace it is asked of the file system with a probe file.
      const name = abs.subarray(frame.abs.length + 1);
      const fold = rel[rel.length - 1]!.normalize('NFC').toLowerCase();
      const first = frame.folds.get(fold);
      if (!first) {
        frame.folds.set(fold, name);
        return abs;
      }
      if (!sameFile(frame.abs, first, name)) return abs;
      throw new UnsafePathError(`${show(rel)} collides with another entry of this snapshot (names differing only in case or normalisation)`);
    }
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch {
      return abs;
    }
    if (created.has(`${st.dev}:${st.ino}`)) {
      throw new UnsafePathError(`${show(rel)} collides with another entry of this snapshot (names differing only in case or normalisation?)`);
    }
    if (policy === 'skip') return null;
    if (policy === 'overwrite') {
      if (st.isDirectory()) throw new UnsafePathError(`${show(rel)} exists as a directory; not replacing it with a file`);
      return abs;
    }
    for (let n = 1; ; n++) {
      const alt = Buffer.concat([abs, Buffer.from(`.restored-${n}`)]);
      if (!fs.existsSync(alt) && !isLink(alt)) return alt;
    }
  };

  /**
   * Whether the file system of `dir` takes the names `a` and `b` for one file: a probe named after
   * `a` is created and `b` looked up beside it. When that cannot be told (the probe's name is too
   * long, say), they are taken for one file, so nothing is overwritten.
   */
  const sameFile = (dir: Buffer, a: Buffer, b: Buffer): boolean => {
    const probe = tmpName(dir);
    const probeA = Buffer.concat([probe, DASH, a]);
    try {
      fs.closeSync(fs.openSync(probeA, WRITE_FLAGS, 0o600));
    } catch {
      return true;
    }
    try {
      return fs.existsSync(Buffer.concat([probe, DASH, b]));
    } finally {
      fs.rmSync(probeA, { force: true });
    }
  };

  /** The zstd binding's file for the file-writer worker, or null: zstd is then decompressed here. */
  const workerZstd = zstdBindingPath();
  /** Blob buffers go back here once written, so a restore reuses a few buffers (see BufferPool). */
  // More idle memory than a backup's pool: restore's reads, decryptions and large chunks in flight
  // take and give back buffers of several size classes at once, and a buffer dropped for lack of
  // room is garbage the next take replaces with fresh memory.
  const pool = new BufferPool(RESTORE_POOL_IDLE);
  /** Refuses a blob whose length is not the one the tree records for it. */
  const checkTreeLength = (c: ContentRef, length: number) => {
    if (length !== c.length) {
      const id = c.id.toString('hex');
      throw new IntegrityError(`data blob ${id} has ${length} bytes, the tree says ${c.length}`, id);
    }
  };
  /** The file-writer worker, started with the first file it is given. */
  let writer: FileWriter | undefined;
  const fileWriter = () => (writer ??= new FileWriter(repo.crypto.keys?.idKey ?? null, workerZstd));
  /** Reads and verifies one chunk, checking its length against the tree. */
  const fetchChunk = async (c: ContentRef): Promise<Buffer> => {
    const blob = await repo.readBlob(c.id, BLOB_DATA, signal, pool);
    checkTreeLength(c, blob.length);
    return blob;
  };

  /**
   * Reads one chunk for the file-writer worker: decrypted (tag checked) and, for zstd, bound-checked
   * here; decompressed and checked against its id there. Other codecs (and zstd when the worker
   * cannot load its binding) are decompressed here and sent as `none`: the worker still checks the id.
   */
  const fetchPayload = async (c: ContentRef): Promise<Payload> => {
    const p = await repo.readBlobPayload(c.id, BLOB_DATA, signal, pool);
    const id = c.id.toString('hex');
    checkTreeLength(c, p.rawLength);
    if (p.codec === 'none') return { part: { codec: p.codec, rawLength: p.rawLength, id }, payload: p.payload };
    if (p.codec === 'zstd' && workerZstd) {
      // The worker's binding has no output limit: the frame's bound is checked here first.
      zstdOutputBound(p.payload, p.rawLength, p.object, p.object);
      return { part: { codec: p.codec, rawLength: p.rawLength, id }, payload: p.payload };
    }
    const plain = await decompress(p.codec as Codec, p.payload, p.rawLength, p.object);
    if (plain !== p.payload) pool.give(p.payload);
    return { part: { codec: 'none', rawLength: p.rawLength, id }, payload: plain };
  };

  /**
   * Writes one file. Small files arrive with all their blobs already fetched (so a damaged file never
   * even gets a temp file): in folders this restore created the file-writer worker checks and creates
   * them, elsewhere (where collisions with existing files are checked file by file) this thread does.
   * Large files are opened here and their chunks, fetched a few ahead, are checked here and written on
   * the thread pool (in folders this restore created, next to the walk: see `lane`). Other file system
   * calls are synchronous: on this class of machine they are several times faster than the thread-pool
   * versions for many small files.
   */
  const writeFile = async (job: FileJob) => {
    const { abs, e, rel, frame } = job;
    const dest = finalPath(abs, rel, frame);
    if (!dest) {
      result.skipped.push({ path: show(rel), reason: 'exists' });
      return;
    }
    const tmp = tmpName(frame.abs);
    const linkKey = `${e.dev}:${e.inode}`;
    const linkTo = e.nlink > 1 ? links.get(linkKey) : undefined;
    if (linkTo) {
      fs.linkSync(linkTo, tmp);
      fs.renameSync(tmp, dest);
      result.files++;
      return;
    }
    if (job.payloads) {
      // A small file in a folder this restore created: the worker checks its blobs and creates it
      // (see file-writer.ts).
      const payloads = await job.payloads;
      const { outcome } = await fileWriter().write(
        {
          tmp: tmp.toString('latin1'),
          dest: dest.toString('latin1'),
          openMode: e.mode & 0o777,
          chmod: (e.mode & ~0o777) !== 0 || (e.mode & umask) !== 0 ? e.mode : -1,
          chown: isRoot && (e.uid !== myUid || e.gid !== myGid) ? { uid: e.uid, gid: e.gid } : null,
          time: secondsOf(e.mtime),
        },
        payloads.map((p) => p.part),
        payloads.map((p) => p.payload),
      );
      let size = 0;
      for (const p of payloads) {
        size += p.part.rawLength;
        pool.give(p.payload);
      }
      void outcome.then((o) => settle(o, rel, size));
      return;
    }
    const prefetched = job.blobs ? await job.blobs : null;
    const content = e.content ?? [];
    let ok = false;
    // Created with its final permission bits (a read-only mode still yields a writable descriptor).
    const fd = fs.openSync(tmp, WRITE_FLAGS, e.mode & 0o777);
    try {
      let pos = 0;
      if (prefetched) {
        // Small files: verified already, written here in one call each.
        let written = 0;
        for (const blob of prefetched) {
          // All-zero chunks become holes: the file stays sparse and the write is skipped.
          if (blob.length > 0 && !(blob.length >= HOLE_MIN && isZero(blob))) {
            writeAllSync(fd, blob, pos);
            written = pos + blob.length;
          }
          pool.give(blob);
          pos += blob.length;
          result.bytes += blob.length;
        }
        if (written !== pos) fs.ftruncateSync(fd, pos);
      } else {
        // Large files: each chunk is read, decrypted, decompressed and checked here, LOOKAHEAD ahead
        // of the one being written, and written on the thread pool one write at a time (the kernel
        // takes the file's lock for each write anyway). All-zero chunks become holes.
        const ahead: Promise<Buffer>[] = [];
        const chunkAt = (i: number): Promise<Buffer> => {
          for (let j = ahead.length; j < Math.min(content.length, i + LOOKAHEAD); j++) {
            ahead.push(fetchChunk(content[j]!));
            ahead[j]!.catch(() => undefined);
          }
          return ahead[i]!;
        };
        let writing: Promise<void> = Promise.resolve();
        try {
          for (let i = 0; i < content.length; i++) {
            if (signal?.aborted) throw new AbortedError();
            const blob = await chunkAt(i);
            await writing;
            if (blob.length > 0 && !(blob.length >= HOLE_MIN && isZero(blob))) writing = writeAll(fd, blob, pos).finally(() => pool.give(blob));
            else pool.give(blob);
            pos += blob.length;
            result.bytes += blob.length;
          }
          await writing;
        } finally {
          // Never close fd under a write in flight; reads started ahead of a failure finish too.
          await writing.catch(() => undefined);
          await Promise.allSettled(ahead);
        }
        // Holes (and a last all-zero chunk) leave the size short of the file's: set it.
        fs.ftruncateSync(fd, pos);
      }
      if (isRoot && (e.uid !== myUid || e.gid !== myGid)) fs.fchownSync(fd, e.uid, e.gid);
      if ((e.mode & ~0o777) !== 0 || (e.mode & umask) !== 0) fs.fchmodSync(fd, e.mode);
      const t = secondsOf(e.mtime);
      fs.futimesSync(fd, t, t);
      if (!frame.fresh) {
        const st = fs.fstatSync(fd);
        created.add(`${st.dev}:${st.ino}`);
      }
      ok = true;
    } finally {
      fs.closeSync(fd);
      if (!ok) fs.rmSync(tmp, { force: true });
    }
    fs.renameSync(tmp, dest);
    if (e.nlink > 1) links.set(linkKey, dest);
    result.files++;
  };

  /** Counts a file the worker created, or records why it could not. */
  const settle = (o: FileOutcome, rel: string[], size: number) => {
    if (o) onError(outcomeError(o), rel);
    else {
      result.files++;
      result.bytes += size;
    }
  };

  let lastBreath = Date.now();
  /** Yields to the event loop every ~30 ms so a server running this restore stays responsive. */
  const breathe = async () => {
    if (Date.now() - lastBreath < 30) return;
    await new Promise((r) => setImmediate(r));
    lastBreath = Date.now();
  };

  const queue: FileJob[] = [];
  let queuedBytes = 0;
  /** Writes the oldest queued file. */
  const drainOne = async () => {
    const job = queue.shift()!;
    queuedBytes -= job.cost;
    await writeOrRecord(job);
    await breathe();
  };
  /** Writes a file, recording why it could not be (see `onError`). */
  const writeOrRecord = async (job: FileJob) => {
    try {
      await writeFile(job);
    } catch (err) {
      onError(err, job.rel);
    }
  };
  /**
   * Large files in folders this restore created, written one after another next to the walk rather
   * than in its order: small files keep the file-writer worker busy with system calls, large ones this
   * thread (decryption, ids) and the thread pool (copies into the page cache), and in walk order each
   * kind waited for the other (1 GiB restores ~7 % faster, no higher peaks). Hard-linked files keep
   * walk order: a link needs its first name in place.
   */
  const lane: FileJob[] = [];
  let laneRunner: Promise<void> | null = null;
  /** Writes the lane's files until it is empty or the restore stops. */
  const runLane = async () => {
    while (lane.length > 0 && !stop) await writeOrRecord(lane.shift()!);
    laneRunner = null;
  };
  /** Queues a file, starting to fetch its blobs now; writes older files while the queue is full. */
  const enqueue = async (abs: Buffer, e: TreeEntry, rel: string[], frame: Frame) => {
    if (e.size > PREFETCH_FILE_MAX && frame.fresh && e.nlink <= 1) {
      lane.push({ abs, e, rel, frame, blobs: null, payloads: null, cost: 0 });
      laneRunner ??= runLane();
      return;
    }
    const small = e.size <= PREFETCH_FILE_MAX && !(e.nlink > 1 && links.has(`${e.dev}:${e.inode}`));
    // Small files in folders this restore created go to the file-writer worker (see writeFile).
    const toWorker = small && frame.fresh && !(e.nlink > 1);
    const blobs = small && !toWorker ? Promise.all((e.content ?? []).map(fetchChunk)) : null;
    const payloads = toWorker ? Promise.all((e.content ?? []).map(fetchPayload)) : null;
    blobs?.catch(() => undefined);
    payloads?.catch(() => undefined);
    const cost = small ? e.size : 0;
    queue.push({ abs, e, rel, frame, blobs, payloads, cost });
    queuedBytes += cost;
    while (!stop && (queue.length > QUEUE_FILES || queuedBytes > QUEUE_BYTES)) await drainOne();
  };

  const restoreLink = (abs: Buffer, e: TreeEntry, rel: string[], frame: Frame) => {
    const dest = finalPath(abs, rel, frame);
    if (!dest) {
      result.skipped.push({ path: show(rel), reason: 'exists' });
      return;
    }
    const tmp = tmpName(frame.abs);
    fs.symlinkSync(e.target!, tmp);
    try {
      if (isRoot && (e.uid !== myUid || e.gid !== myGid)) fs.lchownSync(tmp, e.uid, e.gid);
      const t = secondsOf(e.mtime);
      fs.lutimesSync(tmp, t, t);
      fs.renameSync(tmp, dest);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    if (!frame.fresh) {
      const st = fs.lstatSync(dest);
      created.add(`${st.dev}:${st.ino}`);
    }
    result.files++;
  };

  /** Creates or reuses a directory; refuses anything that is not a real directory (e.g. a planted symlink). */
  const enterDir = (abs: Buffer, rel: string[], parent: Frame): 'fresh' | 'existing' | null => {
    if (parent.fresh) {
      finalPath(abs, rel, parent);
      fs.mkdirSync(abs, { mode: 0o700 });
      return 'fresh';
    }
    try {
      const st = fs.lstatSync(abs);
      if (!st.isDirectory()) {
        fail(rel, new UnsafePathError(`${show(rel)} exists and is not a directory (a symlink?); not restoring through it`));
        return null;
      }
      return 'existing';
    } catch {
      // EEXIST here means something appeared since the lstat: fail rather than trust it.
      fs.mkdirSync(abs, { mode: 0o700 });
      return 'fresh';
    }
  };

  const stack: Frame[] = [
    { entries: await repo.loadTree(root, signal), i: 0, abs: targetReal, rel: [], all: !includes, fresh: !targetExisted, folds: new Map() },
  ];
  // Packs are read through one session for the whole restore (open files kept between reads).
  const endReads = repo.beginReads();
  try {
    await walk(stack);
  } finally {
    // Every file handed to the worker is in place or failed (and its temporary name gone) before
    // directory times are set or the restore returns.
    if (writer) {
      await writer.flush();
      await writer.close();
    }
    await endReads();
  }
  if (stop) throw stop;
  // Directory modes and times last, deepest first, so writing children does not disturb them.
  for (let i = dirTimes.length - 1; i >= 0; i--) {
    const { abs, e } = dirTimes[i]!;
    try {
      if (isRoot && (e.uid !== myUid || e.gid !== myGid)) fs.lchownSync(abs, e.uid, e.gid);
      fs.chmodSync(abs, e.mode);
      const t = secondsOf(e.mtime);
      fs.utimesSync(abs, t, t);
    } catch {
      // Metadata on a directory that vanished or is not ours is not worth failing the restore for.
    }
  }
  opts.onProgress?.({ files: result.files, dirs: result.dirs, bytes: result.bytes, currentPath: '' });
  return result;

  /** Walks the snapshot's trees, creating folders and links and queueing files. */
  async function walk(stack: Frame[]): Promise<void> {
    while (stack.length > 0 && !stop) {
      if (signal?.aborted) stop ??= new AbortedError();
      const top = stack[stack.length - 1]!;
      const e = top.entries[top.i++];
      if (!e) {
        stack.pop();
        continue;
      }
      const rel = [...top.rel, e.name.toString('utf8')];
      if (!isSafeName(e.name)) {
        fail(rel, new UnsafePathError(`${show(rel)} is not a safe name; refusing it`));
        continue;
      }
      const sel = top.all ? 'all' : selected(includes, rel);
      if (sel === 'none' || (sel === 'partial' && e.type !== 'dir')) continue;
      const abs = Buffer.concat([top.abs, SLASH, e.name]);
      progress(rel);
      try {
        if (e.type === 'dir') {
          const entries = await repo.loadTree(e.subtree!, signal);
          const state = enterDir(abs, rel, top);
          if (!state) continue;
          result.dirs++;
          dirTimes.push({ abs, e });
          stack.push({ entries, i: 0, abs, rel, all: sel === 'all', fresh: state === 'fresh', folds: new Map() });
        } else if (e.type === 'file') {
          await enqueue(abs, e, rel, top);
          if (stop) break;
        } else if (e.type === 'symlink') restoreLink(abs, e, rel, top);
        else result.skipped.push({ path: show(rel), reason: `special file (${e.type}) not restored` });
      } catch (err) {
        onError(err, rel);
        if (stop) break;
      }
    }
    while (queue.length > 0 && !stop) await drainOne();
    while (laneRunner) await laneRunner;
    // Fetches of files never written still run: let them settle before returning.
    await Promise.allSettled(queue.flatMap((j) => [j.blobs, j.payloads]));
  }
}

function isLink(p: Buffer): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
