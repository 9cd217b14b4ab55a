import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { AbortedError, EngineError } from './errors';
import { initRepository, openRepository } from './index';
import type { Storage } from './storage/storage';
import { cleanup, describeTree, makeRepo, pseudoRandom, TEST_CHUNKER, TEST_PACK_SIZE, tempDir, testStorage, text } from './test-helpers';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

function source(files: number, size: number): string {
  const src = tempDir('coffer-src');
  dirs.push(src);
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(src, `f${String(i).padStart(3, '0')}`), pseudoRandom(size, i));
  return src;
}

describe('backup under faults', () => {
  it('skips a file swapped for a symlink between lstat and open, with a warning', async () => {
    const src = source(3, 1000);
    const outside = path.join(tempDir('coffer-outside'), 'secret');
    dirs.push(path.dirname(outside));
    fs.writeFileSync(outside, 'must not be stored');
    const { dir, repo } = await makeRepo();
    dirs.push(dir);
    const real = fs.openSync;
    const spy = vi.spyOn(fs, 'openSync').mockImplementation(((p: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
      if (String(p).endsWith('f001')) {
        fs.rmSync(p);
        fs.symlinkSync(outside, p);
      }
      return real(p, flags ?? 'r', mode);
    }) as typeof fs.openSync);
    try {
      const { summary, snapshot } = await repo.backup([src]);
      expect(summary.warnings.map((w) => path.basename(w.path))).toEqual(['f001']);
      const names = (await repo.ls(snapshot.id, path.basename(src))).map((e) => e.name);
      expect(names).toEqual(['f000', 'f002']);
    } finally {
      spy.mockRestore();
    }
  });

  it('stores what was read of a file that grows while read, with a warning', async () => {
    const src = source(2, 5000);
    const { dir, repo } = await makeRepo();
    dirs.push(dir);
    const real = fs.openSync;
    const spy = vi.spyOn(fs, 'openSync').mockImplementation(((p: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
      const fd = real(p, flags ?? 'r', mode);
      if (String(p).endsWith('f001')) fs.appendFileSync(p, 'more');
      return fd;
    }) as typeof fs.openSync);
    try {
      const { summary } = await repo.backup([src]);
      expect(summary.warnings).toHaveLength(1);
      expect(summary.warnings[0]!.message).toMatch(/changed during backup/);
    } finally {
      spy.mockRestore();
    }
    const out = tempDir('coffer-out');
    dirs.push(out);
    const res = await repo.restore('latest', out);
    expect(res.failures).toEqual([]);
    expect(fs.statSync(path.join(out, path.basename(src), 'f001')).size).toBe(5004);
  });

  it('warns about a file that vanished after the listing', async () => {
    const src = source(3, 100);
    const { dir, repo } = await makeRepo();
    dirs.push(dir);
    const real = fs.lstatSync;
    const spy = vi.spyOn(fs, 'lstatSync').mockImplementation(((p: fs.PathLike, o?: fs.StatSyncOptions) => {
      if (String(p).endsWith('f000')) fs.rmSync(p, { force: true });
      return real(p, o);
    }) as typeof fs.lstatSync);
    try {
      const { summary } = await repo.backup([src]);
      expect(summary.warnings.map((w) => path.basename(w.path))).toEqual(['f000']);
      expect(summary.files).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('stores a large sparse file in a few kilobytes and restores it with holes', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    const fd = fs.openSync(path.join(src, 'sparse'), 'w');
    fs.ftruncateSync(fd, 64 * 1024 * 1024);
    fs.writeSync(fd, Buffer.from('end'), 0, 3, 64 * 1024 * 1024 - 3);
    fs.closeSync(fd);
    const { dir, repo } = await makeRepo();
    dirs.push(dir);
    // Every chunk is a duplicate, so nothing ever waits: the backup must still yield to the event loop.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const { summary } = await repo.backup([src]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);
    expect(summary.bytesAdded).toBeLessThan(64 * 1024);
    const out = tempDir('coffer-out');
    dirs.push(out);
    await repo.restore('latest', out);
    const st = fs.statSync(path.join(out, path.basename(src), 'sparse'));
    expect(st.size).toBe(64 * 1024 * 1024);
    expect(st.blocks * 512).toBeLessThan(1024 * 1024);
  });

  it('walks very deep folders and warns about paths that are too long', async () => {
    const src = tempDir('coffer-src');
    // rm -rf handles trees deeper than PATH_MAX; fs.rmSync does not.
    onTestFinished(() => {
      execFileSync('rm', ['-rf', src]);
    });
    const cwd = process.cwd();
    try {
      process.chdir(src);
      for (let i = 0; i < 1000; i++) {
        fs.mkdirSync('dddddddd');
        process.chdir('dddddddd');
      }
      fs.writeFileSync('deepest', 'x');
    } finally {
      process.chdir(cwd);
    }
    const { dir, repo } = await makeRepo();
    dirs.push(dir);
    const { summary } = await repo.backup([src]);
    expect(summary.dirs).toBeGreaterThan(400);
    expect(summary.warnings.length).toBeGreaterThan(0);
    expect(summary.warnings[0]!.message).toMatch(/ENAMETOOLONG/);
  });

  it('stops at an abort signal, writes no snapshot, and the repository stays consistent', async () => {
    const src = source(60, 40_000);
    const { dir, repo } = await makeRepo();
    dirs.push(dir);
    const ac = new AbortController();
    let calls = 0;
    const err = await repo
      .backup([src], {
        signal: ac.signal,
        onProgress: () => {
          if (++calls === 1) ac.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortedError);
    expect(await repo.listSnapshots()).toEqual([]);
    expect((await repo.check({ readData: true })).ok).toBe(true);
    const { summary } = await repo.backup([src]);
    expect(summary.files).toBe(60);
    const out = tempDir('coffer-out');
    dirs.push(out);
    await repo.restore('latest', out);
    expect(describeTree(path.join(out, path.basename(src)))).toEqual(describeTree(src));
  });

  it('reports progress with the current path and growing counts', async () => {
    const src = source(5, 2000);
    fs.writeFileSync(path.join(src, 'text'), text(200_000, 1));
    const { dir, repo } = await makeRepo();
    dirs.push(dir);
    const seen: { files: number; bytesRead: number; currentPath: string }[] = [];
    const { summary } = await repo.backup([src], { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]!.files).toBe(summary.files);
    expect(seen[seen.length - 1]!.bytesRead).toBe(summary.bytesRead);
  });

  it('writes no snapshot when storage fails, and check still passes', async () => {
    const src = source(30, 20_000);
    const dir = tempDir('coffer-repo');
    dirs.push(dir);
    await initRepository(testStorage(dir), { encryption: 'none', chunker: TEST_CHUNKER, packSize: TEST_PACK_SIZE });
    const inner = testStorage(dir);
    let packWrites = 0;
    const failing: Storage = {
      location: inner.location,
      list: (p, s) => inner.list(p, s),
      read: (n, s) => inner.read(n, s),
      readRange: (n, o, l, s) => inner.readRange(n, o, l, s),
      delete: (n) => inner.delete(n),
      stat: (n) => inner.stat(n),
      write: async (n, d, o) => {
        if (n.startsWith('data/') && ++packWrites > 3) throw new EngineError('storage refused the write (injected)');
        return inner.write(n, d, o);
      },
    };
    const repo = await openRepository(failing);
    await expect(repo.backup([src])).rejects.toThrow(/injected/);
    const clean = await openRepository(testStorage(dir));
    expect(await clean.listSnapshots()).toEqual([]);
    expect((await clean.check({ readData: true })).ok).toBe(true);
    expect((await clean.backup([src])).summary.files).toBe(30);
  });
});
