/**
 * Blobs are sealed straight into reused pack buffers (PackWriter bodies). These cases stress the
 * edges of that: a tree blob larger than a body, and chunks that do not fit the rest of a body.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, describeTree, makeRepo, pseudoRandom, reopen, tempDir } from './test-helpers';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));

describe('pack bodies', () => {
  it('stores a directory whose tree blob is larger than a pack buffer, and restores it', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    const big = path.join(src, 'many');
    fs.mkdirSync(big);
    // 12k entries with long names: the tree blob is well over packSize (64 KiB) + 1 MiB uncompressed.
    for (let i = 0; i < 12_000; i++) fs.writeFileSync(path.join(big, `${String(i).padStart(6, '0')}-${'n'.repeat(90)}`), '');
    fs.writeFileSync(path.join(src, 'data.bin'), pseudoRandom(300_000, 7));
    const { dir, repo } = await makeRepo('aes-256-gcm');
    dirs.push(dir);
    const { snapshot } = await repo.backup([src], { compression: 'off' });
    await repo.close();
    const again = await reopen(dir);
    const report = await again.check({ readData: true });
    expect(report.ok).toBe(true);
    const target = tempDir('coffer-target');
    dirs.push(target);
    const result = await again.restore(snapshot.id, target);
    expect(result.failures).toEqual([]);
    expect(describeTree(path.join(target, path.basename(src)))).toEqual(describeTree(src));
    await again.close();
  }, 120_000);

  it('closes a pack early when a chunk does not fit the rest of its buffer, keeping every blob readable', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    // Small files (one chunk each, filling a pack slowly) between large random ones whose chunks (up to
    // 2 MiB) cannot fit the rest of a buffer of packSize + 1 MiB.
    for (let i = 0; i < 24; i++) {
      fs.writeFileSync(path.join(src, `a${String(i).padStart(2, '0')}-small`), pseudoRandom(9_000 + i * 611, i));
      fs.writeFileSync(path.join(src, `a${String(i).padStart(2, '0')}-wide`), pseudoRandom(1_200_000 + i * 7_919, 100 + i));
    }
    const packSize = 64 * 1024;
    const { dir, repo } = await makeRepo('none', { packSize, chunker: { min: 512 * 1024, avg: 1024 * 1024, max: 2 * 1024 * 1024 } });
    dirs.push(dir);
    const { snapshot } = await repo.backup([src], {});
    // A flush leaves at most one short data pack and one tree pack; more short ones were closed early.
    const short = fs
      .readdirSync(path.join(dir, 'data'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && fs.statSync(path.join(e.parentPath, e.name)).size < packSize);
    expect(short.length).toBeGreaterThan(2);
    const report = await repo.check({ readData: true });
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    const target = tempDir('coffer-target');
    dirs.push(target);
    await repo.restore(snapshot.id, target);
    expect(describeTree(path.join(target, path.basename(src)))).toEqual(describeTree(src));
    await repo.close();
  }, 60_000);
});
