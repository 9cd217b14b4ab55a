import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Prescan } from './prescan';
import { cleanup, makeRepo, tempDir, text } from './test-helpers';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));

/** A tree of 3 folders × 20 files, a symlink, an empty folder and an excluded folder. */
function makeSource(): string {
  const src = tempDir('coffer-src');
  dirs.push(src);
  for (let d = 0; d < 3; d++) {
    fs.mkdirSync(path.join(src, `d${d}`));
    for (let f = 0; f < 20; f++) fs.writeFileSync(path.join(src, `d${d}`, `f${f}.txt`), text(500 + f * 37, d * 100 + f));
  }
  fs.mkdirSync(path.join(src, 'empty'));
  fs.mkdirSync(path.join(src, 'cache'));
  fs.writeFileSync(path.join(src, 'cache', 'junk'), 'x');
  fs.symlinkSync('d0/f0.txt', path.join(src, 'link'));
  return src;
}

describe('Prescan', () => {
  it('gathers what the backup walks, and a backup using it stores the same tree', async () => {
    const src = makeSource();
    const { dir, repo } = await makeRepo('none');
    dirs.push(dir);
    const plain = await repo.backup([src], { parent: null, excludes: ['cache'] });
    const prescan = Prescan.of([src], { excludes: ['cache'] }).start();
    await prescan.settled();
    // root + 3 folders × (1 + 20 files) + empty + cache (stat only: excluded, not listed) + link
    expect(prescan.gathered).toBe(1 + 3 * 21 + 3);
    const warm = await repo.backup([src], { parent: null, excludes: ['cache'], prescan });
    expect(warm.snapshot.tree).toBe(plain.snapshot.tree);
    // Everything the walk needed came from the prescan.
    expect(prescan.pending).toBe(0);
    await repo.close();
  });

  it('stops at its limit and the backup asks the file system for the rest', async () => {
    const src = makeSource();
    const { dir, repo } = await makeRepo('none');
    dirs.push(dir);
    const plain = await repo.backup([src], { parent: null });
    const prescan = Prescan.of([src], { limit: 10 }).start();
    await prescan.settled();
    expect(prescan.gathered).toBe(10);
    const warm = await repo.backup([src], { parent: null, prescan });
    expect(warm.snapshot.tree).toBe(plain.snapshot.tree);
    expect(prescan.pending).toBe(0);
    await repo.close();
  });

  it('hands over each result once, and a listing error as that error', async () => {
    const src = makeSource();
    const locked = path.join(src, 'd1');
    fs.chmodSync(locked, 0o000);
    try {
      const prescan = Prescan.of([src]).start();
      await prescan.settled();
      const file = Buffer.from(path.join(src, 'd0', 'f0.txt'));
      expect(prescan.stat(file)?.isFile()).toBe(true);
      // Taken once: a second request goes to the file system.
      expect(prescan.stat(file)).toBeUndefined();
      // Root reads any folder; elsewhere the listing failed and the backup gets the same error.
      if (process.getuid?.() !== 0) expect(() => prescan.list(Buffer.from(locked))).toThrow(/EACCES/);
      else expect(prescan.list(Buffer.from(locked))).toHaveLength(20);
    } finally {
      fs.chmodSync(locked, 0o755);
    }
  });

  it('lists nothing outside the allowed roots', async () => {
    const src = makeSource();
    const elsewhere = tempDir('coffer-allowed');
    dirs.push(elsewhere);
    const prescan = Prescan.of([src], { allowedRoots: [elsewhere] }).start();
    await prescan.settled();
    expect(prescan.gathered).toBe(0);
  });
});
