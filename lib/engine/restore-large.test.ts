/**
 * Files larger than restore's prefetch limit are written by the main thread chunk by chunk, next to
 * the walk, while the file writer creates the small files after them. Every file must come out
 * byte-exact with its mode and time, all-zero chunks as holes, a large file with a damaged blob must
 * fail alone with IntegrityError and leave no temporary file, and the restore must not return before
 * every file is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IntegrityError } from './errors';
import { cleanup, describeTree, makeRepo, pseudoRandom, reopen, tempDir, text } from './test-helpers';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));

describe('restore of large files', () => {
  it('restores large files among many small ones byte-exact, and a damaged large file fails alone', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    const { dir, repo } = await makeRepo('aes-256-gcm');
    dirs.push(dir);
    // First backup: only the file that will be damaged, so the packs it writes hold nothing else of
    // the second snapshot (its tree there is a different one).
    fs.writeFileSync(path.join(src, 'damaged.bin'), pseudoRandom(6 << 20, 1));
    await repo.backup([src], { compression: 'off' });
    const packsBefore = new Set(listPacks(dir));
    fs.mkdirSync(path.join(src, 'sub'));
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(src, `big-${i}.dat`), i % 2 ? text((5 << 20) + i * 77_777, i) : pseudoRandom((5 << 20) + i * 99_991, 10 + i));
    for (let i = 0; i < 150; i++) fs.writeFileSync(path.join(src, i % 2 ? 'sub' : '', `small-${i}.txt`), text(100 + i * 37, 100 + i));
    fs.writeFileSync(path.join(src, 'sub', 'big-last.dat'), pseudoRandom(9 << 20, 99));
    fs.writeFileSync(path.join(src, 'sub', 'sparse.bin'), Buffer.concat([Buffer.alloc(20 << 20), pseudoRandom(5000, 7)]));
    fs.chmodSync(path.join(src, 'big-1.dat'), 0o640);
    fs.utimesSync(path.join(src, 'big-2.dat'), 1_600_000_000, 1_600_000_000);
    const { snapshot } = await repo.backup([src], {});
    await repo.close();
    for (const pack of packsBefore) {
      const file = path.join(dir, pack);
      const bytes = fs.readFileSync(file);
      bytes[Math.floor(bytes.length / 3)]! ^= 0x20;
      fs.writeFileSync(file, bytes);
    }

    const again = await reopen(dir);
    const target = tempDir('coffer-target');
    dirs.push(target);
    const result = await again.restore(snapshot.id, target);
    await again.close();
    const root = path.basename(src);
    expect(result.failures.map((f) => f.path)).toEqual([`${root}/damaged.bin`]);
    expect(result.failures[0]!.error).toBeInstanceOf(IntegrityError);
    const restored = describeTree(path.join(target, root));
    const expected = describeTree(src);
    expected.delete('damaged.bin');
    expect(restored).toEqual(expected);
    // No temporary names left anywhere, and the damaged file does not exist at all.
    const all = fs.readdirSync(target, { recursive: true }).map(String);
    expect(all.filter((name) => name.includes('.coffer-restore-'))).toEqual([]);
    expect(fs.existsSync(path.join(target, root, 'damaged.bin'))).toBe(false);
    expect(result.files).toBe(156);
    // The sparse file's all-zero chunks were not written: it has fewer blocks than its length needs.
    const sparse = fs.statSync(path.join(target, root, 'sub', 'sparse.bin'));
    expect(sparse.size).toBe((20 << 20) + 5000);
    expect(sparse.blocks * 512).toBeLessThan(8 << 20);
  });

  it('restores names that differ only in case or normalisation as separate files where the file system keeps them apart', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    const { dir, repo } = await makeRepo('aes-256-gcm');
    dirs.push(dir);
    // Pairs of each kind: small and small, a large file (written in the lane) and a small one, and
    // one name in NFC and NFD.
    fs.writeFileSync(path.join(src, 'Readme.txt'), text(500, 1));
    fs.writeFileSync(path.join(src, 'README.txt'), text(700, 2));
    fs.writeFileSync(path.join(src, 'Big.bin'), pseudoRandom(5 << 20, 3));
    fs.writeFileSync(path.join(src, 'big.bin'), text(900, 4));
    fs.writeFileSync(path.join(src, 'caf\u00e9.txt'), text(300, 5));
    fs.writeFileSync(path.join(src, 'cafe\u0301.txt'), text(400, 6));
    const { snapshot } = await repo.backup([src], {});
    const target = tempDir('coffer-target');
    dirs.push(target);
    const result = await repo.restore(snapshot.id, target);
    await repo.close();
    expect(result.failures).toEqual([]);
    expect(result.files).toBe(6);
    expect(describeTree(path.join(target, path.basename(src)))).toEqual(describeTree(src));
    // The probes that asked the file system about each pair are gone.
    expect(fs.readdirSync(path.join(target, path.basename(src))).filter((name) => name.includes('.coffer-restore-'))).toEqual([]);
  });
});

/** Data pack files of a local repository, as paths relative to it. */
function listPacks(dir: string): string[] {
  return fs
    .readdirSync(path.join(dir, 'data'), { recursive: true })
    .map((name) => path.join('data', String(name)))
    .filter((name) => fs.statSync(path.join(dir, name)).isFile());
}
