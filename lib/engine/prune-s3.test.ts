import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initRepository } from './index';
import { startProxy, startS3Server, testS3Storage, type ProxyControl, type TestS3Server } from './storage/s3-test-server';
import { cleanup, describeTree, pseudoRandom, tempDir, TEST_CHUNKER, TEST_PACK_SIZE, text } from './test-helpers';

let s3: TestS3Server;
let proxy: ProxyControl;
const dirs: string[] = [];

beforeAll(async () => {
  s3 = await startS3Server();
  proxy = await startProxy(s3.endpoint, { conditional: true });
});
afterAll(async () => {
  await proxy?.close();
  await s3?.close();
  cleanup(...dirs);
});

describe('prune on S3 storage', { timeout: 180_000 }, () => {
  it('forgets, prunes and repacks through the S3 API, after which the kept snapshot restores and checks clean', async () => {
    const storage = testS3Storage(proxy.endpoint);
    try {
      const repo = await initRepository(storage, { encryption: 'none', chunker: TEST_CHUNKER, packSize: TEST_PACK_SIZE });
      const src = tempDir('coffer-src');
      const out = tempDir('coffer-out');
      dirs.push(src, out);
      const shared = pseudoRandom(120_000, 11);
      fs.writeFileSync(path.join(src, 'a.bin'), Buffer.concat([shared, pseudoRandom(150_000, 12)]));
      fs.writeFileSync(path.join(src, 't.txt'), text(30_000, 13));
      await repo.backup([src]);
      fs.writeFileSync(path.join(src, 'a.bin'), Buffer.concat([shared, pseudoRandom(150_000, 14)]));
      const kept = await repo.backup([src]);
      const expected = describeTree(src);
      const f = await repo.forget({ keepLast: 1 }, { prune: { repackThreshold: 0.1 } });
      expect(f.removed).toHaveLength(1);
      expect(f.prune!.packsDeleted + f.prune!.packsRepacked).toBeGreaterThan(0);
      expect((await storage.list('data')).length).toBe(f.prune!.packsAfter);
      const r = await repo.restore(kept.snapshot.id, out);
      expect(r.failures).toEqual([]);
      expect(describeTree(path.join(out, path.basename(src)))).toEqual(expected);
      const check = await repo.check({ readData: true });
      expect(check.errors).toEqual([]);
      expect(check.ok).toBe(true);
      const again = await repo.prune({ repackThreshold: 0.1 });
      expect(again.packsDeleted + again.packsRepacked + again.unindexedPacks).toBe(0);
    } finally {
      storage.destroy();
    }
  });
});
