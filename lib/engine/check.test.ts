import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, pseudoRandom, tempDir, testBackends } from './test-helpers';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

for (const backend of testBackends()) describe(`check (${backend.kind})`, () => {
  it('names every snapshot a damaged pack affects, including ones sharing unchanged trees', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    fs.mkdirSync(path.join(src, 'deep/er'), { recursive: true });
    fs.writeFileSync(path.join(src, 'deep/er/file'), pseudoRandom(20_000, 1));
    const { store, repo } = await backend.makeRepo();
    const one = await repo.backup([src]);
    fs.writeFileSync(path.join(src, 'other'), 'x');
    const two = await repo.backup([src]);
    expect((await repo.check()).ok).toBe(true);
    // The largest pack holds the 20 kB file's chunks, which both snapshots share.
    const victim = (await store.storage.list('data')).sort((a, b) => b.size - a.size)[0]!;
    await store.storage.delete(victim.name);
    const report = await repo.check();
    expect(report.damagedPacks).toHaveLength(1);
    expect(report.damagedPacks[0]!.snapshots.sort()).toEqual([one.snapshot.id, two.snapshot.id].sort());
    expect(report.damagedPacks[0]!.files.some((f) => f.endsWith('/deep/er/file'))).toBe(true);
  });

  it('reads a percentage of packs with readData', async () => {
    const src = tempDir('coffer-src');
    dirs.push(src);
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(src, `f${i}`), pseudoRandom(60_000, i));
    const { repo } = await backend.makeRepo();
    await repo.backup([src]);
    const all = await repo.check({ readData: true });
    expect(all.packsRead).toBe(all.packs);
    const half = await repo.check({ readData: 50 });
    expect(half.packsRead).toBe(Math.ceil(all.packs / 2));
    expect(half.ok).toBe(true);
    expect((await repo.check()).packsRead).toBe(0);
  });
});
