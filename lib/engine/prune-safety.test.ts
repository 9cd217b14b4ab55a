import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Repository } from './index';
import { cleanup, describeTree, pseudoRandom, tempDir, testBackends, text } from './test-helpers';

const CHILD = path.resolve(import.meta.dirname, 'prune-child.ts');
const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));

/** Writes a small tree whose content depends on `version`; some files stay the same across versions. */
function writeVersion(src: string, version: number, seed: number): void {
  fs.rmSync(src, { recursive: true, force: true });
  fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(src, 'stable.bin'), pseudoRandom(30_000, seed));
  fs.writeFileSync(path.join(src, 'changing.bin'), Buffer.concat([pseudoRandom(20_000, seed), pseudoRandom(15_000 + version * 101, seed * 1000 + version)]));
  fs.writeFileSync(path.join(src, 'sub', `v${version % 3}.txt`), text(8_000 + version * 37, version));
}

/** Restores every snapshot and compares it with what was backed up; then checks all data. */
async function verify(repo: Repository, expected: Map<string, Map<string, string>>, work: string): Promise<void> {
  const snapshots = await repo.listSnapshots();
  expect(snapshots.map((s) => s.id).sort()).toEqual([...expected.keys()].sort());
  for (const s of snapshots) {
    const out = path.join(work, `restore-${s.id.slice(0, 12)}`);
    const r = await repo.restore(s.id, out);
    expect(r.failures).toEqual([]);
    expect(describeTree(path.join(out, 'src'))).toEqual(expected.get(s.id));
    fs.rmSync(out, { recursive: true, force: true });
  }
  const check = await repo.check({ readData: true });
  expect(check.errors).toEqual([]);
  expect(check.damagedPacks).toEqual([]);
  expect(check.ok).toBe(true);
}

function runChild(address: string, killAt: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Anything on stderr fails the test; process warnings (the AWS SDK's notice about future Node
    // versions) are not failures.
    const args = ['--no-warnings', '--import', 'tsx', CHILD, address, String(killAt)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const backends = testBackends();

for (const backend of backends) describe(`prune safety (${backend.kind})`, { timeout: 300_000 }, () => {
  it('keeps every kept snapshot restorable and the repository checking clean through random backup/forget/prune sequences', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('backup' as const), version: fc.nat({ max: 20 }) }),
      fc.record({ kind: fc.constant('forget' as const), keep: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('prune' as const), threshold: fc.constantFrom(0, 0.2, 0.6, 1) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 7 }), fc.integer({ min: 1, max: 1000 }), async (steps, seed) => {
        const { repo } = await backend.makeRepo('aes-256-gcm');
        const work = tempDir('coffer-prop');
        dirs.push(work);
        const src = path.join(work, 'src');
        const expected = new Map<string, Map<string, string>>();
        for (const s of steps) {
          if (s.kind === 'backup') {
            writeVersion(src, s.version, seed);
            const { snapshot } = await repo.backup([src]);
            expected.set(snapshot.id, describeTree(src));
          } else if (s.kind === 'forget') {
            if (expected.size === 0) continue;
            const r = await repo.forget({ keepLast: s.keep }, { prune: false });
            for (const id of r.removed) expected.delete(id);
          } else {
            await repo.prune({ repackThreshold: s.threshold });
          }
          await verify(repo, expected, work);
        }
        cleanup(work);
      }),
      // Fewer runs on S3, where each step's restores and checks are HTTP round trips.
      { numRuns: backend.kind === 's3' ? 2 : 4 },
    );
  });
});

for (const backend of backends) describe(`prune safety after SIGKILL (${backend.kind})`, { timeout: 300_000 }, () => {
  it('loses nothing when prune is SIGKILLed at any point, and the next prune cleans up', async () => {
    const { store: pristine, repo } = await backend.makeRepo('none');
    const work = tempDir('coffer-kill');
    dirs.push(work);
    const src = path.join(work, 'src');
    const expected = new Map<string, Map<string, string>>();
    for (let v = 0; v < 5; v++) {
      writeVersion(src, v, 7);
      const { snapshot } = await repo.backup([src]);
      expected.set(snapshot.id, describeTree(src));
    }
    for (const id of (await repo.forget({ keepLast: 2 })).removed) expected.delete(id);
    // First a full run on a copy to count the mutations, then kills spread over that range, each on a fresh copy.
    const full = await runChild((await backend.copy(pristine)).address, Number.MAX_SAFE_INTEGER);
    expect(full.stderr).toBe('');
    const total = (JSON.parse(full.stdout) as { mutations: number }).mutations;
    expect(total).toBeGreaterThan(3);
    // On S3 (a child process with the AWS SDK per point) the first, a middle and the last mutation only.
    const points = backend.kind === 's3' ? [1, Math.ceil(total / 2), total] : [1, 2, Math.ceil(total / 2), total - 1, total];
    let killed = 0;
    for (const at of points) {
      const victim = await backend.copy(pristine);
      const r = await runChild(victim.address, at);
      if (r.signal === 'SIGKILL') killed++;
      // A dead process's lock is ignored on the same host, so the repository opens at once.
      const after = await backend.reopen(victim);
      await verify(after, expected, work);
      const young = await after.prune({ repackThreshold: 0.05 });
      expect(young.unindexedPacks).toBe(0);
      const second = await after.prune({ repackThreshold: 0.05, unindexedGraceMs: 0 });
      expect(second.dryRun).toBe(false);
      const check = await after.check({ readData: true });
      expect(check.ok).toBe(true);
      expect(check.unreferencedPacks).toEqual([]);
      const third = await after.prune({ repackThreshold: 0.05, unindexedGraceMs: 0 });
      expect(third.packsDeleted + third.packsRepacked + third.unindexedPacks).toBe(0);
      await verify(after, expected, work);
    }
    expect(killed).toBe(points.length);
  });
});
