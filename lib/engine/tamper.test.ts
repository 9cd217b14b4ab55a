import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError, IntegrityError } from './errors';
import type { Repository } from './index';
import crypto from 'node:crypto';
import { BLOB_DATA } from './crypto';
import { encodeIndex, parseIndex } from './index-file';
import { RepositoryCore } from './repository';
import { cleanup, describeTree, pseudoRandom, tempDir, TEST_PASSPHRASE, testBackends, text, type TestStore } from './test-helpers';

/** Keys of the packs holding file content (not trees), from the repository's index. */
async function listDataPacks(store: TestStore): Promise<string[]> {
  const core = await RepositoryCore.open(store.storage, { passphrase: TEST_PASSPHRASE });
  await core.loadIndex();
  return core.packs.filter((p) => p.packType === BLOB_DATA).map((p) => `data/${p.id.slice(0, 2)}/${p.id}`).sort();
}

/** Sizes of the objects under `prefix`, by key. */
async function sizes(store: TestStore, prefix: string): Promise<Map<string, number>> {
  return new Map((await store.storage.list(prefix)).map((e) => [e.name, e.size]));
}

const cases = testBackends().flatMap((backend) => (['none', 'aes-256-gcm'] as const).map((encryption) => ({ backend, encryption })));

for (const { backend, encryption } of cases) {
  describe(`tamper detection (${backend.kind}, ${encryption})`, () => {
    let src: string;
    let pristine: TestStore;
    let repo: Repository;
    const dirs: string[] = [];
    let base: string;
    let dataPacks: () => Promise<string[]>;

    beforeAll(async () => {
      src = tempDir('coffer-src');
      base = path.basename(src);
      for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(src, `r${i}`), pseudoRandom(30_000, i));
      fs.mkdirSync(path.join(src, 'sub'));
      for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(src, 'sub', `t${i}`), text(20_000, i));
      const made = await backend.makeRepo(encryption);
      repo = made.repo;
      pristine = made.store;
      await repo.backup([src]);
      dirs.push(src);
      // Copies have the same packs: list them once (opening an encrypted repository derives its key).
      const packs = await listDataPacks(pristine);
      dataPacks = async () => packs;
    });
    afterAll(() => cleanup(...dirs));

    /** A private copy of the repository to damage, opened. */
    async function copy(): Promise<{ store: TestStore; r: Repository }> {
      const store = await backend.copy(pristine);
      return { store, r: await backend.reopen(store) };
    }

    /**
     * Restores and checks that failures are IntegrityErrors among the files the check named (all of them
     * when `all`), and that every other file is intact.
     */
    async function expectPartialRestore(r: Repository, affected: string[], all: boolean) {
      const out = tempDir('coffer-out');
      dirs.push(out);
      const res = await r.restore('latest', out);
      const failed = res.failures.map((f) => f.path).sort();
      expect(failed.length).toBeGreaterThan(0);
      for (const f of res.failures) expect(f.error).toBeInstanceOf(IntegrityError);
      for (const f of failed) expect(affected).toContain(f);
      if (all) expect(failed).toEqual([...new Set(affected)].sort());
      const want = describeTree(src);
      const got = describeTree(path.join(out, base));
      for (const [k, v] of got) {
        if (v.startsWith('file')) expect(v).toBe(want.get(k));
      }
      for (const k of want.keys()) {
        if (want.get(k)!.startsWith('file') && !failed.includes(`${base}/${k}`)) expect(got.get(k)).toBe(want.get(k));
      }
    }

    const filesOf = (report: Awaited<ReturnType<Repository['check']>>) =>
      report.damagedPacks.flatMap((d) => d.files.map((f) => f.slice(f.indexOf(':') + 2)));

    it('names a pack with one flipped byte and the files it holds', async () => {
      const { store, r } = await copy();
      const size = await sizes(store, 'data');
      const victim = (await dataPacks()).sort((a, b) => size.get(b)! - size.get(a)!)[0]!;
      await store.edit(victim, (bytes) => {
        bytes[10] = bytes[10]! ^ 0x40;
      });
      expect((await r.check()).ok).toBe(true);
      const report = await r.check({ readData: true });
      expect(report.ok).toBe(false);
      expect(report.damagedPacks.map((d) => d.pack)).toEqual([path.basename(victim)]);
      expect(report.damagedPacks[0]!.snapshots).toHaveLength(1);
      const files = filesOf(report);
      expect(files.length).toBeGreaterThan(0);
      await expectPartialRestore(r, files, false);
    });

    it('names a truncated pack without reading data', async () => {
      const { store, r } = await copy();
      const victim = (await dataPacks())[0]!;
      await store.edit(victim, (bytes) => bytes.subarray(0, bytes.length - 100));
      const report = await r.check();
      expect(report.damagedPacks.map((d) => d.pack)).toEqual([path.basename(victim)]);
      expect(report.damagedPacks[0]!.reason).toMatch(/bytes/);
    });

    it('names a deleted pack and the files it held', async () => {
      const { store, r } = await copy();
      const victim = (await dataPacks())[1]!;
      await store.storage.delete(victim);
      const report = await r.check();
      expect(report.damagedPacks.map((d) => d.pack)).toEqual([path.basename(victim)]);
      expect(report.damagedPacks[0]!.reason).toMatch(/missing/);
      await expectPartialRestore(r, filesOf(report), true);
    });

    it('detects two swapped packs', async () => {
      const { store, r } = await copy();
      const packs = await dataPacks();
      const [a, b] = [packs[0]!, packs[1]!];
      const ba = await store.storage.read(a);
      await store.storage.write(a, await store.storage.read(b));
      await store.storage.write(b, ba);
      const report = await r.check({ readData: true });
      expect(report.damagedPacks.map((d) => d.pack).sort()).toEqual([path.basename(packs[0]!), path.basename(packs[1]!)].sort());
      const out = tempDir('coffer-out');
      dirs.push(out);
      const res = await r.restore('latest', out);
      expect(res.failures.length).toBeGreaterThan(0);
      for (const f of res.failures) expect(f.error).toBeInstanceOf(IntegrityError);
    });

    it('names an edited index', async () => {
      const { store, r } = await copy();
      const index = (await store.keys('index'))[0]!;
      await store.edit(index, (bytes) => {
        bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 1;
      });
      const report = await r.check();
      expect(report.ok).toBe(false);
      expect(report.errors.map((e) => e.object)).toContain(index);
      const out = tempDir('coffer-out');
      dirs.push(out);
      // With its only index damaged the snapshot's trees cannot be found: restore fails cleanly.
      await expect(r.restore('latest', out)).rejects.toBeInstanceOf(IntegrityError);
    });

    it('fails blobs moved under other ids by a forged index that passes every hash', async () => {
      const { store } = await copy();
      const core = await RepositoryCore.open(store.storage, { passphrase: TEST_PASSPHRASE });
      const indexName = (await store.keys('index'))[0]!;
      const packs = parseIndex(core.crypto, await store.storage.read(indexName), indexName);
      const data = packs.find((p) => p.packType === BLOB_DATA && p.blobs.length >= 2)!;
      const [a, b] = [data.blobs[0]!, data.blobs[1]!];
      [a.id, b.id] = [b.id, a.id];
      const forged = encodeIndex(core.crypto, packs);
      await store.storage.delete(indexName);
      await store.storage.write(`index/${crypto.createHash('sha256').update(forged).digest('hex')}`, forged);
      const r = await backend.reopen(store);
      const out = tempDir('coffer-out');
      dirs.push(out);
      const res = await r.restore('latest', out);
      expect(res.failures.length).toBeGreaterThan(0);
      for (const f of res.failures) expect(f.error).toBeInstanceOf(IntegrityError);
      expect((await r.check({ readData: true })).ok).toBe(false);
    });

    it('names an edited snapshot', async () => {
      const { store, r } = await copy();
      const snap = (await store.keys('snapshots'))[0]!;
      await store.edit(snap, (bytes) => {
        bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 1;
      });
      const report = await r.check();
      expect(report.errors.map((e) => e.object)).toContain(snap);
      await expect(r.findSnapshot(path.basename(snap))).rejects.toBeInstanceOf(IntegrityError);
      expect(await r.listSnapshots()).toEqual([]);
    });

    it('errors or returns identical data for every sampled byte mutation', async () => {
      const { store } = await copy();
      const files = (await store.keys()).filter((f) => !f.startsWith('locks/'));
      const want = describeTree(src);
      let opened: Repository | null = null;
      const outcomes = { errors: 0, identical: 0 };
      // Fewer on S3, where every mutation is a round trip: the samples test decoding, not storage.
      const samples = (encryption === 'none' ? 60 : 30) / (backend.kind === 's3' ? 2 : 1);
      for (let s = 0; s < samples; s++) {
        const file = files[s % files.length]!;
        const original = await store.storage.read(file);
        const at = (s * 7919 + 13) % original.length;
        const mutated = Buffer.from(original);
        mutated[at] = mutated[at]! ^ 1 << s % 8;
        await store.storage.write(file, mutated);
        const out = tempDir('coffer-mut');
        try {
          // Reopen only when the config or a key slot changed: the key derivation makes opening slow on purpose.
          // An open handle keeps the indexes it loaded (they are immutable): index edits need a fresh one.
          const fresh = file === 'config' || file.startsWith('keys/') || file.startsWith('index/');
          const r: Repository = !opened || fresh ? await backend.reopen(store) : opened;
          if (!fresh) opened = r;
          const res = await r.restore('latest', out);
          if (res.failures.length > 0) outcomes.errors++;
          else {
            expect(describeTree(path.join(out, base))).toEqual(want);
            outcomes.identical++;
          }
        } catch (e) {
          expect(e).toBeInstanceOf(EngineError);
          outcomes.errors++;
        } finally {
          await store.storage.write(file, original);
          cleanup(out);
        }
      }
      expect(outcomes.errors + outcomes.identical).toBe(samples);
      expect(outcomes.errors).toBeGreaterThan(samples / 4);
    });
  });
}
