import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobSaver } from './blob-saver';
import { BLOB_DATA, BLOB_TREE } from './crypto';
import { DiskFullError, EngineError, UnsafePathError } from './errors';
import { RepositoryCore } from './repository';
import { cleanup, describeTree, pseudoRandom, tempDir, testBackends, type TestStore } from './test-helpers';
import type { TreeEntry } from './tree';
import { encodeTree } from './tree';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

type Spec = { name: string | Buffer; file?: string; link?: string; dir?: Spec[] };

/** Writes a snapshot whose trees are exactly `spec`, bypassing every check a real backup makes. */
async function craft(store: TestStore, spec: Spec[]): Promise<string> {
  const core = await RepositoryCore.open(store.storage, {});
  await core.loadIndex();
  const saver = new BlobSaver(core, 'off');
  const base = { mode: 0o644, uid: 0, gid: 0, mtime: 0n, ctime: 0n, size: 0, inode: 1n, dev: 1n, nlink: 1 };
  const tree = (items: Spec[]): Buffer => {
    const entries: TreeEntry[] = items.map((s) => {
      const name = Buffer.isBuffer(s.name) ? s.name : Buffer.from(s.name);
      if (s.dir) return { ...base, name, type: 'dir', mode: 0o755, subtree: tree(s.dir) };
      if (s.link !== undefined) return { ...base, name, type: 'symlink', target: Buffer.from(s.link) };
      const data = Buffer.from(s.file ?? '');
      return { ...base, name, type: 'file', size: data.length, content: data.length ? [{ id: saver.add(BLOB_DATA, data).id, length: data.length }] : [] };
    });
    // In the given order, duplicates kept: a hostile writer does not follow the rules.
    const json = { v: 1, entries: entries.map((e) => (JSON.parse(encodeTree([e]).toString()) as { entries: unknown[] }).entries[0]) };
    return saver.add(BLOB_TREE, Buffer.from(JSON.stringify(json))).id;
  };
  const root = tree(spec);
  await saver.flush();
  const snap = await core.saveSnapshot({ time: new Date().toISOString(), host: 'h', paths: ['/x'], tags: [], tree: root.toString('hex'), parent: null, summary: { files: 0, dirs: 0, bytesRead: 0, bytesAdded: 0, durationMs: 0, warnings: 0 } });
  return snap.id;
}

function setup() {
  const outer = tempDir('coffer-outer');
  dirs.push(outer);
  const target = path.join(outer, 'target');
  fs.mkdirSync(target);
  const victim = path.join(outer, 'victim');
  fs.mkdirSync(victim);
  fs.writeFileSync(path.join(victim, 'passwd'), 'sentinel');
  fs.writeFileSync(path.join(outer, 'x'), 'sentinel');
  const before = describeTree(outer);
  return { outer, target, victim, unchangedOutside: () => {
    const now = describeTree(outer);
    for (const [k, v] of before) if (!k.startsWith('target')) expect(now.get(k)).toBe(v);
    for (const k of now.keys()) if (!k.startsWith('target')) expect(before.has(k)).toBe(true);
  } };
}

