/**
 * Restore reads small blobs through a few windows of their pack. When blobs are scattered over many
 * packs (after a prune repacked them, or many small files), window reads in flight must stay bounded,
 * or a restore's memory grows with the number of files it prefetches.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { zstdBinding } from './compress-zstd';
import { IntegrityError } from './errors';
import { initRepository, openRepository } from './index';
import { LocalStorage } from './storage/local';
import type { RangeReader } from './storage/storage';
import { cleanup, describeTree, pseudoRandom, TEST_CHUNKER, tempDir, text } from './test-helpers';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));
/** A temporary folder removed after the test. */
function temp(label: string): string {
  const dir = tempDir(label);
  dirs.push(dir);
  return dir;
}

/**
 * Local storage that passes every range read, its own and its read sessions', through `around`.
 */
abstract class WatchedStorage extends LocalStorage {
  protected abstract around(name: string, offset: number, length: number, into: Buffer | undefined, read: () => Promise<Buffer>): Promise<Buffer>;
  override readRange(name: string, offset: number, length: number, signal?: AbortSignal, into?: Buffer): Promise<Buffer> {
    return this.around(name, offset, length, into, () => super.readRange(name, offset, length, signal, into));
  }
  override openReader(): RangeReader {
    const session = super.openReader();
    return {
      readRange: (name, offset, length, signal, into) => this.around(name, offset, length, into, () => session.readRange(name, offset, length, signal, into)),
      close: () => session.close(),
    };
  }
  /** Whether a read runs to the end of its pack file: a window (an exact blob read ends before the pack's header). */
  protected async isWindow(name: string, offset: number, length: number): Promise<boolean> {
    const size = name.startsWith('data/') ? (await this.stat(name))?.size : undefined;
    return size !== undefined && offset + length === size;
  }
}

/** Records how many windows are read at once. */
class CountingStorage extends WatchedStorage {
  inFlight = 0;
  most = 0;
  windows = 0;
  protected override async around(name: string, offset: number, length: number, into: Buffer | undefined, read: () => Promise<Buffer>) {
    const window = await this.isWindow(name, offset, length);
    if (window) {
      this.windows++;
      this.most = Math.max(this.most, ++this.inFlight);
    }
    try {
      return await read();
    } finally {
      if (window) this.inFlight--;
    }
  }
}

/**
 * A repository where neighbours in the tree live in six different groups of packs, as after a prune
 * has repacked a long history: six backups, each adding every sixth file.
 */
async function scatteredRepo(encryption: 'none' | 'aes-256-gcm'): Promise<{ src: string; dir: string; snapshot: string }> {
  const src = temp('coffer-src');
  const dir = temp('coffer-repo');
  const repo = await initRepository(new LocalStorage(dir, { durable: false }), {
    encryption,
    passphrase: encryption === 'none' ? undefined : PASSPHRASE,
    chunker: TEST_CHUNKER,
    packSize: 64 * 1024,
  });
  let snapshot = '';
  for (let round = 0; round < 6; round++) {
    for (let i = round; i < 300; i += 6) fs.writeFileSync(path.join(src, `f${String(i).padStart(3, '0')}`), text(200 + (i % 50) * 40, i));
    snapshot = (await repo.backup([src], { compression: 'off' })).snapshot.id;
  }
  await repo.close();
  return { src, dir, snapshot };
}

/** Restores `snapshot` through `storage` and checks it is byte-exact. */
async function restoreExactly(storage: LocalStorage, passphrase: string | undefined, snapshot: string, src: string): Promise<void> {
  const again = await openRepository(storage, { passphrase });
  const target = temp('coffer-target');
  const result = await again.restore(snapshot, target);
  await again.close();
  expect(result.failures).toEqual([]);
  expect(describeTree(path.join(target, path.basename(src)))).toEqual(describeTree(src));
}

const PASSPHRASE = 'restore reads';

describe('restore reads', () => {
  it('keeps at most two pack windows in flight while prefetching many small files', async () => {
    const { src, dir, snapshot } = await scatteredRepo('none');
    const storage = new CountingStorage(dir, { durable: false });
    await restoreExactly(storage, undefined, snapshot, src);
    expect(storage.windows).toBeGreaterThan(2);
    expect(storage.most).toBeLessThanOrEqual(2);
  });
});

/** Counts the bytes read from data packs. */
class ByteCountingStorage extends WatchedStorage {
  packBytes = 0;
  protected override async around(name: string, _offset: number, length: number, _into: Buffer | undefined, read: () => Promise<Buffer>) {
    if (name.startsWith('data/')) this.packBytes += length;
    return read();
  }
}

