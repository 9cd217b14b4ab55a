import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { AbortedError, IntegrityError } from './errors';
import { cleanup, describeTree, pseudoRandom, tempDir, testBackends, text, type TestBackend } from './test-helpers';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

async function snapshotOf(backend: TestBackend) {
  const src = tempDir('coffer-src');
  dirs.push(src);
  fs.mkdirSync(path.join(src, 'docs/deep'), { recursive: true });
  fs.writeFileSync(path.join(src, 'docs/a.txt'), text(50_000, 1));
  fs.writeFileSync(path.join(src, 'docs/deep/b.bin'), pseudoRandom(70_000, 2));
  fs.writeFileSync(path.join(src, 'top.txt'), 'top');
  fs.symlinkSync('top.txt', path.join(src, 'link'));
  const { store, repo } = await backend.makeRepo('aes-256-gcm');
  await repo.backup([src]);
  return { src, store, repo, base: path.basename(src) };
}

for (const backend of testBackends()) describe(`restoreToArchive (${backend.kind})`, () => {
  it('streams zip and tar.gz that unpack to the snapshot content', async () => {
    const { src, repo, base } = await snapshotOf(backend);
    for (const format of ['zip', 'tar.gz'] as const) {
      const work = tempDir('coffer-arch');
      dirs.push(work);
      const file = path.join(work, `out.${format}`);
      const result = await repo.restoreToArchive('latest', [], format, fs.createWriteStream(file));
      expect(result.files).toBe(4);
      const unpacked = path.join(work, 'x');
      fs.mkdirSync(unpacked);
      if (format === 'zip') execFileSync('unzip', ['-q', file, '-d', unpacked]);
      else execFileSync('tar', ['-xzf', file, '-C', unpacked]);
      const want = describeTree(src);
      const got = describeTree(path.join(unpacked, base));
      for (const [k, v] of want) {
        if (v.startsWith('file')) expect(got.get(k)?.split(' ').slice(2, 4)).toEqual(v.split(' ').slice(2, 4));
      }
      expect(got.get('link')).toBe('link top.txt');
    }
  });

  it('archives only the requested paths', async () => {
    const { repo, base } = await snapshotOf(backend);
    const work = tempDir('coffer-arch');
    dirs.push(work);
    const file = path.join(work, 'out.tar.gz');
    await repo.restoreToArchive('latest', [`${base}/docs/deep`], 'tar.gz', fs.createWriteStream(file));
    const names = execFileSync('tar', ['-tzf', file]).toString().trim().split('\n').sort();
    expect(names).toEqual([`${base}/`, `${base}/docs/`, `${base}/docs/deep/`, `${base}/docs/deep/b.bin`]);
  });

  it('settles with AbortedError when cancelled mid-stream, and releases its lock', async () => {
    const { store, repo } = await snapshotOf(backend);
    const ac = new AbortController();
    const out = new PassThrough();
    const pending = repo.restoreToArchive('latest', [], 'tar.gz', out, { signal: ac.signal });
    await new Promise((r) => out.once('data', r));
    ac.abort();
    out.destroy();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(await store.keys('locks')).toEqual([]);
  });

  it('stops when cancelled and fails on a damaged blob', async () => {
    const { store, repo } = await snapshotOf(backend);
    const ac = new AbortController();
    const sink = new PassThrough();
    sink.resume();
    ac.abort();
    await expect(repo.restoreToArchive('latest', [], 'zip', sink, { signal: ac.signal })).rejects.toBeInstanceOf(AbortedError);
    for (const pack of await store.keys('data')) {
      await store.edit(pack, (b) => {
        b[20] = b[20]! ^ 1;
      });
    }
    const out = new PassThrough();
    out.resume();
    await expect(repo.restoreToArchive('latest', [], 'zip', out)).rejects.toBeInstanceOf(IntegrityError);
  });
});
