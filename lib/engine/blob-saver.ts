/**
 * The write side of a backup: deduplicates blobs by id, compresses new ones on the thread pool with a
 * bounded number in flight (small ones in batches through a worker thread, see zstd-batch.ts), seals
 * them into data or tree packs, writes each finished pack atomically and, after the packs it names,
 * an index. Memory is bounded by `inFlight` chunks plus two open packs plus MAX_PACK_WRITES packs
 * being written. Blobs are sealed straight into reused pack buffers (see PackWriter), so the steady
 * state allocates little beyond the compressor's output.
 */
import { DEFAULT_CODEC, toStoredForm, type CompressionMode } from './compress';
import { zstdBindingPath } from './compress-zstd';
import { ZSTD_BATCH_BLOB_MAX, ZstdBatcher } from './zstd-batch';
import { BufferPool } from './buffer-pool';
import { blobId, sealedLength, BLOB_DATA, type BlobType } from './crypto';
import { PENDING_PACK } from './blob-index';
import { encodeIndex, type IndexedPack } from './index-file';
import { PackWriter, packPath, type FinishedPack } from './pack';
import type { RepositoryCore } from './repository';
import { sha256Hex } from './crypto';

/** Writes an index after this many new packs even before the backup ends, so long runs keep progress. */
const INDEX_EVERY_PACKS = 64;
/** Finished packs being written at once (see `busy`). */
const MAX_PACK_WRITES = 2;
/**
 * Small blobs (compressed in batches, see zstd-batch.ts) in flight at once, and their bytes: enough
 * for a few full batches, so the walk rarely waits for one to come back.
 */
const MAX_SMALL_IN_FLIGHT = 256;
const MAX_SMALL_BYTES = 2 * 1024 * 1024;

export class BlobSaver {
  private inFlight = new Set<Promise<void>>();
  /** Of those, small blobs going through the batcher, and their bytes. */
  private smallInFlight = 0;
  private smallBytes = 0;
  /** Compresses small zstd blobs in batches off this thread; null when zstd cannot be used. */
  private readonly batcher: ZstdBatcher | null;
  private writers = new Map<BlobType, { w: PackWriter; n: number }>();
  private writes = new Set<Promise<void>>();
  private written: IndexedPack[] = [];
  private failure: unknown = null;
  /** Stored bytes of new blobs (after compression and encryption). */
  bytesAdded = 0;
  blobsAdded = 0;
  readonly maxInFlight: number;
  private readonly signal: AbortSignal | undefined;
  /**
   * Copies of new blobs, reused once sealed. 6 MiB idle (the pool's default is 16): the batcher's
   * worker costs ~12 MiB, and the first backup's peak stayed under 300 MB with this.
   */
  private pool = new BufferPool(6 * 1024 * 1024);
  /** Pack body buffers not in use; a pack's body returns here once the pack is written. */
  private bodies: Buffer[] = [];
  /**
   * Size of a pack body: the target pack size plus 1 MiB. A blob that does not fit closes the pack
   * early, so packs end between packSize - chunker.max and packSize + 1 MiB.
   */
  private readonly bodySize: number;

  constructor(
    private readonly repo: RepositoryCore,
    private readonly mode: CompressionMode,
    opts: { maxInFlight?: number; signal?: AbortSignal } = {},
  ) {
    this.maxInFlight = opts.maxInFlight ?? 8;
    this.signal = opts.signal;
    this.bodySize = repo.config.packSize + 1024 * 1024;
    const zstdPath = mode === 'zstd' || (mode === 'auto' && DEFAULT_CODEC === 'zstd') ? zstdBindingPath() : null;
    this.batcher = zstdPath ? new ZstdBatcher(zstdPath) : null;
  }

  /**
   * True when the caller should `await room()` before adding more: all compression slots are taken,
   * or two finished packs are still being written. A local pack write ends with an fsync (30-50 ms
   * for 16 MiB here); with one write allowed, the walk stopped for each one and a backup of large
   * incompressible files ran at ~1.2 cores. Two overlap that wait at the cost of one pack buffer.
   */
  get busy(): boolean {
    return (
      this.inFlight.size - this.smallInFlight >= this.maxInFlight ||
      this.smallInFlight >= MAX_SMALL_IN_FLIGHT ||
      this.smallBytes >= MAX_SMALL_BYTES ||
      this.writes.size >= MAX_PACK_WRITES
    );
  }

  /** Waits until a slot frees up; rethrows the first background failure. */
  async room(): Promise<void> {
    // Blobs waiting in a batch not yet sent would never come back.
    this.batcher?.send();
    while (this.busy) {
      await Promise.race([...this.inFlight, ...this.writes]);
      this.rethrow();
    }
    this.rethrow();
  }

