import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { initRepository, openRepository } from './index';
import { BLOB_TREE } from './crypto';
import { RepositoryCore } from './repository';
import { LocalStorage } from './storage/local';
import { cleanup, describeTree, pseudoRandom, TEST_CHUNKER, tempDir, testBackends, text } from './test-helpers';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

for (const backend of testBackends()) describe(`dedup and incremental backup (${backend.kind})`, () => {
  it('adds under 1 % for a second backup of unchanged data', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, `f${i}`), pseudoRandom(40_000, i));
    const { repo } = await backend.makeRepo();
    const first = await repo.backup([src]);
    // No parent: every file is read and chunked again, and dedup alone keeps the repository from growing.
    const second = await repo.backup([src], { parent: null });
    expect(second.summary.bytesRead).toBe(first.summary.bytesRead);
    expect(second.summary.bytesAdded).toBeLessThan(first.summary.bytesAdded * 0.01);
  });

  it('adds about one chunk after a 1-byte change in a large file', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    const big = pseudoRandom(200 * TEST_CHUNKER.avg, 42);
    fs.writeFileSync(path.join(src, 'big'), big);
    const { repo } = await backend.makeRepo();
    const first = await repo.backup([src]);
    big[100 * TEST_CHUNKER.avg] = big[100 * TEST_CHUNKER.avg]! ^ 1;
    fs.writeFileSync(path.join(src, 'big'), big);
    const second = await repo.backup([src]);
    // One or two chunks change (the byte may shift a boundary) plus the tree blobs.
    expect(second.summary.bytesAdded).toBeLessThan(3 * TEST_CHUNKER.max);
    expect(second.summary.bytesAdded).toBeLessThan(first.summary.bytesAdded * 0.05);
    expect(second.summary.bytesAdded).toBeGreaterThan(0);
    const out = tempDir('coffer-out');
    dirs.push(out);
    await repo.restore(second.snapshot.id, out);
    expect(fs.readFileSync(path.join(out, path.basename(src), 'big')).equals(big)).toBe(true);
  });

  it('does not open files whose size, mtime, ctime and inode match the parent', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(src, `f${i}`), text(5000, i));
    const { repo } = await backend.makeRepo();
    const first = await repo.backup([src]);
    fs.writeFileSync(path.join(src, 'f3'), text(5001, 99));
    const opens = vi.spyOn(fs, 'openSync');
    try {
      const second = await repo.backup([src]);
      const opened = opens.mock.calls.map((c) => String(c[0]));
      expect(opened).toEqual([path.join(src, 'f3')]);
      expect(second.snapshot.parent).toBe(first.snapshot.id);
      expect(second.summary.bytesRead).toBe(5001);
    } finally {
      opens.mockRestore();
    }
    const out = tempDir('coffer-out');
    dirs.push(out);
    await repo.restore('latest', out);
    expect(describeTree(path.join(out, path.basename(src)))).toEqual(describeTree(src));
  });

  it('reads every file again without a parent', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(src, `f${i}`), text(100, i));
    const { repo } = await backend.makeRepo();
    await repo.backup([src]);
    const opens = vi.spyOn(fs, 'openSync');
    try {
      await repo.backup([src], { parent: null });
      expect(opens.mock.calls.length).toBe(5);
    } finally {
      opens.mockRestore();
    }
  });
});

describe('parent trees during an incremental backup', () => {
  it('loads each of the parent snapshot’s trees once, while the walk loads them ahead of itself', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    // 3 levels of folders under the source, a file in each of the deepest.
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 4; b++)
        for (let c = 0; c < 4; c++) {
          const dir = path.join(src, `a${a}`, `b${b}`, `c${c}`);
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(path.join(dir, 'f'), text(300, a * 100 + b * 10 + c));
        }
    const dir = tempDir('coffer-repo');
    dirs.push(dir);
    const first = await initRepository(new LocalStorage(dir, { durable: false }), { encryption: 'none', chunker: TEST_CHUNKER });
    const before = await first.backup([src]);
    // A fresh handle: no tree is cached.
    const repo = await openRepository(new LocalStorage(dir, { durable: false }), {});
    const reads = vi.spyOn(RepositoryCore.prototype, 'readBlob');
    try {
      const second = await repo.backup([src]);
      expect(second.snapshot.parent).toBe(before.snapshot.id);
      expect(second.snapshot.tree).toBe(before.snapshot.tree);
      expect(second.summary.bytesAdded).toBe(0);
      // Every tree of the parent was read, and none twice (a tree loaded ahead and asked for by the
      // walk before it arrived is shared, not read again).
      const trees = reads.mock.calls.filter((c) => c[1] === BLOB_TREE).map((c) => c[0].toString('hex'));
      expect(new Set(trees).size).toBe(2 + 3 + 12 + 48); // the snapshot root and the source folder too
      expect(trees.length).toBe(new Set(trees).size);
    } finally {
      reads.mockRestore();
    }
  });
});
