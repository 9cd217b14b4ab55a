/**
 * Stats a backup's sources ahead of its walk, while the repository is being opened: deriving the key
 * keeps one core busy (argon2id ~0.1 s, scrypt ~0.75 s for older key slots) and the calling thread
 * idle, and a backup of unchanged files is mostly lstat and readdir. The walk takes each entry's
 * stats and each folder's listing from here when they are present and does its own for the rest, so
 * a prescan that is cut short, or skipped an entry it could not stat, changes nothing but the time.
 * Bounded: at most PRESCAN_MAX entries, and it stops when the walk starts. Stats taken here are at
 * most the opening's duration older than the walk's own would be; a file changed in between is seen
 * as a file changed right after the walk passed it.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Entries a prescan stats at most (~0.2 KiB each while kept). */
const PRESCAN_MAX = 50_000;
/** Entries between checks of the time, and how long a slice runs before yielding. */
const SLICE_ENTRIES = 64;
const SLICE_MS = 4;
const SLASH = Buffer.from('/');

/** The stats a backup's walk uses: a subset of `fs.BigIntStats`. */
export type EntryStats = Pick<
  fs.BigIntStats,
  'mode' | 'uid' | 'gid' | 'mtimeNs' | 'ctimeNs' | 'ino' | 'dev' | 'nlink' | 'size' | 'rdev' | 'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isCharacterDevice'
>;

const S_IFMT = BigInt(fs.constants.S_IFMT);
const kind = (mode: bigint, type: number) => (mode & S_IFMT) === BigInt(type);

/** Stats rebuilt from a prescan's columns. */
class KeptStats implements EntryStats {
  constructor(
    readonly mode: bigint,
    readonly uid: bigint,
    readonly gid: bigint,
    readonly nlink: bigint,
    readonly ino: bigint,
    readonly dev: bigint,
    readonly size: bigint,
    readonly rdev: bigint,
    readonly mtimeNs: bigint,
    readonly ctimeNs: bigint,
  ) {}
  isFile = () => kind(this.mode, fs.constants.S_IFREG);
  isDirectory = () => kind(this.mode, fs.constants.S_IFDIR);
  isSymbolicLink = () => kind(this.mode, fs.constants.S_IFLNK);
  isFIFO = () => kind(this.mode, fs.constants.S_IFIFO);
  isSocket = () => kind(this.mode, fs.constants.S_IFSOCK);
  isCharacterDevice = () => kind(this.mode, fs.constants.S_IFCHR);
}

/** Unsigned fields per entry, then signed ones (times can be before 1970). */
const UNSIGNED = 8;
const SIGNED = 2;

/** Stats and listings of a backup's sources gathered ahead of the walk; see the file comment. */
export class Prescan {
  /** Row of each stated path; the rows' fields live in typed arrays (a BigIntStats object is ~0.5 KiB). */
  private rows = new Map<string, number>();
  private unsigned = new BigUint64Array(1024 * UNSIGNED);
  private signed = new BigInt64Array(1024 * SIGNED);
  private lists = new Map<string, Buffer[]>();
  private stopped = false;
  /** Resolves when the prescan has stopped (finished, cut short or stopped). */
  readonly done: Promise<void>;

  constructor(sources: string[]) {
    this.done = this.run(sources);
  }

  private async run(sources: string[]): Promise<void> {
    const stack: Buffer[] = [];
    for (const s of sources) {
      try {
        stack.push(Buffer.from(fs.realpathSync(path.resolve(s))));
      } catch {
        // The backup reports it.
      }
    }
    let count = 0;
    let slice = Date.now();
    while (stack.length > 0 && !this.stopped && count < PRESCAN_MAX) {
      const full = stack.pop()!;
      const key = full.toString('latin1');
      count++;
      try {
        const st = fs.lstatSync(full, { bigint: true });
        this.keep(key, st);
        if (st.isDirectory()) {
          const names = fs.readdirSync(full, { encoding: 'buffer' });
          this.lists.set(key, names);
          for (let i = names.length - 1; i >= 0; i--) stack.push(Buffer.concat([full, SLASH, names[i]!]));
        }
      } catch {
        // The walk stats it again and warns.
      }
      if (count % SLICE_ENTRIES === 0 && Date.now() - slice >= SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        slice = Date.now();
      }
    }
  }

  private keep(key: string, st: fs.BigIntStats): void {
    const row = this.rows.size;
    if ((row + 1) * UNSIGNED > this.unsigned.length) {
      const u = new BigUint64Array(this.unsigned.length * 2);
      u.set(this.unsigned);
      this.unsigned = u;
      const s = new BigInt64Array(this.signed.length * 2);
      s.set(this.signed);
      this.signed = s;
    }
    this.unsigned.set([st.mode, st.uid, st.gid, st.nlink, st.ino, st.dev, st.size, st.rdev], row * UNSIGNED);
    this.signed.set([st.mtimeNs, st.ctimeNs], row * SIGNED);
    this.rows.set(key, row);
  }

  /** Stops gathering and drops what was gathered. */
  discard(): void {
    this.stopped = true;
    this.rows.clear();
    this.lists.clear();
    this.unsigned = new BigUint64Array(0);
    this.signed = new BigInt64Array(0);
  }

  /** Stops gathering (the walk starts); what was gathered stays available. */
  stop(): void {
    this.stopped = true;
  }

  /** The stats of `full` gathered earlier, once. */
  takeStats(full: Buffer): EntryStats | undefined {
    const key = full.toString('latin1');
    const row = this.rows.get(key);
    if (row === undefined) return undefined;
    this.rows.delete(key);
    const u = this.unsigned.subarray(row * UNSIGNED, row * UNSIGNED + UNSIGNED);
    const t = this.signed.subarray(row * SIGNED, row * SIGNED + SIGNED);
    return new KeptStats(u[0]!, u[1]!, u[2]!, u[3]!, u[4]!, u[5]!, u[6]!, u[7]!, t[0]!, t[1]!);
  }

  /** The listing of the folder `full` gathered earlier, once. */
  takeList(full: Buffer): Buffer[] | undefined {
    const key = full.toString('latin1');
    const names = this.lists.get(key);
    if (names) this.lists.delete(key);
    return names;
  }
}