for (const backend of testBackends()) describe(`restore safety (${backend.kind})`, () => {
  it('refuses hostile names and never writes outside the target', async () => {
    const { store, repo } = await backend.makeRepo();
    const hostile: (string | Buffer)[] = ['..', '.', '', '../x', '/etc/x', 'a/../../x', Buffer.from('nul\0x')];
    for (const name of hostile) {
      const { target, unchangedOutside } = setup();
      const id = await craft(store, [{ name: 'ok', file: 'fine' }, { name: 'sub', dir: [{ name, file: 'pwned' }] }]);
      const res = await repo.restore(id, target);
      expect(res.failures.map((f) => f.path)).toEqual(['sub']);
      expect(res.failures[0]!.error).toBeInstanceOf(UnsafePathError);
      expect(fs.readFileSync(path.join(target, 'ok'), 'utf8')).toBe('fine');
      unchangedOutside();
      const top = await craft(store, [{ name, file: 'pwned' }]);
      await expect(repo.restore(top, target)).rejects.toBeInstanceOf(UnsafePathError);
      unchangedOutside();
    }
  });

  it('refuses a symlink followed by a directory of the same name', async () => {
    const { store, repo } = await backend.makeRepo();
    const { target, victim, unchangedOutside } = setup();
    const same = await craft(store, [{ name: 'evil', link: victim }, { name: 'evil', dir: [{ name: 'passwd', file: 'pwned' }] }]);
    await expect(repo.restore(same, target)).rejects.toBeInstanceOf(EngineError);
    unchangedOutside();
    // In two steps: a first restore plants the link, a second one must not write through it.
    const first = await craft(store, [{ name: 'evil', link: victim }]);
    const second = await craft(store, [{ name: 'evil', dir: [{ name: 'passwd', file: 'pwned' }] }]);
    await repo.restore(first, target);
    expect(fs.lstatSync(path.join(target, 'evil')).isSymbolicLink()).toBe(true);
    for (const overwrite of ['skip', 'overwrite', 'keep-both'] as const) {
      const res = await repo.restore(second, target, { overwrite });
      expect(res.failures.map((f) => [f.path, f.error.constructor])).toEqual([['evil', UnsafePathError]]);
      unchangedOutside();
    }
  });

  it('replaces a planted symlink instead of writing through it, per overwrite policy', async () => {
    const { store, repo } = await backend.makeRepo();
    const { target, victim, unchangedOutside } = setup();
    const id = await craft(store, [{ name: 'passwd', file: 'restored' }]);
    fs.symlinkSync(path.join(victim, 'passwd'), path.join(target, 'passwd'));
    let res = await repo.restore(id, target, { overwrite: 'skip' });
    expect(res.skipped).toEqual([{ path: 'passwd', reason: 'exists' }]);
    res = await repo.restore(id, target, { overwrite: 'keep-both' });
    expect(fs.readFileSync(path.join(target, 'passwd.restored-1'), 'utf8')).toBe('restored');
    expect(fs.lstatSync(path.join(target, 'passwd')).isSymbolicLink()).toBe(true);
    res = await repo.restore(id, target, { overwrite: 'overwrite' });
    expect(res.failures).toEqual([]);
    expect(fs.lstatSync(path.join(target, 'passwd')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(target, 'passwd'), 'utf8')).toBe('restored');
    unchangedOutside();
    expect(fs.readdirSync(target).filter((n) => n.startsWith('.coffer-restore'))).toEqual([]);
  });

  it('fails with "disk full after N files", removes temp files and leaves no truncated file', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(src, `f${String(i).padStart(2, '0')}`), pseudoRandom(100_000, i));
    // Large files too: they are written next to the small ones (restore.ts's lane).
    for (const name of ['big-a', 'big-b']) fs.writeFileSync(path.join(src, name), pseudoRandom(5 << 20, name.length + name.charCodeAt(4)));
    const { repo } = await backend.makeRepo();
    await repo.backup([src]);
    const mnt = tempDir('coffer-tmpfs');
    dirs.push(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    try {
      const err = await repo.restore('latest', mnt).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DiskFullError);
      expect((err as Error).message).toMatch(/disk full after \d+ files/i);
      const restored = path.join(mnt, path.basename(src));
      const names = fs.readdirSync(restored);
      expect(names.filter((n) => n.startsWith('.coffer-restore'))).toEqual([]);
      expect(names.length).toBeLessThan(32);
      for (const n of names) expect(fs.readFileSync(path.join(restored, n)).equals(fs.readFileSync(path.join(src, n)))).toBe(true);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });

  it('restores into a fresh target created through a reopened repository', async () => {
    const { store } = await backend.makeRepo('none');
    const id = await craft(store, [{ name: Buffer.from([0x66, 0xff]), file: 'raw' }]);
    const r = await backend.reopen(store, undefined);
    const out = path.join(tempDir('coffer-out'), 'new');
    dirs.push(path.dirname(out));
    await r.restore(id, out);
    expect(fs.readFileSync(Buffer.from(`${out}/f\xff`, 'latin1'), 'utf8')).toBe('raw');
  });
});