  private rethrow(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * Adds a blob. `data` is only read until this call returns or, for a new blob, until `copy` has been
   * made: the saver copies new blob bytes, so callers may reuse their buffer at once. Returns the id
   * and whether the blob was new.
   */
  add(type: BlobType, data: Uint8Array, id = blobId(this.repo.crypto, data)): { id: Buffer; added: boolean } {
    this.rethrow();
    if (this.repo.index.has(id)) return { id, added: false };
    const entry = this.repo.index.add(id, { pack: PENDING_PACK, offset: 0, length: 0, rawLength: data.length, type, codec: 0 });
    const copy = this.pool.take(data.length);
    copy.set(data);
    const small = this.batcher !== null && data.length <= ZSTD_BATCH_BLOB_MAX ? data.length : -1;
    if (small >= 0) {
      this.smallInFlight++;
      this.smallBytes += small;
    }
    const done = () => {
      this.inFlight.delete(task);
      if (small >= 0) {
        this.smallInFlight--;
        this.smallBytes -= small;
      }
    };
    const task = this.store(type, id, copy, entry).then(done, (e: unknown) => {
      done();
      this.failure ??= e;
    });
    this.inFlight.add(task);
    return { id, added: true };
  }

  private async store(type: BlobType, id: Buffer, plain: Buffer, entry: number): Promise<void> {
    const stored = await toStoredForm(this.mode, plain, this.batcher ?? undefined);
    if (this.failure) return;
    const need = sealedLength(this.repo.crypto, stored.data.length);
    let slot = this.writers.get(type);
    if (slot && slot.w.room < need) {
      this.closePack(type);
      slot = undefined;
    }
    if (!slot) {
      // A blob larger than a body (a large chunk with a small packSize, or a huge directory's tree)
      // gets a pack of its own parts.
      const body = need <= this.bodySize ? (this.bodies.pop() ?? Buffer.allocUnsafeSlow(this.bodySize)) : null;
      const w = new PackWriter(this.repo.crypto, type, body);
      const n = this.repo.reservePack({ id: '', salt: w.salt, packType: type, length: 0, key: w.key });
      slot = { w, n };
      this.writers.set(type, slot);
    }
    const b = slot.w.addPayload({ type, id, rawLength: plain.length, codec: stored.codec }, stored.data);
    stored.release?.();
    this.pool.give(plain);
    this.repo.index.set(entry, {
      pack: slot.n,
      offset: b.offset,
      length: b.length,
      rawLength: b.rawLength,
      type,
      codec: this.repo.codecNumber(b.codec),
    });
    this.bytesAdded += b.length;
    this.blobsAdded++;
    if (slot.w.length >= this.repo.config.packSize) this.closePack(type);
  }

  private closePack(type: BlobType): void {
    const slot = this.writers.get(type);
    if (!slot) return;
    this.writers.delete(type);
    const p = slot.w.finish();
    this.repo.namePack(slot.n, p.id);
    this.repo.packs[slot.n]!.length = p.length;
    const body = slot.w.body;
    const write = this.writePack(p).then(
      () => {
        this.writes.delete(write);
        if (body && this.bodies.length < MAX_PACK_WRITES) this.bodies.push(body);
      },
      (e: unknown) => {
        this.writes.delete(write);
        this.failure ??= e;
      },
    );
    this.writes.add(write);
  }

  private async writePack(p: FinishedPack): Promise<void> {
    // With the signal, a cancel also stops an upload in progress (a slow link need not finish it).
    await this.repo.storage.write(packPath(p.id), p.parts, { signal: this.signal });
    this.written.push({ id: p.id, salt: p.salt, packType: p.packType, length: p.length, blobs: p.blobs });
    if (this.written.length >= INDEX_EVERY_PACKS) await this.writeIndex();
  }

  private async writeIndex(): Promise<void> {
    const packs = this.written;
    this.written = [];
    if (packs.length === 0) return;
    const sealed = encodeIndex(this.repo.crypto, packs);
    const id = sha256Hex(sealed);
    await this.repo.storage.write(`index/${id}`, sealed);
    this.repo.indexFiles.add(id);
  }

  private async settle(): Promise<void> {
    this.batcher?.send();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stores everything still in flight, closes the open packs, waits for their writes, then writes an
   * index naming them. After it resolves every blob added is durable and indexed.
   */
  async flush(): Promise<void> {
    await this.settle();
    this.rethrow();
    this.closePack(BLOB_DATA);
    for (const t of [...this.writers.keys()]) this.closePack(t);
    await this.batcher?.close();
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
    this.rethrow();
    await this.writeIndex();
  }

  /**
   * Stops after a cancel or failure: drops blobs not yet in a finished pack, waits for pack writes in
   * progress and indexes the packs that made it, so the repository stays consistent and their data is
   * reused by the next backup.
   */
  async abandon(): Promise<void> {
    await this.settle();
    await this.batcher?.close();
    this.writers.clear();
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
    await this.writeIndex().catch(() => undefined);
  }
}
