import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, describeTree, pseudoRandom, tempDir, testBackends, text, type TestStore } from './test-helpers';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));

function writeFiles(dir: string, files: Record<string, Buffer>): void {
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [name, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), data);
  }
}

const packCount = async (store: TestStore) => (await store.keys('data')).length;

for (const backend of testBackends()) describe(`prune (${backend.kind})`, () => {
  it.each(['none', 'aes-256-gcm'] as const)('removes unreferenced data and repacks partly used packs (%s)', async (enc) => {
    const { store, repo } = await backend.makeRepo(enc);
    const src = tempDir('coffer-src');
    const out = tempDir('coffer-out');
    dirs.push(src, out);
    const shared = pseudoRandom(150_000, 1);
    writeFiles(src, { 'a.bin': Buffer.concat([shared, pseudoRandom(200_000, 2)]), 't.txt': text(50_000, 3) });
    await repo.backup([src]);
    writeFiles(src, { 'a.bin': Buffer.concat([shared, pseudoRandom(200_000, 4)]), 'u.txt': text(40_000, 5) });
    const second = await repo.backup([src]);
    const expected = describeTree(src);
    const before = await packCount(store);
    const f = await repo.forget({ keepLast: 1 });
    expect(f.removed).toHaveLength(1);
    const r = await repo.prune({ repackThreshold: 0.1 });
    expect(r.packsDeleted + r.packsRepacked).toBeGreaterThan(0);
    expect(await packCount(store)).toBeLessThan(before);
    expect(r.packsAfter).toBe(await packCount(store));
    const again = await backend.reopen(store);
    const res = await again.restore(second.snapshot.id, out);
    expect(res.failures).toEqual([]);
    expect(describeTree(path.join(out, path.basename(src)))).toEqual(expected);
    const check = await again.check({ readData: true });
    expect(check.errors).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.unreferencedPacks).toEqual([]);
    const r2 = await again.prune({ repackThreshold: 0.1 });
    expect(r2.packsDeleted + r2.packsRepacked + r2.unindexedPacks).toBe(0);
  }, 120_000);
});
