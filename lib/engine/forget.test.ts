import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RepositoryCore } from './repository';
import { cleanup, tempDir, testBackends, type TestBackend } from './test-helpers';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));

/** A plain repository with one real backup and copies of its snapshot at the given times and hosts. */
async function repoWithSnapshots(backend: TestBackend, times: { time: string; host?: string; tags?: string[] }[]) {
  const { store, repo } = await backend.makeRepo('none');
  const src = tempDir('coffer-src');
  dirs.push(src);
  fs.writeFileSync(path.join(src, 'f.txt'), 'content\n');
  const { snapshot } = await repo.backup([src]);
  const core = await RepositoryCore.open(store.storage, {});
  const ids = new Map<string, string>();
  for (const t of times) {
    const s = await core.saveSnapshot({ ...snapshot, time: t.time, host: t.host ?? snapshot.host, tags: t.tags ?? [] });
    ids.set(t.time, s.id);
  }
  await store.storage.delete(`snapshots/${snapshot.id}`);
  return { store, repo, ids };
}

const days = (n: number) => Array.from({ length: n }, (_, i) => ({ time: `2026-01-${String(i + 1).padStart(2, '0')}T12:00:00.000Z` }));

for (const backend of testBackends()) describe(`forget (${backend.kind})`, () => {
  it('keeps the newest snapshot of each of the last N days and deletes the rest', async () => {
    const times = [...days(5), { time: '2026-01-05T18:00:00.000Z' }];
    const { store, repo, ids } = await repoWithSnapshots(backend, times);
    const r = await repo.forget({ keepDaily: 3 }, { timeZone: 'UTC' });
    const keptTimes = r.keep.map((k) => k.snapshot.time);
    expect(keptTimes).toEqual(['2026-01-05T18:00:00.000Z', '2026-01-04T12:00:00.000Z', '2026-01-03T12:00:00.000Z']);
    expect(r.keep[0]!.reasons).toEqual(['daily snapshot']);
    expect(r.removed.sort()).toEqual(
      ['2026-01-01T12:00:00.000Z', '2026-01-02T12:00:00.000Z', '2026-01-05T12:00:00.000Z'].map((t) => ids.get(t)!).sort(),
    );
    const left = (await (await backend.reopen(store)).listSnapshots()).map((s) => s.time);
    expect(left).toEqual(['2026-01-03T12:00:00.000Z', '2026-01-04T12:00:00.000Z', '2026-01-05T18:00:00.000Z']);
  });

  it('deletes nothing in a dry run but reports what would go', async () => {
    const { store, repo } = await repoWithSnapshots(backend, days(4));
    const r = await repo.forget({ keepLast: 1 }, { dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.forget).toHaveLength(3);
    expect(r.removed).toEqual([]);
    expect(await (await backend.reopen(store)).listSnapshots()).toHaveLength(4);
  });

  it('applies the policy per host when grouping, and only to the chosen host when filtering', async () => {
    const { repo } = await repoWithSnapshots(backend, [
      { time: '2026-02-01T00:00:00.000Z', host: 'a' },
      { time: '2026-02-02T00:00:00.000Z', host: 'a' },
      { time: '2026-02-03T00:00:00.000Z', host: 'b' },
      { time: '2026-02-04T00:00:00.000Z', host: 'b' },
    ]);
    const grouped = await repo.forget({ keepLast: 1 }, { dryRun: true, groupBy: ['host'] });
    expect(grouped.keep.map((k) => k.snapshot.time).sort()).toEqual(['2026-02-02T00:00:00.000Z', '2026-02-04T00:00:00.000Z']);
    expect(grouped.keep.map((k) => k.group).sort()).toEqual(['host=a', 'host=b']);
    const onlyA = await repo.forget({ keepLast: 1 }, { host: 'a' });
    expect(onlyA.removed).toHaveLength(1);
    expect((await repo.listSnapshots()).map((s) => s.host)).toEqual(['a', 'b', 'b']);
  });

  it('keeps tagged snapshots with keepTags and refuses an empty or invalid policy', async () => {
    const { repo } = await repoWithSnapshots(backend, [
      { time: '2026-03-01T00:00:00.000Z', tags: ['monthly'] },
      { time: '2026-03-02T00:00:00.000Z' },
      { time: '2026-03-03T00:00:00.000Z' },
    ]);
    await expect(repo.forget({})).rejects.toThrow(/keeps everything/);
    await expect(repo.forget({ keepLast: 1.5 })).rejects.toThrow(/Invalid retention policy/);
    const r = await repo.forget({ keepLast: 1, keepTags: ['monthly'] });
    expect(r.keep.map((k) => k.snapshot.time)).toEqual(['2026-03-03T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
    expect(r.removed).toHaveLength(1);
  });
});
