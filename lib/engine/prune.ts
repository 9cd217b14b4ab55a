/**
 * Prune: reclaims space no snapshot uses. The caller holds the exclusive lock.
 *
 * 1. Mark: walk every snapshot's trees and collect the ids of every blob they reach in a compact
 *    BlobIndex used as a set (50-60 bytes per blob, no JS object per blob). Each blob counts as used
 *    in exactly one pack: the copy the in-memory index reads (a blob stored twice by racing backups
 *    has its other copy counted unused).
 * 2. Plan, per indexed pack: no used blob → delete; unused share of its blob bytes above
 *    `repackThreshold` → repack (copy its used blobs into new packs); otherwise keep. Packs in storage
 *    that no index names (left by an interrupted backup or prune) → delete, once older than a grace period.
 * 3. Write: repacked blobs are verified (tag, size, id) and re-sealed, still compressed, under the
 *    fresh per-pack key of a new pack; the new packs, then new index objects naming every kept and new
 *    pack, are written; only then are the old index objects deleted, and the dropped packs last. A
 *    crash at any point leaves every referenced blob indexed in a pack that exists; what it leaves over
 *    is extra packs or duplicate index entries, which the next prune removes.
 *
 * Refuses (IntegrityError, nothing changed) when an index or snapshot is damaged, a snapshot refers
 * to a blob no index names, or a pack holding used blobs is missing: deleting anything then could
 * destroy the data a repair needs.
 */
import { BlobIndex } from './blob-index';
import { decompress, type Codec } from './compress';
import { BLOB_TREE, openBlobPayload, packKey, sha256Hex, verifyBlobId, type BlobType } from './crypto';
import { AbortedError, IntegrityError } from './errors';
import { encodeIndex, parseIndex, type IndexedPack } from './index-file';
import { PackWriter, packPath } from './pack';
import type { RepositoryCore } from './repository';

/** Options of `Repository.prune`. */
export interface PruneOptions {
  /** Repack a pack when more than this fraction of its blob bytes is unused (0-1, default 0.2). */
  repackThreshold?: number;
  /**
   * Packs no index names are deleted only when older than this (default 1 hour), so the fresh packs of
   * a backup whose lock went stale (a hung process) survive. Applied where storage reports object times
   * (local folders: mtime; S3: Last-Modified); elsewhere the exclusive lock alone protects them.
   */
  unindexedGraceMs?: number;
  /** Decide and report without writing or deleting anything. */
  dryRun?: boolean;
  onProgress?: (p: PruneProgress) => void;
  signal?: AbortSignal;
}

/** Progress of a running prune. */
export interface PruneProgress {
  phase: 'mark' | 'plan' | 'repack' | 'delete';
  done: number;
  total: number;
}

/** What prune did (or, with `dryRun`, would do). Byte counts are pack file sizes. */
export interface PruneResult {
  snapshots: number;
  blobsUsed: number;
  packsBefore: number;
  packsAfter: number;
  packsDeleted: number;
  packsRepacked: number;
  packsWritten: number;
  /** Packs in storage that no index named (removed). */
  unindexedPacks: number;
  bytesBefore: number;
  bytesAfter: number;
  indexFilesWritten: number;
  indexFilesDeleted: number;
  dryRun: boolean;
}

/** New index objects list at most this many packs: it bounds both their size and the blob lists held in memory before one is written. */
const PACKS_PER_INDEX = 512;
const DEFAULT_THRESHOLD = 0.2;
const DEFAULT_GRACE_MS = 60 * 60 * 1000;
const MARK = { pack: 0, offset: 0, length: 0, rawLength: 0, type: 0, codec: 0 };

type Action = 'keep' | 'repack' | 'delete';

