import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, describeTree, pseudoRandom, TEST_CHUNKER, tempDir, testBackends, text } from './test-helpers';

const { min, avg, max } = TEST_CHUNKER;
const SIZES = [0, 1, min - 1, min, avg, max, max + 1, 3 * max, 3 * max + 7];

function buildSource(root: string): void {
  fs.mkdirSync(path.join(root, 'sizes'), { recursive: true });
  for (const n of SIZES) {
    fs.writeFileSync(path.join(root, 'sizes', `random-${n}`), pseudoRandom(n, n));
    fs.writeFileSync(path.join(root, 'sizes', `text-${n}`), text(n, n));
  }
  fs.mkdirSync(path.join(root, 'empty-dir'));
  fs.mkdirSync(path.join(root, 'deep/a/b/c/d/e'), { recursive: true });
  fs.writeFileSync(path.join(root, 'deep/a/b/c/d/e/leaf.txt'), 'leaf\n');
  fs.writeFileSync(path.join(root, 'mode-700'), 'secret');
  fs.chmodSync(path.join(root, 'mode-700'), 0o700);
  fs.writeFileSync(path.join(root, 'zeros'), Buffer.alloc(5 * max));
  fs.symlinkSync('sizes/text-1', path.join(root, 'link-relative'));
  fs.symlinkSync('/nonexistent/target', path.join(root, 'link-dangling'));
  fs.writeFileSync(path.join(root, 'hard-a'), text(3000, 7));
  fs.linkSync(path.join(root, 'hard-a'), path.join(root, 'hard-b'));
  execFileSync('mkfifo', [path.join(root, 'fifo')]);
  // A name that is not valid UTF-8, and one with a newline.
  fs.writeFileSync(Buffer.from(path.join(root, 'bad-\xff-name'), 'latin1'), 'bytes');
  fs.writeFileSync(path.join(root, 'new\nline'), 'nl');
  fs.utimesSync(path.join(root, 'sizes', 'text-1'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
}

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

for (const backend of testBackends()) describe(`round trip (${backend.kind})`, () => {
  for (const encryption of ['none', 'aes-256-gcm'] as const) {
    it(`restores every entry kind at chunk boundaries byte-exact (${encryption})`, async () => {
      const src = tempDir('coffer-src');
      const out = tempDir('coffer-out');
      dirs.push(src, out);
      buildSource(src);
      const { repo } = await backend.makeRepo(encryption);
      const { snapshot, summary } = await repo.backup([src]);
      expect(summary.warnings).toEqual([]);
      expect(summary.files).toBeGreaterThan(20);
      const res = await repo.restore(snapshot.id, out);
      expect(res.failures).toEqual([]);
      expect(res.skipped.map((s) => s.path)).toEqual([`${path.basename(src)}/fifo`]);
      const want = describeTree(src);
      want.delete('fifo');
      expect(describeTree(path.join(out, path.basename(src)))).toEqual(want);
      // Hard links come back as links to one file; zero runs come back as holes.
      const a = fs.statSync(path.join(out, path.basename(src), 'hard-a'));
      expect(fs.statSync(path.join(out, path.basename(src), 'hard-b')).ino).toBe(a.ino);
      expect(fs.statSync(path.join(out, path.basename(src), 'zeros')).blocks * 512).toBeLessThan(5 * max);
      expect((await repo.check({ readData: true })).ok).toBe(true);
    });
  }

  it('restores modification times to the microsecond, also on millisecond boundaries', async () => {
    const src = tempDir('coffer-src');
    const out = tempDir('coffer-out');
    dirs.push(src, out);
    // Seconds as doubles round these down across the boundary (…853.501 is …853.50099992 as a double).
    const times = ['1795984853.501000000', '1795984853.501000400', '1000000000.999999999', '1795984853.000000000', '1700000000.123456789'];
    const entries = ['small', 'large', 'dir', 'link', 'dir/inner'];
    fs.mkdirSync(path.join(src, 'dir'));
    fs.writeFileSync(path.join(src, 'small'), 'small file');
    fs.writeFileSync(path.join(src, 'large'), pseudoRandom(3 * max + 7, 9));
    fs.writeFileSync(path.join(src, 'dir/inner'), 'inner');
    fs.symlinkSync('small', path.join(src, 'link'));
    // Deepest first, so setting a file's time does not change its folder's afterwards.
    for (const [i, name] of [...entries.entries()].reverse()) execFileSync('touch', ['-h', '-d', `@${times[i]}`, path.join(src, name)]);
    const { repo } = await backend.makeRepo('aes-256-gcm');
    const { snapshot } = await repo.backup([src]);
    expect((await repo.restore(snapshot.id, out)).failures).toEqual([]);
    const mtime = (root: string, name: string) => fs.lstatSync(path.join(root, name), { bigint: true }).mtimeNs;
    const micros = (root: string) => entries.map((name) => `${name} ${mtime(root, name) / 1000n}`);
    expect(micros(path.join(out, path.basename(src)))).toEqual(micros(src));
    // Before 1970 too (Node's utimes calls would put the current time for a negative number).
    fs.writeFileSync(path.join(src, 'old'), 'old');
    execFileSync('touch', ['-d', '@-86400.0000015', path.join(src, 'old')]);
    const second = await repo.backup([src]);
    const again = tempDir('coffer-out');
    dirs.push(again);
    expect((await repo.restore(second.snapshot.id, again, { include: [`${path.basename(src)}/old`] })).failures).toEqual([]);
    const restored = mtime(path.join(again, path.basename(src)), 'old');
    expect(restored - mtime(src, 'old')).toBeGreaterThanOrEqual(-2000n);
    expect(restored - mtime(src, 'old')).toBeLessThanOrEqual(2000n);
  });

  it('lists a directory of a snapshot with byte-exact names', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    buildSource(src);
    const { repo } = await backend.makeRepo();
    await repo.backup([src]);
    const list = await repo.ls('latest', path.basename(src));
    const names = list.map((e) => e.nameBytes.toString('latin1'));
    expect(names).toContain('bad-\xff-name');
    expect(list.find((e) => e.name === 'link-relative')).toMatchObject({ type: 'symlink', target: 'sizes/text-1' });
    expect(list.find((e) => e.name === 'fifo')?.type).toBe('fifo');
    const file = await repo.ls('latest', `${path.basename(src)}/sizes/text-1`);
    expect(file).toHaveLength(1);
    expect(file[0]!.mtime.toISOString()).toBe('2001-02-03T04:05:06.000Z');
    await expect(repo.ls('latest', 'missing')).rejects.toThrow(/does not exist/);
  });

  it('restores only the included paths', async () => {
    const src = tempDir('coffer-src');
    const out = tempDir('coffer-out');
    dirs.push(src, out);
    buildSource(src);
    const { repo } = await backend.makeRepo();
    await repo.backup([src]);
    const base = path.basename(src);
    const res = await repo.restore('latest', out, { include: [`${base}/deep/a/b`, `/${base}/mode-700`] });
    expect(res.failures).toEqual([]);
    expect(describeTree(out).size).toBe(9);
    expect(fs.readFileSync(path.join(out, base, 'deep/a/b/c/d/e/leaf.txt'), 'utf8')).toBe('leaf\n');
    expect(fs.existsSync(path.join(out, base, 'sizes'))).toBe(false);
  });

  it('backs up several sources and single files, and applies excludes', async () => {
    const src = tempDir('coffer-src');
    const out = tempDir('coffer-out');
    dirs.push(src, out);
    fs.mkdirSync(path.join(src, 'one/cache'), { recursive: true });
    fs.writeFileSync(path.join(src, 'one/keep.txt'), 'keep');
    fs.writeFileSync(path.join(src, 'one/skip.tmp'), 'skip');
    fs.writeFileSync(path.join(src, 'one/cache/x'), 'x');
    fs.writeFileSync(path.join(src, 'single.txt'), 'single');
    const { repo } = await backend.makeRepo();
    await repo.backup([path.join(src, 'one'), path.join(src, 'single.txt')], { excludes: ['*.tmp', `${src}/one/cache`] });
    await repo.restore('latest', out);
    expect([...describeTree(out).keys()].sort()).toEqual(['one', 'one/keep.txt', 'single.txt']);
    await expect(repo.backup([path.join(src, 'one'), path.join(src, 'one')])).rejects.toThrow(/share the name/);
  });
});
