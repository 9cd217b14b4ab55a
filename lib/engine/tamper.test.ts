import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError, IntegrityError } from './errors';
import type { Repository } from './index';
import crypto from 'node:crypto';
import { BLOB_DATA } from './crypto';
import { encodeIndex, parseIndex } from './index-file';
import { RepositoryCore } from './repository';
import { cleanup, describeTree, makeRepo, pseudoRandom, reopen, tempDir, TEST_PASSPHRASE, testStorage, text } from './test-helpers';

/** All files of a repository directory, relative, sorted. */
function repoFiles(dir: string, sub = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...repoFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

/** Paths of the packs holding file content (not trees), from the repository's index. */
async function listDataPacks(dir: string): Promise<string[]> {
  const core = await RepositoryCore.open(testStorage(dir), { passphrase: TEST_PASSPHRASE });
  await core.loadIndex();
  return core.packs.filter((p) => p.packType === BLOB_DATA).map((p) => `data/${p.id.slice(0, 2)}/${p.id}`).sort();
}

for (const encryption of ['none', 'aes-256-gcm'] as const) {
  describe(`tamper detection (${encryption})`, () => {
    let src: string;
    let repoDir: string;
    let pristine: string;
    let repo: Repository;
    const dirs: string[] = [];
    let base: string;
    let dataPacks: (dir: string) => Promise<string[]>;

    beforeAll(async () => {
      src = tempDir('coffer-src');
      base = path.basename(src);
      for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(src, `r${i}`), pseudoRandom(30_000, i));
      fs.mkdirSync(path.join(src, 'sub'));
      for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(src, 'sub', `t${i}`), text(20_000, i));
      const made = await makeRepo(encryption);
      repo = made.repo;
      pristine = made.dir;
      await repo.backup([src]);
      dirs.push(src, pristine);
      // Copies have the same packs: list them once (opening an encrypted repository runs scrypt).
      const packs = await listDataPacks(pristine);
      dataPacks = async () => packs;
    });
    afterAll(() => cleanup(...dirs));

    /** A private copy of the repository to damage, opened. */
    async function copy(): Promise<{ dir: string; r: Repository }> {
      repoDir = tempDir('coffer-tamper');
      dirs.push(repoDir);
      fs.cpSync(pristine, repoDir, { recursive: true });
      return { dir: repoDir, r: await reopen(repoDir) };
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
      const { dir, r } = await copy();
      const victim = (await dataPacks(dir)).sort((a, b) => fs.statSync(path.join(dir, b)).size - fs.statSync(path.join(dir, a)).size)[0]!;
      const bytes = fs.readFileSync(path.join(dir, victim));
      bytes[10] = bytes[10]! ^ 0x40;
      fs.writeFileSync(path.join(dir, victim), bytes);
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
      const { dir, r } = await copy();
      const victim = (await dataPacks(dir))[0]!;
      const bytes = fs.readFileSync(path.join(dir, victim));
      fs.writeFileSync(path.join(dir, victim), bytes.subarray(0, bytes.length - 100));
      const report = await r.check();
      expect(report.damagedPacks.map((d) => d.pack)).toEqual([path.basename(victim)]);
      expect(report.damagedPacks[0]!.reason).toMatch(/bytes/);
    });

    it('names a deleted pack and the files it held', async () => {
      const { dir, r } = await copy();
      const victim = (await dataPacks(dir))[1]!;
      fs.rmSync(path.join(dir, victim));
      const report = await r.check();
      expect(report.damagedPacks.map((d) => d.pack)).toEqual([path.basename(victim)]);
      expect(report.damagedPacks[0]!.reason).toMatch(/missing/);
      await expectPartialRestore(r, filesOf(report), true);
    });

    it('detects two swapped packs', async () => {
      const { dir, r } = await copy();
      const packs = await dataPacks(dir);
      const [a, b] = [path.join(dir, packs[0]!), path.join(dir, packs[1]!)];
      const ba = fs.readFileSync(a);
      fs.writeFileSync(a, fs.readFileSync(b));
      fs.writeFileSync(b, ba);
      const report = await r.check({ readData: true });
      expect(report.damagedPacks.map((d) => d.pack).sort()).toEqual([path.basename(packs[0]!), path.basename(packs[1]!)].sort());
      const out = tempDir('coffer-out');
      dirs.push(out);
      const res = await r.restore('latest', out);
      expect(res.failures.length).toBeGreaterThan(0);
      for (const f of res.failures) expect(f.error).toBeInstanceOf(IntegrityError);
    });

    it('names an edited index', async () => {
      const { dir, r } = await copy();
      const index = repoFiles(dir).find((f) => f.startsWith('index/'))!;
      const bytes = fs.readFileSync(path.join(dir, index));
      bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 1;
      fs.writeFileSync(path.join(dir, index), bytes);
      const report = await r.check();
      expect(report.ok).toBe(false);
      expect(report.errors.map((e) => e.object)).toContain(index);
      const out = tempDir('coffer-out');
      dirs.push(out);
      // With its only index damaged the snapshot's trees cannot be found: restore fails cleanly.
      await expect(r.restore('latest', out)).rejects.toBeInstanceOf(IntegrityError);
    });

    it('fails blobs moved under other ids by a forged index that passes every hash', async () => {
      const { dir } = await copy();
      const core = await RepositoryCore.open(testStorage(dir), { passphrase: TEST_PASSPHRASE });
      const indexName = repoFiles(dir).find((f) => f.startsWith('index/'))!;
      const packs = parseIndex(core.crypto, fs.readFileSync(path.join(dir, indexName)), indexName);
      const data = packs.find((p) => p.packType === BLOB_DATA && p.blobs.length >= 2)!;
      const [a, b] = [data.blobs[0]!, data.blobs[1]!];
      [a.id, b.id] = [b.id, a.id];
      const forged = encodeIndex(core.crypto, packs);
      fs.rmSync(path.join(dir, indexName));
      fs.writeFileSync(path.join(dir, 'index', crypto.createHash('sha256').update(forged).digest('hex')), forged);
      const r = await reopen(dir);
      const out = tempDir('coffer-out');
      dirs.push(out);
      const res = await r.restore('latest', out);
      expect(res.failures.length).toBeGreaterThan(0);
      for (const f of res.failures) expect(f.error).toBeInstanceOf(IntegrityError);
      expect((await r.check({ readData: true })).ok).toBe(false);
    });

    it('names an edited snapshot', async () => {
      const { dir, r } = await copy();
      const snap = repoFiles(dir).find((f) => f.startsWith('snapshots/'))!;
      const bytes = fs.readFileSync(path.join(dir, snap));
      bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 1;
      fs.writeFileSync(path.join(dir, snap), bytes);
      const report = await r.check();
      expect(report.errors.map((e) => e.object)).toContain(snap);
      await expect(r.findSnapshot(path.basename(snap))).rejects.toBeInstanceOf(IntegrityError);
      expect(await r.listSnapshots()).toEqual([]);
    });

    it('errors or returns identical data for every sampled byte mutation', async () => {
      const { dir } = await copy();
      const files = repoFiles(dir).filter((f) => !f.startsWith('locks/'));
      const want = describeTree(src);
      let opened: Repository | null = null;
      const outcomes = { errors: 0, identical: 0 };
      const samples = encryption === 'none' ? 60 : 30;
      for (let s = 0; s < samples; s++) {
        const file = files[s % files.length]!;
        const p = path.join(dir, file);
        const original = fs.readFileSync(p);
        const at = (s * 7919 + 13) % original.length;
        const mutated = Buffer.from(original);
        mutated[at] = mutated[at]! ^ 1 << s % 8;
        fs.writeFileSync(p, mutated);
        const out = tempDir('coffer-mut');
        try {
          // Reopen only when the config or a key slot changed: scrypt makes opening slow on purpose.
          // An open handle keeps the indexes it loaded (they are immutable): index edits need a fresh one.
          const fresh = file === 'config' || file.startsWith('keys/') || file.startsWith('index/');
          const r: Repository = !opened || fresh ? await reopen(dir) : opened;
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
          fs.writeFileSync(p, original);
          cleanup(out);
        }
      }
      expect(outcomes.errors + outcomes.identical).toBe(samples);
      expect(outcomes.errors).toBeGreaterThan(samples / 4);
    });
  });
}
