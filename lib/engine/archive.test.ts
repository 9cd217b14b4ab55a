import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { AbortedError, IntegrityError } from './errors';
import { cleanup, describeTree, makeRepo, pseudoRandom, tempDir, text } from './test-helpers';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

async function snapshotOf() {
  const src = tempDir('coffer-src');
  dirs.push(src);
  fs.mkdirSync(path.join(src, 'docs/deep'), { recursive: true });
  fs.writeFileSync(path.join(src, 'docs/a.txt'), text(50_000, 1));
  fs.writeFileSync(path.join(src, 'docs/deep/b.bin'), pseudoRandom(70_000, 2));
  fs.writeFileSync(path.join(src, 'top.txt'), 'top');
  fs.symlinkSync('top.txt', path.join(src, 'link'));
  const { dir, repo } = await makeRepo('aes-256-gcm');
  dirs.push(dir);
  await repo.backup([src]);
  return { src, dir, repo, base: path.basename(src) };
}

describe('restoreToArchive', () => {
  it('streams zip and tar.gz that unpack to the snapshot content', async () => {
    const { src, repo, base } = await snapshotOf();
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
    const { repo, base } = await snapshotOf();
    const work = tempDir('coffer-arch');
    dirs.push(work);
    const file = path.join(work, 'out.tar.gz');
    await repo.restoreToArchive('latest', [`${base}/docs/deep`], 'tar.gz', fs.createWriteStream(file));
    const names = execFileSync('tar', ['-tzf', file]).toString().trim().split('\n').sort();
    expect(names).toEqual([`${base}/`, `${base}/docs/`, `${base}/docs/deep/`, `${base}/docs/deep/b.bin`]);
  });

  it('settles with AbortedError when cancelled mid-stream, and releases its lock', async () => {
    const { dir, repo } = await snapshotOf();
    const ac = new AbortController();
    const out = new PassThrough();
    const pending = repo.restoreToArchive('latest', [], 'tar.gz', out, { signal: ac.signal });
    await new Promise((r) => out.once('data', r));
    ac.abort();
    out.destroy();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
    expect(fs.readdirSync(path.join(dir, 'locks'))).toEqual([]);
  });

  it('stops when cancelled and fails on a damaged blob', async () => {
    const { dir, repo } = await snapshotOf();
    const ac = new AbortController();
    const sink = new PassThrough();
    sink.resume();
    ac.abort();
    await expect(repo.restoreToArchive('latest', [], 'zip', sink, { signal: ac.signal })).rejects.toBeInstanceOf(AbortedError);
    for (const sub of fs.readdirSync(path.join(dir, 'data'))) {
      for (const pack of fs.readdirSync(path.join(dir, 'data', sub))) {
        const p = path.join(dir, 'data', sub, pack);
        const b = fs.readFileSync(p);
        b[20] = b[20]! ^ 1;
        fs.writeFileSync(p, b);
      }
    }
    const out = new PassThrough();
    out.resume();
    await expect(repo.restoreToArchive('latest', [], 'zip', out)).rejects.toBeInstanceOf(IntegrityError);
  });
});
