/**
 * Check: verifies the repository's structure (indexes readable, every indexed pack present with its
 * size, every blob a snapshot refers to indexed, every tree readable) and, with `readData`, the content
 * of all packs or a random percentage of them (pack hash, header against index, every blob decrypted,
 * decompressed and hashed). Each damaged pack is reported with the snapshots and files it affects.
 */
import crypto from 'node:crypto';
import { BLOB_TREE, openBlobPayload, packKey, verifyBlobId } from './crypto';
import { decompress, type Codec } from './compress';
import { AbortedError, EngineError } from './errors';
import { packPath, parsePackHeader } from './pack';
import type { RepositoryCore } from './repository';
import type { TreeEntry } from './tree';

/** Progress of a running check. */
export interface CheckProgress {
  phase: 'index' | 'packs' | 'snapshots';
  done: number;
  total: number;
}

/** Options of `Repository.check`. */
export interface CheckOptions {
  /** `true` reads every pack; a number reads that percentage of packs (chosen at random). */
  readData?: boolean | number;
  onProgress?: (p: CheckProgress) => void;
  signal?: AbortSignal;
}

/** A damaged pack and what it breaks. */
export interface DamagedPack {
  pack: string;
  reason: string;
  /** Snapshot ids with at least one file or tree in this pack. */
  snapshots: string[];
  /** `snapshotIdPrefix:path` of affected files and directories (at most 1000). */
  files: string[];
}

/** The result of a check; `ok` is true when nothing is damaged or missing. */
export interface CheckReport {
  ok: boolean;
  errors: { object: string; message: string }[];
  damagedPacks: DamagedPack[];
  /** Packs present but named by no index (left by an interrupted backup; prune reclaims them). */
  unreferencedPacks: string[];
  packs: number;
  packsRead: number;
  snapshots: number;
}

const MAX_FILES = 1000;