describe('restore reads of large blobs', () => {
  it('serves a large blob from the window read for the small blob before it instead of reading it again', async () => {
    const src = temp('coffer-src');
    const dir = temp('coffer-repo');
    // One chunk per file: a small file's blob, then a 1.2 MiB blob (large: read exactly unless a
    // window covers it), in one pack.
    fs.writeFileSync(path.join(src, 'a-small'), text(3000, 1));
    fs.writeFileSync(path.join(src, 'b-large'), pseudoRandom(1200 * 1024, 2));
    const repo = await initRepository(new LocalStorage(dir, { durable: false }), {
      encryption: 'none',
      chunker: { min: 1280 * 1024, avg: 2048 * 1024, max: 4096 * 1024 },
    });
    const { snapshot } = await repo.backup([src], { compression: 'off' });
    await repo.close();
    const packs = fs.readdirSync(path.join(dir, 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    const packBytes = packs.reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
    expect(packBytes).toBeGreaterThan(1200 * 1024);

    const storage = new ByteCountingStorage(dir, { durable: false });
    await restoreExactly(storage, undefined, snapshot.id, src);
    // The large blob's bytes read once: reading it again would add 1.2 MiB (tree blobs, a few hundred
    // bytes, may be read twice).
    expect(storage.packBytes).toBeGreaterThan(1200 * 1024);
    expect(storage.packBytes).toBeLessThan(packBytes + 64 * 1024);
  });
});

/** Reads finish after random delays (out of order); records the buffers windows are read into. */
class ShuffledStorage extends WatchedStorage {
  windowBuffers: ArrayBufferLike[] = [];
  private seed = 7;
  protected override async around(name: string, offset: number, length: number, into: Buffer | undefined, read: () => Promise<Buffer>) {
    if (into && (await this.isWindow(name, offset, length))) this.windowBuffers.push(into.buffer);
    this.seed = (this.seed * 1103515245 + 12345) % 2 ** 31;
    await new Promise((resolve) => setTimeout(resolve, this.seed % 4));
    return read();
  }
}

describe('restore read windows', () => {
  it('reuses a window\'s memory only once nobody reads it: byte-exact restores with reads finishing out of order', async () => {
    const { src, dir, snapshot } = await scatteredRepo('aes-256-gcm');
    const shuffled = new ShuffledStorage(dir, { durable: false });
    await restoreExactly(shuffled, PASSPHRASE, snapshot, src);
    // Window memory was handed back and read into again.
    expect(new Set(shuffled.windowBuffers).size).toBeLessThan(shuffled.windowBuffers.length);
  });
});

describe('restore of hostile zstd frames', () => {
  it('refuses a frame asking for a 2 TiB window before any decoder sees it, and restores the rest', async () => {
    const src = temp('coffer-src');
    const dir = temp('coffer-repo');
    const repo = await initRepository(new LocalStorage(dir, { durable: false }), { encryption: 'none', chunker: TEST_CHUNKER, packSize: 1 << 20 });
    // Each file is one blob (below the chunker's minimum) and compresses well: stored as zstd.
    fs.writeFileSync(path.join(src, 'a.txt'), text(900, 1));
    fs.writeFileSync(path.join(src, 'b.txt'), text(900, 2));
    const { snapshot } = await repo.backup([src], {});
    await repo.close();
    // In a plain repository blobs are stored as they are: find a.txt's frame in its pack and make its
    // header ask for a 2 TiB window (what a decoder would allocate), keeping every length as it was.
    const dataDir = path.join(dir, 'data');
    const packs = fs.readdirSync(dataDir, { recursive: true }).map(String).filter((f) => /[0-9a-f]{64}$/.test(f)).map((f) => path.join(dataDir, f));
    // Compression is deterministic: the frame the backup stored is the one compressing a.txt gives.
    const frame = await zstdBinding()!.compress(fs.readFileSync(path.join(src, 'a.txt')), 1);
    let hit: { p: string; bytes: Buffer; i: number } | undefined;
    for (const p of packs) {
      const bytes = fs.readFileSync(p);
      const i = bytes.indexOf(frame);
      if (i >= 0) hit = { p, bytes, i };
    }
    expect(hit).toBeDefined();
    const { p, bytes, i } = hit!;
    // Frame header: magic, descriptor byte, then (not single-segment) the window descriptor.
    expect((bytes[i + 4]! >> 5) & 1).toBe(0);
    bytes[i + 5] = 0xf8;
    fs.writeFileSync(p, bytes);

    const again = await openRepository(new LocalStorage(dir, { durable: false }), {});
    const target = temp('coffer-target');
    const result = await again.restore(snapshot.id, target);
    await again.close();
    expect(result.failures.map((f) => f.path)).toEqual([`${path.basename(src)}/a.txt`]);
    expect(result.failures[0]!.error).toBeInstanceOf(IntegrityError);
    // The message of the frame check, not of a decoder that was handed the frame.
    expect(result.failures[0]!.error.message).toMatch(/is not a valid zstd blob \(window of \d+ bytes\)/);
    expect(fs.existsSync(path.join(target, path.basename(src), 'a.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(target, path.basename(src), 'b.txt')).equals(fs.readFileSync(path.join(src, 'b.txt')))).toBe(true);
  });
});
