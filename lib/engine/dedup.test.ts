import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
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
