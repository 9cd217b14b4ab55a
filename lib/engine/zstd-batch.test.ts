import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { zstdBinding, zstdBindingPath, zstdOutputBound } from './compress-zstd';
import { ZSTD_BATCH_BLOB_MAX, ZstdBatcher, type BatchFrame } from './zstd-batch';

const path = zstdBindingPath();
const binding = zstdBinding();

/** Text-like bytes (compressible), seeded so every run sees the same blobs. */
function textBlob(length: number, seed: number): Buffer {
  const words = ['backup', 'restore', 'snapshot', 'coffer', 'pack', 'index', 'tree', 'blob'];
  const out = Buffer.alloc(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; ) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = `${words[x % words.length]} `;
    i += out.write(w, i);
  }
  return out;
}

async function decodes(f: BatchFrame, original: Buffer): Promise<boolean> {
  zstdOutputBound(f.frame, original.length, 'test blob');
  const plain = await binding!.decompress(Buffer.from(f.frame));
  return plain.equals(original);
}

describe('ZstdBatcher', () => {
  let batcher: ZstdBatcher;
  afterEach(async () => batcher?.close());

  it('compresses blobs of every size up to the limit, each to a frame of its own bytes', async () => {
    // The binding is a dependency with prebuilt packages for this platform.
    expect(path).not.toBeNull();
    batcher = new ZstdBatcher(path!);
    const blobs = [1, 2, 63, 64, 4096, 16 * 1024, 100_000, ZSTD_BATCH_BLOB_MAX, ...Array.from({ length: 150 }, (_, i) => 1 + ((i * 7919) % 40_000))].map(
      (n, i) => (i % 3 === 0 ? crypto.randomBytes(n) : textBlob(n, i)),
    );
    const pending = blobs.map((b) => batcher.compress(b));
    batcher.send();
    const frames = await Promise.all(pending);
    for (const [i, f] of frames.entries()) expect(await decodes(f, blobs[i]!), `blob ${i}`).toBe(true);
    // Text compresses: the batch path really compressed, it did not hand the bytes back.
    expect(frames[4]!.frame.length).toBeLessThan(blobs[4]!.length / 2);
  });

  it('copies the input before returning: the caller may reuse its buffer at once', async () => {
    batcher = new ZstdBatcher(path!);
    const buf = textBlob(20_000, 1);
    const original = Buffer.from(buf);
    const pending = batcher.compress(buf);
    buf.fill(0);
    batcher.send();
    expect(await decodes(await pending, original)).toBe(true);
  });

  it('never reuses a frame’s memory before it is released, and reuses it after', async () => {
    batcher = new ZstdBatcher(path!);
    const first = Array.from({ length: 20 }, (_, i) => textBlob(30_000, 100 + i));
    const firstPending = first.map((b) => batcher.compress(b));
    batcher.send();
    const held = await Promise.all(firstPending);
    // Many more batches while the first frames are held: none may land on their memory.
    for (let round = 0; round < 6; round++) {
      const more = Array.from({ length: 40 }, (_, i) => textBlob(25_000, 1000 * round + i));
      const pending = more.map((b) => batcher.compress(b));
      batcher.send();
      for (const f of await Promise.all(pending)) f.release();
    }
    for (const [i, f] of held.entries()) expect(await decodes(f, first[i]!), `held frame ${i}`).toBe(true);
    // Held frames pinned their output buffers; released ones were reused: the rounds above needed
    // only the few buffers of the batches out at once.
    const pinned = batcher.outputsAllocated;
    expect(pinned).toBeLessThan(8);
    for (const f of held) f.release();
    // Released twice is the same as once.
    held[0]!.release();
    for (let round = 0; round < 10; round++) {
      const pending = Array.from({ length: 40 }, (_, i) => batcher.compress(textBlob(25_000, 5000 + 100 * round + i)));
      batcher.send();
      for (const f of await Promise.all(pending)) f.release();
    }
    expect(batcher.outputsAllocated).toBe(pinned);
    // Frames kept unreleased are never overwritten: each round then needs fresh output buffers.
    const kept: BatchFrame[] = [];
    for (let round = 0; round < 4; round++) {
      const pending = Array.from({ length: 40 }, (_, i) => batcher.compress(textBlob(25_000, 9000 + 100 * round + i)));
      batcher.send();
      kept.push(...(await Promise.all(pending)));
    }
    expect(batcher.outputsAllocated).toBeGreaterThan(pinned);
    for (const [k, f] of kept.entries()) expect(await decodes(f, textBlob(25_000, 9000 + 100 * Math.floor(k / 40) + (k % 40)))).toBe(true);
  });

  it('refuses blobs over the limit and fails cleanly once closed', async () => {
    batcher = new ZstdBatcher(path!);
    await expect(batcher.compress(Buffer.alloc(ZSTD_BATCH_BLOB_MAX + 1))).rejects.toThrow(/too large/);
    const f = batcher.compress(textBlob(1000, 3));
    batcher.send();
    expect(await decodes(await f, textBlob(1000, 3))).toBe(true);
    // A blob in a batch not yet sent fails with the close instead of waiting forever.
    const unsent = batcher.compress(textBlob(1000, 5));
    await batcher.close();
    await expect(unsent).rejects.toThrow(/closed/);
    await expect(batcher.compress(textBlob(1000, 4))).rejects.toThrow(/closed/);
  });
});