/** Runs a prune on `repo`, which must be a fresh fork (its index is replaced). */
export async function runPrune(repo: RepositoryCore, opts: PruneOptions = {}): Promise<PruneResult> {
  const threshold = opts.repackThreshold ?? DEFAULT_THRESHOLD;
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError('repackThreshold must be between 0 and 1');
  const signal = opts.signal;
  const aborted = () => {
    if (signal?.aborted) throw new AbortedError();
  };
  const progress = (phase: PruneProgress['phase'], done: number, total: number) => opts.onProgress?.({ phase, done, total });

  repo.invalidateIndex();
  await repo.loadIndex(signal);
  const bad = repo.indexProblems[0];
  if (bad) throw new IntegrityError(`Prune refused: ${bad.object} is damaged (${bad.message}); run check first`, bad.object);
  const { snapshots, problems } = await repo.readSnapshots(signal);
  const badSnap = problems[0];
  if (badSnap) throw new IntegrityError(`Prune refused: ${badSnap.object} is damaged (${badSnap.message}); run check first`, badSnap.object);

  // 1. Mark.
  const used = new BlobIndex();
  let lastYield = Date.now();
  for (let si = 0; si < snapshots.length; si++) {
    const s = snapshots[si]!;
    progress('mark', si, snapshots.length);
    const stack: Buffer[] = [Buffer.from(s.tree, 'hex')];
    while (stack.length > 0) {
      const tree = stack.pop()!;
      if (used.has(tree)) continue;
      requireIndexed(repo, tree, `snapshot ${s.id}`);
      used.add(tree, MARK);
      for (const e of await repo.loadTree(tree, signal)) {
        for (const c of e.content ?? []) {
          if (used.has(c.id)) continue;
          requireIndexed(repo, c.id, `snapshot ${s.id}`);
          used.add(c.id, MARK);
        }
        if (e.subtree) stack.push(e.subtree);
      }
      if (Date.now() - lastYield > 30) {
        aborted();
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
    }
  }
  progress('mark', snapshots.length, snapshots.length);

  // 2. Plan. Only a small record per pack is kept; blob lists are re-read from the index files.
  const stored = new Map((await repo.storage.list('data', signal)).map((e) => [e.name, e.size]));
  const actions = new Map<string, Action>();
  const result: PruneResult = {
    snapshots: snapshots.length,
    blobsUsed: used.size,
    packsBefore: stored.size,
    packsAfter: 0,
    packsDeleted: 0,
    packsRepacked: 0,
    packsWritten: 0,
    unindexedPacks: 0,
    bytesBefore: [...stored.values()].reduce((a, b) => a + b, 0),
    bytesAfter: 0,
    indexFilesWritten: 0,
    indexFilesDeleted: 0,
    dryRun: !!opts.dryRun,
  };
  const oldIndexes = [...repo.indexFiles];
  let planned = 0;
  for await (const pack of eachIndexedPack(repo, oldIndexes, signal)) {
    progress('plan', planned++, repo.packs.length);
    let usedBytes = 0;
    let total = 0;
    for (const b of pack.blobs) {
      total += b.length;
      if (isUsedHere(repo, used, pack.id, b.id, b.offset)) usedBytes += b.length;
    }
    const present = stored.has(packPath(pack.id));
    if (!present && usedBytes > 0) {
      throw new IntegrityError(`Prune refused: pack ${pack.id} holds blobs snapshots use but is missing; run check`, pack.id);
    }
    const action: Action = usedBytes === 0 || !present ? 'delete' : total - usedBytes > threshold * total ? 'repack' : 'keep';
    actions.set(pack.id, action);
  }
  const unindexed: string[] = [];
  const graceMs = opts.unindexedGraceMs ?? DEFAULT_GRACE_MS;
  for (const name of stored.keys()) {
    if (!/^data\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(name) || actions.has(name.slice(8))) continue;
    const modified = await modifiedAt(repo, name);
    if (modified === undefined || Date.now() - modified >= graceMs) unindexed.push(name);
  }
  result.unindexedPacks = unindexed.length;
  for (const a of actions.values()) {
    if (a === 'delete') result.packsDeleted++;
    if (a === 'repack') result.packsRepacked++;
  }
  const changes = result.packsDeleted + result.packsRepacked + unindexed.length > 0;
  if (opts.dryRun || !changes) return finish(result, stored, actions, unindexed);
  aborted();

  // 3. Write new packs and indexes, then delete.
  const writer = new Repacker(repo, signal);
  const newIndexes: string[] = [];
  let batch: IndexedPack[] = [];
  const flushIndex = async () => {
    if (batch.length === 0) return;
    const sealed = encodeIndex(repo.crypto, batch);
    const id = sha256Hex(sealed);
    await repo.storage.write(`index/${id}`, sealed);
    newIndexes.push(id);
    batch = [];
  };
  writer.onPack = async (p) => {
    batch.push(p);
    if (batch.length >= PACKS_PER_INDEX) await flushIndex();
  };
  let repacked = 0;
  for await (const pack of eachIndexedPack(repo, oldIndexes, signal)) {
    const action = actions.get(pack.id);
    if (action === 'keep') await writer.onPack(pack);
    else if (action === 'repack') {
      progress('repack', repacked++, result.packsRepacked);
      await writer.copyUsed(pack, (id, offset) => isUsedHere(repo, used, pack.id, id, offset));
    }
  }
  await writer.finish();
  await flushIndex();
  result.indexFilesWritten = newIndexes.length;
  progress('repack', repacked, result.packsRepacked);

  // Deletions last: old indexes first (every kept blob is now named by a new one), then packs.
  const newSet = new Set(newIndexes);
  const drop = [...[...actions].filter(([, a]) => a !== 'keep').map(([id]) => packPath(id)), ...unindexed];
  const total = oldIndexes.length + drop.length;
  let done = 0;
  for (const id of oldIndexes) {
    progress('delete', done++, total);
    if (newSet.has(id)) continue;
    await repo.storage.delete(`index/${id}`);
    result.indexFilesDeleted++;
  }
  for (const name of drop) {
    progress('delete', done++, total);
    await repo.storage.delete(name);
  }
  progress('delete', total, total);
  for (const p of writer.written) stored.set(packPath(p.id), p.length);
  result.packsWritten = writer.written.length;
  repo.invalidateIndex();
  return finish(result, stored, actions, unindexed);
}

/** Fills in the "after" figures. A dry run does not count the packs a repack would write. */
function finish(r: PruneResult, stored: Map<string, number>, actions: Map<string, Action>, unindexed: string[]): PruneResult {
  const gone = new Set(unindexed);
  for (const [id, a] of actions) if (a !== 'keep') gone.add(packPath(id));
  r.packsAfter = 0;
  r.bytesAfter = 0;
  for (const [name, size] of stored) {
    if (gone.has(name)) continue;
    r.packsAfter++;
    r.bytesAfter += size;
  }
  return r;
}

/**
 * When an object was last written (a file's mtime, an S3 object's Last-Modified); undefined when it is
 * gone or the storage cannot tell. A failure to ask stops the prune rather than risk a young pack.
 */
async function modifiedAt(repo: RepositoryCore, name: string): Promise<number | undefined> {
  return repo.storage.lastModified?.(name);
}

/** Throws IntegrityError when `id` (referenced by `what`) is in no index. */
function requireIndexed(repo: RepositoryCore, id: Buffer, what: string): void {
  if (!repo.index.has(id)) {
    throw new IntegrityError(`Prune refused: ${what} refers to blob ${id.toString('hex')}, which no index names; run check`, id.toString('hex'));
  }
}

/** True when the blob at `offset` of pack `packId` is used and is the copy the index reads. */
function isUsedHere(repo: RepositoryCore, used: BlobIndex, packId: string, id: Buffer, offset: number): boolean {
  if (!used.has(id)) return false;
  const i = repo.index.find(id);
  if (i < 0) return false;
  const loc = repo.index.get(i);
  return loc.pack === repo.packNumber(packId) && loc.offset === offset;
}

/** Every distinct pack named by `indexes`, re-read from storage one index at a time (indexes are immutable). */
async function* eachIndexedPack(repo: RepositoryCore, indexes: string[], signal?: AbortSignal): AsyncGenerator<IndexedPack> {
  const seen = new Set<string>();
  for (const id of indexes) {
    const name = `index/${id}`;
    const raw = await repo.storage.read(name, signal);
    if (sha256Hex(raw) !== id) throw new IntegrityError(`${name} changed during prune`, name);
    for (const p of parseIndex(repo.crypto, raw, name)) {
      if (seen.has(p.id)) continue;
      seen.add(p.id);
      yield p;
    }
  }
}

/** Copies verified blobs into new packs (one open pack per blob type) and writes them. */
class Repacker {
  private open = new Map<BlobType, PackWriter>();
  readonly written: { id: string; length: number }[] = [];
  onPack: (p: IndexedPack) => Promise<void> = async () => undefined;

  constructor(
    private readonly repo: RepositoryCore,
    private readonly signal?: AbortSignal,
  ) {}

  async copyUsed(pack: IndexedPack, isUsed: (id: Buffer, offset: number) => boolean): Promise<void> {
    const name = packPath(pack.id);
    const data = await this.repo.storage.read(name, this.signal);
    if (sha256Hex(data) !== pack.id) throw new IntegrityError(`${name} does not match its name (damaged); prune refused to copy from it`, name);
    const key = packKey(this.repo.crypto, pack.packType, pack.salt);
    for (const b of pack.blobs) {
      if (!isUsed(b.id, b.offset)) continue;
      const what = `${b.type === BLOB_TREE ? 'tree' : 'data'} blob ${b.id.toString('hex')} in pack ${pack.id}`;
      if (b.offset + b.length > data.length) throw new IntegrityError(`${what} lies beyond the end of the pack`, name);
      const ref = { type: b.type, id: b.id, rawLength: b.rawLength, codec: b.codec };
      const payload = openBlobPayload(this.repo.crypto, key, ref, data.subarray(b.offset, b.offset + b.length), what);
      verifyBlobId(this.repo.crypto, await decompress(b.codec as Codec, payload, b.rawLength, what), b.id, what);
      let w = this.open.get(b.type);
      if (!w) {
        w = new PackWriter(this.repo.crypto, b.type);
        this.open.set(b.type, w);
      }
      // Sealed again under the new pack's own key: the compressed payload is reused as is.
      w.addPayload(ref, payload);
      if (w.length >= this.repo.config.packSize) await this.close(b.type);
    }
  }

  private async close(type: BlobType): Promise<void> {
    const w = this.open.get(type);
    if (!w) return;
    this.open.delete(type);
    const p = w.finish();
    await this.repo.storage.write(packPath(p.id), p.parts, { signal: this.signal });
    const indexed = { id: p.id, salt: p.salt, packType: p.packType, length: p.length, blobs: p.blobs };
    this.written.push({ id: p.id, length: p.length });
    await this.onPack(indexed);
  }

  async finish(): Promise<void> {
    for (const t of [...this.open.keys()]) await this.close(t);
  }
}
