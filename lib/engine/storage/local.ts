/**
 * Storage on a local file system. Keys map to files under the root directory (`data/ab/ab12…` →
 * `<root>/data/ab/ab12…`). Writes are atomic and durable: a temp file created with O_EXCL in the
 * target directory, written, fsynced, then renamed (or hard-linked, for exclusive writes) into place,
 * and the directory fsynced. Transient errors are retried with backoff; a full disk is a
 * `DiskFullError` and leaves no temp file behind.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, read as fsRead, promises as nodeFs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AbortedError, AlreadyExistsError, DiskFullError, EngineError, IntegrityError, NotFoundError } from '../errors';
import type { RangeReader, Storage, StorageEntry } from './storage';

/** The subset of `fs.promises` LocalStorage uses; tests inject faults through it. */
export type LocalFs = Pick<typeof nodeFs, 'open' | 'mkdir' | 'rename' | 'link' | 'unlink' | 'readdir' | 'stat'>;

/** Options for `LocalStorage`. */
export interface LocalStorageOptions {
  /** File-system implementation (default: `node:fs/promises`). */
  fs?: LocalFs;
  /** Delays in ms between attempts after a transient error; its length is the number of retries. */
  retryDelays?: readonly number[];
  /** fsync files and directories (default true). Only tests and benchmarks of the CPU path turn it off. */
  durable?: boolean;
}

const TRANSIENT = new Set(['EAGAIN', 'EBUSY', 'EIO', 'EINTR', 'ETIMEDOUT', 'EMFILE', 'ENFILE']);
const FULL = new Set(['ENOSPC', 'EDQUOT']);
const TEMP_MARK = '.tmp-';
/** Files a read session keeps open. */
const READER_HANDLES = 8;

/** Reads into `buffer` at `at`, `length` bytes from `position`; resolves to the bytes read. */
type ReadAt = (buffer: Buffer, at: number, length: number, position: number) => Promise<number>;

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Checks a storage key: slash-separated, relative, no empty, `.` or `..` segments, no segment starting
 * with a dot (temp files use those names), no backslash or NUL. Throws `IntegrityError` naming the key.
 */
export function checkKey(key: string): void {
  const bad =
    typeof key !== 'string' ||
    key.length === 0 ||
    key.length > 1024 ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.startsWith('/') ||
    key.split('/').some((segment) => segment.length === 0 || segment.startsWith('.'));
  if (bad) throw new IntegrityError(`refusing unsafe storage key ${JSON.stringify(key)}`, String(key));
}

/** A `Storage` on a local directory. The directory must exist for reads; writes create subfolders. */
export class LocalStorage implements Storage {
  readonly location: string;
  private readonly fs: LocalFs;
  private readonly retryDelays: readonly number[];
  private readonly durable: boolean;

  constructor(root: string, options: LocalStorageOptions = {}) {
    this.location = path.resolve(root);
    this.fs = options.fs ?? nodeFs;
    this.retryDelays = options.retryDelays ?? [20, 100, 400, 1000];
    this.durable = options.durable ?? true;
  }

  private file(key: string): string {
    checkKey(key);
    return path.join(this.location, ...key.split('/'));
  }

