import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Prescan } from './prescan';
import { cleanup, makeRepo, tempDir, text } from './test-helpers';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));

/** A source tree with nested folders, a symlink, an empty file and odd modes and times. */
function makeSource(): string {
  const src = tempDir('coffer-src');
  dirs.push(src);
  for (let d = 0; d < 5; d++) {
    const dir = path.join(src, `d${d}`, `e${d % 2}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(dir, `f${i}.txt`), text(100 + i * 31, d * 100 + i));
  }
  fs.writeFileSync(path.join(src, 'empty'), '');
  fs.symlinkSync('d0/e0/f1.txt', path.join(src, 'link'));
  fs.chmodSync(path.join(src, 'd1', 'e1', 'f2.txt'), 0o600);
  fs.utimesSync(path.join(src, 'd2', 'e0', 'f3.txt'), new Date(-86_400_000), new Date(-86_400_000));
  return src;
}

describe('prescan', () => {
  it('gives a backup the same tree as its own walk, whole or stopped early, and the walk takes what it gathered', async () => {
    const src = makeSource();
    const { dir, repo } = await makeRepo();
    dirs.push(dir);
    const plain = await repo.backup([src], { parent: null });
    const full = new Prescan([src]);
    await full.done;
    const lstats = vi.spyOn(fs, 'lstatSync');
    let withPrescan;
    try {
      // With a parent (the backup above), every entry's stats come from the prescan.
      withPrescan = await repo.backup([src], { prescan: full });
      expect(withPrescan.snapshot.parent).toBe(plain.snapshot.id);
      expect(lstats.mock.calls.length).toBe(0);
    } finally {
      lstats.mockRestore();
    }
    const early = new Prescan([src]);
    early.stop();
    const withEarly = await repo.backup([src], { prescan: early });
    expect(withPrescan.snapshot.tree).toBe(plain.snapshot.tree);
    expect(withEarly.snapshot.tree).toBe(plain.snapshot.tree);
    expect(withPrescan.summary.files).toBe(plain.summary.files);
    // Taken entries are dropped: a second take finds nothing.
    expect(full.takeStats(Buffer.from(path.join(src, 'empty')))).toBeUndefined();

    // Without a parent every file is read anyway: the prescan is dropped and the walk stats entries.
    const unused = new Prescan([src]);
    await unused.done;
    const counted = vi.spyOn(fs, 'lstatSync');
    try {
      const first = await repo.backup([src], { parent: null, prescan: unused });
      expect(first.snapshot.tree).toBe(plain.snapshot.tree);
      expect(counted.mock.calls.length).toBeGreaterThan(150);
    } finally {
      counted.mockRestore();
    }
    expect(unused.takeStats(Buffer.from(path.join(src, 'empty')))).toBeUndefined();
    await repo.close();
  });

  it('leaves entries it could not stat to the walk, which warns about them', async () => {
    const src = makeSource();
    const locked = path.join(src, 'd3');
    fs.chmodSync(locked, 0o000);
    try {
      const scan = new Prescan([src, path.join(src, 'no-such-folder')]);
      await scan.done;
      const { dir, repo } = await makeRepo();
      dirs.push(dir);
      const result = await repo.backup([src], { parent: null, prescan: scan });
      // As root the folder is readable anyway; otherwise its listing fails in the walk, with a warning.
      if (process.getuid?.() !== 0) expect(result.summary.warnings.map((w) => w.path)).toContain(locked);
      expect(result.summary.files).toBeGreaterThan(100);
      await repo.close();
    } finally {
      fs.chmodSync(locked, 0o755);
    }
  });
});
