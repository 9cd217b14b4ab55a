/**
 * Tree blobs (docs/format.md "Trees"): a directory's entries as JSON, names kept byte-exact. The parser
 * treats its input as hostile: every field is type-checked, names are refused when they could escape a
 * restore target, content lengths must add up to the file size, and duplicates are refused.
 */
import { IntegrityError, UnsafePathError, UnsupportedFormatError } from './errors';

/** Entry kinds. Special files (fifo, socket, char, block) are metadata only. */
export type EntryType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'char' | 'block';
const TYPES: readonly EntryType[] = ['file', 'dir', 'symlink', 'fifo', 'socket', 'char', 'block'];

/** One chunk of a file's content. */
export interface ContentRef {
  id: Buffer;
  length: number;
}

/** A directory entry. Times are nanoseconds since the epoch. */
export interface TreeEntry {
  name: Buffer;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  mtime: bigint;
  ctime: bigint;
  size: number;
  inode: bigint;
  dev: bigint;
  nlink: number;
  content?: ContentRef[];
  subtree?: Buffer;
  target?: Buffer;
  rdev?: bigint;
}

/** True when a name is safe to create inside a directory: not empty, `.`, `..`, no `/` or NUL. */
export function isSafeName(name: Buffer): boolean {
  if (name.length === 0 || name.length > 4096) return false;
  if (name.includes(0x2f) || name.includes(0)) return false;
  const s = name.toString('latin1');
  return s !== '.' && s !== '..';
}

/** Encodes bytes as a JSON string when they are valid UTF-8 that round-trips, else base64. */
function bytesField(o: Record<string, unknown>, key: string, b: Buffer): void {
  const s = b.toString('utf8');
  if (Buffer.from(s, 'utf8').equals(b)) o[key] = s;
  else o[key + 'B64'] = b.toString('base64');
}

/** Compares names as bytes, the order entries are stored in. */
export const compareNames = (a: TreeEntry, b: TreeEntry): number => Buffer.compare(a.name, b.name);

/** Serialises entries (sorted here) to tree blob plaintext. */
export function encodeTree(entries: TreeEntry[]): Buffer {
  const sorted = [...entries].sort(compareNames);
  const out = sorted.map((e) => {
    const o: Record<string, unknown> = {};
    bytesField(o, 'name', e.name);
    Object.assign(o, {
      type: e.type,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      mtime: e.mtime.toString(),
      ctime: e.ctime.toString(),
      size: e.size,
      inode: e.inode.toString(),
      dev: e.dev.toString(),
      nlink: e.nlink,
    });
    if (e.content) o.content = e.content.map((c) => [c.id.toString('hex'), c.length]);
    if (e.subtree) o.subtree = e.subtree.toString('hex');
    if (e.target) bytesField(o, 'target', e.target);
    if (e.rdev !== undefined) o.rdev = e.rdev.toString();
    return o;
  });
  return Buffer.from(JSON.stringify({ v: 1, entries: out }));
}

const HEX64 = /^[0-9a-f]{64}$/;
const DEC = /^-?[0-9]{1,24}$/;

/** Parses tree blob plaintext; throws IntegrityError (or UnsupportedFormatError) naming `object`. */
export function parseTree(plain: Buffer, object: string): TreeEntry[] {
  const bad = (why: string): never => {
    throw new IntegrityError(`${object} is malformed: ${why}`, object);
  };
  let j: unknown;
  try {
    j = JSON.parse(plain.toString('utf8'));
  } catch {
    return bad('not JSON');
  }
  if (typeof j !== 'object' || j === null) return bad('not an object');
  const root = j as Record<string, unknown>;
  if (root.v !== 1) throw new UnsupportedFormatError(`${object} has tree version ${String(root.v)}`);
  if (!Array.isArray(root.entries)) return bad('no entries');
  const int = (v: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max ? v : bad(`invalid ${what}`);
  const big = (v: unknown, what: string): bigint => (typeof v === 'string' && DEC.test(v) ? BigInt(v) : bad(`invalid ${what}`));
  const bytes = (o: Record<string, unknown>, key: string): Buffer | undefined => {
    if (typeof o[key] === 'string') return Buffer.from(o[key], 'utf8');
    const b = o[key + 'B64'];
    if (typeof b === 'string') return Buffer.from(b, 'base64');
    return undefined;
  };
  const entries: TreeEntry[] = [];
  for (const raw of root.entries as unknown[]) {
    if (typeof raw !== 'object' || raw === null) bad('entry is not an object');
    const o = raw as Record<string, unknown>;
    const name = bytes(o, 'name') ?? bad('entry without a name');
    if (!isSafeName(name)) {
      throw new UnsafePathError(`${object} holds an unsafe entry name ${JSON.stringify(name.toString('utf8'))}; refusing it`);
    }
    const type = o.type as EntryType;
    if (!TYPES.includes(type)) bad('unknown entry type');
    const e: TreeEntry = {
      name,
      type,
      mode: int(o.mode, 'mode', 0o7777),
      uid: int(o.uid, 'uid', 0xffffffff),
      gid: int(o.gid, 'gid', 0xffffffff),
      mtime: big(o.mtime, 'mtime'),
      ctime: big(o.ctime, 'ctime'),
      size: int(o.size, 'size'),
      inode: big(o.inode, 'inode'),
      dev: big(o.dev, 'dev'),
      nlink: int(o.nlink, 'nlink', 0xffffffff),
    };
    if (type === 'file') {
      if (!Array.isArray(o.content)) bad('file without content list');
      let sum = 0;
      e.content = (o.content as unknown[]).map((c) => {
        if (!Array.isArray(c) || c.length !== 2 || typeof c[0] !== 'string' || !HEX64.test(c[0])) return bad('invalid content reference');
        const length = int(c[1], 'chunk length', 0xffffffff);
        sum += length;
        return { id: Buffer.from(c[0], 'hex'), length };
      });
      if (sum !== e.size) bad(`content lengths add up to ${sum}, not the file size ${e.size}`);
    } else if (type === 'dir') {
      if (typeof o.subtree !== 'string' || !HEX64.test(o.subtree)) bad('directory without a subtree id');
      e.subtree = Buffer.from(o.subtree as string, 'hex');
    } else if (type === 'symlink') {
      e.target = bytes(o, 'target') ?? bad('symlink without a target');
    } else if (type === 'char' || type === 'block') {
      e.rdev = big(o.rdev ?? '0', 'rdev');
    }
    entries.push(e);
  }
  for (let i = 1; i < entries.length; i++) {
    const c = Buffer.compare(entries[i - 1]!.name, entries[i]!.name);
    if (c === 0) bad(`duplicate entry name ${JSON.stringify(entries[i]!.name.toString('utf8'))}`);
    if (c > 0) bad('entries are not sorted');
  }
  return entries;
}
