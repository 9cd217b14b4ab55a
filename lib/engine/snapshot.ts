/**
 * Snapshot objects (docs/format.md "Snapshots"): JSON sealed under the metadata key, named by the
 * SHA-256 of the stored bytes.
 */
import { openMeta, packMetaPlain, sealMeta, unpackMetaPlain, type RepoCrypto } from './crypto';
import { IntegrityError, UnsupportedFormatError } from './errors';

/** Totals recorded with a snapshot. */
export interface SnapshotSummary {
  files: number;
  dirs: number;
  bytesRead: number;
  bytesAdded: number;
  durationMs: number;
  warnings: number;
}

/** A snapshot as stored, plus its id. */
export interface Snapshot {
  id: string;
  time: string;
  host: string;
  paths: string[];
  tags: string[];
  tree: string;
  parent: string | null;
  summary: SnapshotSummary;
}

/** Seals a snapshot (without its id, which is the hash of the result). */
export function encodeSnapshot(c: RepoCrypto, s: Omit<Snapshot, 'id'>): Buffer {
  const body = { v: 1, time: s.time, host: s.host, paths: s.paths, tags: s.tags, tree: s.tree, parent: s.parent, summary: s.summary };
  return sealMeta(c, 'snapshot', packMetaPlain(Buffer.from(JSON.stringify(body))));
}

/** Opens and validates a snapshot object. */
export function parseSnapshot(c: RepoCrypto, id: string, sealed: Buffer): Snapshot {
  const object = `snapshots/${id}`;
  const bad = (why: string): never => {
    throw new IntegrityError(`${object} is malformed: ${why}`, object);
  };
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(unpackMetaPlain(openMeta(c, 'snapshot', sealed, object), object).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof IntegrityError || e instanceof UnsupportedFormatError) throw e;
    return bad('not JSON');
  }
  if (typeof j !== 'object' || j === null) return bad('not an object');
  if (j.v !== 1) throw new UnsupportedFormatError(`${object} has snapshot version ${String(j.v)}`);
  const strs = (v: unknown, what: string): string[] =>
    Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : bad(`invalid ${what}`);
  if (typeof j.time !== 'string' || typeof j.host !== 'string') bad('invalid time or host');
  if (typeof j.tree !== 'string' || !/^[0-9a-f]{64}$/.test(j.tree)) bad('invalid tree id');
  if (j.parent !== null && (typeof j.parent !== 'string' || !/^[0-9a-f]{64}$/.test(j.parent))) bad('invalid parent');
  const sum = (j.summary ?? {}) as Record<string, unknown>;
  const n = (k: string) => (typeof sum[k] === 'number' ? (sum[k] as number) : 0);
  return {
    id,
    time: j.time as string,
    host: j.host as string,
    paths: strs(j.paths, 'paths'),
    tags: strs(j.tags, 'tags'),
    tree: j.tree as string,
    parent: j.parent as string | null,
    summary: {
      files: n('files'),
      dirs: n('dirs'),
      bytesRead: n('bytesRead'),
      bytesAdded: n('bytesAdded'),
      durationMs: n('durationMs'),
      warnings: n('warnings'),
    },
  };
}