/** Runs a check. The caller holds the repository lock. */
export async function runCheck(repo: RepositoryCore, opts: CheckOptions): Promise<CheckReport> {
  const signal = opts.signal;
  const aborted = () => {
    if (signal?.aborted) throw new AbortedError();
  };
  repo.invalidateIndex();
  await repo.loadIndex(signal);
  const report: CheckReport = { ok: true, errors: [...repo.indexProblems], damagedPacks: [], unreferencedPacks: [], packs: 0, packsRead: 0, snapshots: 0 };
  const damaged = new Map<string, DamagedPack>();
  const markDamaged = (pack: string, reason: string) => {
    if (!damaged.has(pack)) damaged.set(pack, { pack, reason, snapshots: [], files: [] });
  };

  const stored = new Map<string, number>();
  for (const e of await repo.storage.list('data', signal)) {
    const m = /^data\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(e.name);
    if (m && m[2]!.startsWith(m[1]!)) stored.set(m[2]!, e.size);
    else report.errors.push({ object: e.name, message: `${e.name} is not a pack name` });
  }
  const indexed = repo.packs.filter((p) => p.id !== '');
  report.packs = indexed.length;
  for (const p of indexed) {
    const size = stored.get(p.id);
    if (size === undefined) markDamaged(p.id, 'the pack is missing');
    else if (size !== p.length) markDamaged(p.id, `the pack has ${size} bytes, the index says ${p.length}`);
  }
  const indexedIds = new Set(indexed.map((p) => p.id));
  for (const id of stored.keys()) if (!indexedIds.has(id)) report.unreferencedPacks.push(id);

  if (opts.readData) {
    let toRead = indexed.filter((p) => !damaged.has(p.id));
    if (typeof opts.readData === 'number' && opts.readData < 100) {
      const n = Math.ceil((toRead.length * Math.max(0, opts.readData)) / 100);
      toRead = toRead
        .map((p) => ({ p, k: crypto.randomInt(2 ** 47) }))
        .sort((a, b) => a.k - b.k)
        .slice(0, n)
        .map((x) => x.p);
    }
    for (const p of toRead) {
      aborted();
      opts.onProgress?.({ phase: 'packs', done: report.packsRead, total: toRead.length });
      const reason = await readPack(repo, p.id);
      report.packsRead++;
      if (reason) markDamaged(p.id, reason);
    }
  }

  // Walk every snapshot's trees: find blobs missing from the index and attribute damaged packs.
  const { snapshots, problems } = await repo.readSnapshots(signal);
  report.errors.push(...problems);
  report.snapshots = snapshots.length;
  const clean = new Set<string>();
  let missingSeen = false;
  const packOf = (id: Buffer): string | null => {
    const i = repo.index.find(id);
    return i < 0 ? null : (repo.packs[repo.index.get(i).pack]?.id ?? null);
  };
  for (const [n, s] of snapshots.entries()) {
    opts.onProgress?.({ phase: 'snapshots', done: n, total: snapshots.length });
    const hits = new Set<string>();
    const affect = (pack: string, where: string) => {
      const d = damaged.get(pack)!;
      if (!hits.has(pack)) {
        hits.add(pack);
        d.snapshots.push(s.id);
      }
      if (d.files.length < MAX_FILES) d.files.push(`${s.id.slice(0, 8)}:${where}`);
    };
    const walk: { id: Buffer; path: string }[] = [{ id: Buffer.from(s.tree, 'hex'), path: '' }];
    while (walk.length > 0) {
      aborted();
      const t = walk.pop()!;
      const hex = t.id.toString('hex');
      // A tree verified in an earlier snapshot, with its whole subtree, needs no second walk while
      // nothing is damaged; with damage, walk again so each affected snapshot is named.
      if (clean.has(hex) && damaged.size === 0 && !missingSeen) continue;
      const where = t.path || '/';
      const treePack = packOf(t.id);
      let entries: TreeEntry[];
      try {
        entries = await repo.loadTree(t.id, signal);
      } catch (e) {
        if (!(e instanceof EngineError) || e instanceof AbortedError) throw e;
        report.errors.push({ object: `tree ${hex}`, message: `snapshot ${s.id.slice(0, 8)} ${where}: ${e.message}` });
        if (treePack) {
          markDamaged(treePack, e.message);
          affect(treePack, where);
        }
        continue;
      }
      let dirty = treePack !== null && damaged.has(treePack);
      if (dirty) affect(treePack!, where);
      for (const e of entries) {
        const p = `${t.path}/${e.name.toString('utf8')}`;
        if (e.type === 'dir') walk.push({ id: e.subtree!, path: p });
        for (const c of e.content ?? []) {
          const pack = packOf(c.id);
          if (pack === null) {
            dirty = true;
            missingSeen = true;
            report.errors.push({ object: `data blob ${c.id.toString('hex')}`, message: `snapshot ${s.id.slice(0, 8)} ${p}: the blob is not in any index` });
          } else if (damaged.has(pack)) {
            dirty = true;
            affect(pack, p);
            break;
          }
        }
      }
      if (!dirty) clean.add(hex);
    }
  }
  report.damagedPacks = [...damaged.values()];
  for (const d of report.damagedPacks) report.errors.push({ object: `pack ${d.pack}`, message: d.reason });
  report.ok = report.errors.length === 0;
  return report;
}

/** Reads and verifies one whole pack; returns why it is damaged, or null. */
async function readPack(repo: RepositoryCore, id: string): Promise<string | null> {
  let raw: Buffer;
  try {
    raw = await repo.storage.read(packPath(id));
  } catch (e) {
    if (e instanceof EngineError) return e.message;
    throw e;
  }
  if (crypto.createHash('sha256').update(raw).digest('hex') !== id) return 'the pack content does not match its name';
  try {
    const { packType, salt, blobs } = parsePackHeader(repo.crypto, raw, `pack ${id}`);
    const key = packKey(repo.crypto, packType, salt);
    const n = repo.packNumber(id);
    const known = n === undefined ? undefined : repo.packs[n];
    if (known && (!known.salt.equals(salt) || known.packType !== packType)) return 'the pack header and the index disagree (salt or type)';
    for (const b of blobs) {
      const object = `${b.type === BLOB_TREE ? 'tree' : 'data'} blob ${b.id.toString('hex')} in pack ${id}`;
      const i = repo.index.find(b.id);
      if (i >= 0) {
        const loc = repo.index.get(i);
        if (loc.pack === n && (loc.offset !== b.offset || loc.length !== b.length)) return `${object} is not where the index says`;
      }
      const payload = openBlobPayload(repo.crypto, key, b, raw.subarray(b.offset, b.offset + b.length), object);
      verifyBlobId(repo.crypto, await decompress(b.codec as Codec, payload, b.rawLength, object), b.id, object);
    }
    return null;
  } catch (e) {
    if (e instanceof EngineError) return e.message;
    throw e;
  }
}