  /** Runs `op`, retrying transient errors; maps ENOENT, ENOSPC and the rest to engine errors. */
  private async attempt<T>(what: string, key: string, op: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let tries = 0; ; tries++) {
      if (signal?.aborted) throw new AbortedError();
      try {
        return await op();
      } catch (error) {
        if (error instanceof EngineError) throw error;
        const c = code(error);
        if (c === 'ENOENT') throw new NotFoundError(key);
        if (c !== undefined && FULL.has(c)) {
          throw new DiskFullError(`the disk holding the repository ${this.location} is full (writing ${key}); free some space and run again`, { cause: error });
        }
        const delay = this.retryDelays[tries];
        if (c !== undefined && TRANSIENT.has(c) && delay !== undefined) {
          await new Promise((resolve) => setTimeout(resolve, delay));
          continue;
        }
        const after = tries > 0 ? ` after ${tries + 1} attempts` : '';
        throw new EngineError(`${what} ${key} in ${this.location} failed${after}: ${(error as Error).message}`, { cause: error });
      }
    }
  }

  /** Lists entries under `prefix/` recursively (all entries for `''`); temp files are skipped. */
  async list(prefix: string, signal?: AbortSignal): Promise<StorageEntry[]> {
    const base = prefix === '' ? this.location : this.file(prefix);
    const entries: StorageEntry[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let names;
      try {
        names = await this.attempt('listing', keyPrefix || '/', () => this.fs.readdir(dir, { withFileTypes: true }), signal);
      } catch (error) {
        if (error instanceof NotFoundError) return;
        throw error;
      }
      await Promise.all(
        names.map(async (dirent) => {
          if (dirent.name.startsWith('.')) return;
          const key = keyPrefix ? `${keyPrefix}/${dirent.name}` : dirent.name;
          if (dirent.isDirectory()) return walk(path.join(dir, dirent.name), key);
          if (!dirent.isFile()) return;
          const stat = await this.stat(key);
          if (stat) entries.push(stat);
        }),
      );
    };
    await walk(base, prefix);
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Reads a whole object; `NotFoundError` when missing. */
  async read(name: string, signal?: AbortSignal): Promise<Buffer> {
    const file = this.file(name);
    return this.attempt('reading', name, async () => {
      const handle = await this.fs.open(file, 'r');
      try {
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    }, signal);
  }

  /** Reads exactly `length` bytes at `offset`; fewer available is an `IntegrityError`. */
  async readRange(name: string, offset: number, length: number, signal?: AbortSignal, into?: Buffer): Promise<Buffer> {
    return this.rangeFrom(name, offset, length, signal, into, async (file, read) => {
      const handle = await this.fs.open(file, 'r');
      try {
        return await read(async (buffer, at, length, position) => (await handle.read(buffer, at, length, position)).bytesRead);
      } finally {
        await handle.close();
      }
    });
  }

  /**
   * A read session keeping up to READER_HANDLES data files open (least recently used closed first):
   * opening and closing a pack for each of a restore's thousands of reads cost more of the calling
   * thread's time than the reads.
   */
  openReader(): RangeReader {
    type Entry = { handle: Promise<FileHandle>; users: number; dropped: boolean };
    const open = new Map<string, Entry>();
    let closed = false;
    /** Closes a dropped file once no read uses it. */
    const closeIfUnused = (entry: Entry) => {
      if (entry.dropped && entry.users === 0) void entry.handle.then((h) => h.close()).catch(() => undefined);
    };
    const drop = (file: string) => {
      const entry = open.get(file);
      if (!entry) return;
      open.delete(file);
      entry.dropped = true;
      closeIfUnused(entry);
    };
    return {
      readRange: (name, offset, length, signal, into) =>
        this.rangeFrom(name, offset, length, signal, into, async (file, read) => {
          if (closed) throw new EngineError('the read session is closed');
          let entry = open.get(file);
          if (entry) open.delete(file);
          else {
            entry = { handle: this.fs.open(file, 'r'), users: 0, dropped: false };
            entry.handle.catch(() => undefined);
          }
          open.set(file, entry); // most recently used last
          if (open.size > READER_HANDLES) drop(open.keys().next().value!);
          entry.users++;
          const e = entry;
          try {
            // Reads go straight to the descriptor: a FileHandle's promise API costs more per call.
            const { fd } = await e.handle;
            return await read((buffer, at, length, position) =>
              new Promise((resolve, reject) => fsRead(fd, buffer, at, length, position, (error, n) => (error ? reject(error) : resolve(n)))),
            );
          } catch (error) {
            // A failed open or read is not kept: a retry opens the file again.
            if (open.get(file) === e) drop(file);
            throw error;
          } finally {
            e.users--;
            closeIfUnused(e);
          }
        }),
      close: async () => {
        closed = true;
        for (const file of [...open.keys()]) drop(file);
      },
    };
  }

  /** Checks a range, then reads it through `withHandle` (retrying transient errors). */
  private async rangeFrom(
    name: string,
    offset: number,
    length: number,
    signal: AbortSignal | undefined,
    into: Buffer | undefined,
    withHandle: (file: string, read: (readAt: ReadAt) => Promise<Buffer>) => Promise<Buffer>,
  ): Promise<Buffer> {
    const file = this.file(name);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new IntegrityError(`invalid range ${offset}+${length} in ${name}`, name);
    }
    return this.attempt('reading', name, () =>
      withHandle(file, async (readAt) => {
        const buffer = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
        let filled = 0;
        while (filled < length) {
          const bytesRead = await readAt(buffer, filled, length - filled, offset + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        if (filled < length) {
          throw new IntegrityError(`${name} is truncated: wanted ${length} bytes at offset ${offset}, got ${filled}`, name);
        }
        return buffer;
      }),
    signal);
  }

  /** Writes atomically (temp, fsync, rename, fsync dir); `exclusive` fails with `AlreadyExistsError`. */
  async write(name: string, data: Buffer | Buffer[], options: { exclusive?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    const file = this.file(name);
    const dir = path.dirname(file);
    const parts = Array.isArray(data) ? data : [data];
    await this.attempt('writing', name, async () => {
      if (options.signal?.aborted) throw new AbortedError();
      await this.fs.mkdir(dir, { recursive: true });
      const temp = path.join(dir, `.${path.basename(file)}${TEMP_MARK}${randomBytes(6).toString('hex')}`);
      let placed = false;
      try {
        const handle = await this.fs.open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
        try {
          await writeAll(handle, parts);
          if (this.durable) await handle.sync();
        } finally {
          await handle.close();
        }
        if (options.exclusive) {
          // link() fails with EEXIST instead of replacing, unlike rename(): first writer wins.
          try {
            await this.fs.link(temp, file);
          } catch (error) {
            if (code(error) === 'EEXIST') throw new AlreadyExistsError(name);
            throw error;
          }
          await this.fs.unlink(temp).catch(() => undefined);
        } else {
          await this.fs.rename(temp, file);
        }
        placed = true;
      } finally {
        if (!placed) await this.fs.unlink(temp).catch(() => undefined);
      }
    }, options.signal);
    // Outside the retried step: once the name is placed, a retry must not write it a second time.
    if (this.durable) await this.attempt('syncing the folder of', name, () => this.syncDir(dir));
  }

  private async syncDir(dir: string): Promise<void> {
    const handle = await this.fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Deletes an object; a missing one is not an error. */
  async delete(name: string): Promise<void> {
    const file = this.file(name);
    try {
      await this.attempt('deleting', name, () => this.fs.unlink(file));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  /** Size of an object, or undefined when it does not exist. */
  async stat(name: string): Promise<StorageEntry | undefined> {
    const file = this.file(name);
    try {
      const stat = await this.attempt('inspecting', name, () => this.fs.stat(file));
      return stat.isFile() ? { name, size: stat.size } : undefined;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** When a file was last written (its mtime), or undefined when it does not exist. */
  async lastModified(name: string): Promise<number | undefined> {
    const file = this.file(name);
    try {
      const stat = await this.attempt('inspecting', name, () => this.fs.stat(file));
      return stat.isFile() ? stat.mtimeMs : undefined;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }
}

async function writeAll(handle: nodeFs.FileHandle, parts: Buffer[]): Promise<void> {
  // writev may write partially; advance through the parts until everything is on disk.
  let pending = parts.filter((part) => part.length > 0);
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending);
    let left = bytesWritten;
    while (left > 0 && pending.length > 0) {
      const head = pending[0]!;
      if (head.length <= left) {
        left -= head.length;
        pending = pending.slice(1);
      } else {
        pending = [head.subarray(left), ...pending.slice(1)];
        left = 0;
      }
    }
  }
}
