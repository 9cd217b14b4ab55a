import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GOLDEN_PASSPHRASE, writeGoldenTree } from './golden';
import { openRepository } from './index';
import { cleanup, describeTree, tempDir, testStorage } from './test-helpers';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

describe('golden repositories', () => {
  for (const name of ['golden-plain', 'golden-encrypted']) {
    it(`${name} still opens, checks and restores byte-exact`, async () => {
      // A copy: opening takes a lock, and the committed files must stay untouched.
      const dir = tempDir('coffer-golden');
      dirs.push(dir);
      fs.cpSync(path.join(import.meta.dirname, 'testdata', name), dir, { recursive: true });
      const snapshotId = fs.readFileSync(path.join(dir, 'SNAPSHOT'), 'utf8').trim();
      const repo = await openRepository(testStorage(dir), { passphrase: GOLDEN_PASSPHRASE });
      const snapshots = await repo.listSnapshots();
      expect(snapshots.map((s) => [s.id, s.host, s.tags])).toEqual([[snapshotId, 'golden-host', ['golden']]]);
      const report = await repo.check({ readData: true });
      expect(report.errors).toEqual([]);
      expect(report.packs).toBe(2);
      const out = tempDir('coffer-golden-out');
      const want = tempDir('coffer-golden-want');
      dirs.push(out, want);
      const res = await repo.restore(snapshotId, out);
      expect(res.failures).toEqual([]);
      writeGoldenTree(want);
      expect(describeTree(path.join(out, 'golden'))).toEqual(describeTree(want));
    });
  }

  it('golden-encrypted refuses a wrong passphrase', async () => {
    const dir = tempDir('coffer-golden');
    dirs.push(dir);
    fs.cpSync(path.join(import.meta.dirname, 'testdata', 'golden-encrypted'), dir, { recursive: true });
    await expect(openRepository(testStorage(dir), { passphrase: 'golden passphrase v2' })).rejects.toThrow(/passphrase/);
  });
});
