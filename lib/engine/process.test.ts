import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, describeTree, makeRepo, pseudoRandom, reopen, tempDir, text } from './test-helpers';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));
const ROOT = path.resolve(import.meta.dirname, '../..');
const CHILD = path.join(import.meta.dirname, 'test-child.ts');

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: { snapshot?: string; summary?: { warnings: { path: string; message: string }[] }; error?: string; message?: string } | null;
}

/** Runs a backup in a child process; `killAfterMs` sends SIGKILL after that long. */
function childBackup(repoDir: string, sources: string[], opts: { killAfterMs?: number; uid?: number } = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, repoDir, '-', ...sources], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = opts.killAfterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs) : null;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const line = stdout.trim().split('\n').pop();
      let out: ChildResult['out'] = null;
      try {
        out = line ? (JSON.parse(line) as ChildResult['out']) : null;
      } catch {
        out = null;
      }
      if (code !== 0 && signal === null && !out) reject(new Error(`child failed: ${stderr}`));
      else resolve({ code, signal, out });
    });
  });
}

function makeSource(files: number, size: number, seed: number): string {
  const src = tempDir('coffer-src');
  dirs.push(src);
  fs.chmodSync(src, 0o755);
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(src, `f${i}`), i % 2 ? pseudoRandom(size, seed * 1000 + i) : text(size, seed * 1000 + i));
  return src;
}

describe('backup processes', () => {
  it('leaves a repository that checks clean after SIGKILL at random moments, and the next backup completes', async () => {
    const { dir, repo } = await makeRepo('none');
    dirs.push(dir);
    const stable = makeSource(5, 20_000, 1);
    const first = await repo.backup([stable]);
    const src = makeSource(40, 150_000, 2);
    let killed = 0;
    for (let round = 0; round < 6; round++) {
      fs.writeFileSync(path.join(src, `round-${round}`), pseudoRandom(200_000, 100 + round));
      const r = await childBackup(dir, [src], { killAfterMs: 300 + ((round * 397) % 1500) });
      if (r.signal === 'SIGKILL') killed++;
      const report = await repo.check({ readData: true });
      expect(report.errors).toEqual([]);
      expect(report.ok).toBe(true);
    }
    expect(killed).toBeGreaterThan(0);
    const final = await repo.backup([src]);
    expect(final.summary.warnings).toEqual([]);
    const out = tempDir('coffer-out');
    dirs.push(out);
    await repo.restore(final.snapshot.id, out);
    expect(describeTree(path.join(out, path.basename(src)))).toEqual(describeTree(src));
    const old = tempDir('coffer-out');
    dirs.push(old);
    await repo.restore(first.snapshot.id, old);
    expect(describeTree(path.join(old, path.basename(stable)))).toEqual(describeTree(stable));
  });

  it('runs two backups into one repository at once without losing either', async () => {
    const { dir } = await makeRepo('none');
    dirs.push(dir);
    const a = makeSource(20, 50_000, 3);
    const b = makeSource(20, 50_000, 4);
    const [ra, rb] = await Promise.all([childBackup(dir, [a]), childBackup(dir, [b])]);
    const results = [ra, rb];
    for (const r of results) {
      // Shared locks let both run; a clean lock error would also be acceptable, a crash is not.
      expect(r.code === 0 || r.out?.error === 'RepositoryLockedError').toBe(true);
    }
    const repo = await reopen(dir, undefined);
    expect((await repo.check({ readData: true })).ok).toBe(true);
    for (const [r, src] of [
      [ra, a],
      [rb, b],
    ] as const) {
      if (r.code !== 0) continue;
      const out = tempDir('coffer-out');
      dirs.push(out);
      await repo.restore(r.out!.snapshot!, out);
      expect(describeTree(path.join(out, path.basename(src)))).toEqual(describeTree(src));
    }
  });

  it('turns a permission-denied file into a warning and backs up the rest', async () => {
    const { dir } = await makeRepo('none');
    dirs.push(dir);
    fs.chmodSync(dir, 0o777);
    for (const sub of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, sub), 0o777);
    const src = makeSource(3, 1000, 5);
    fs.writeFileSync(path.join(src, 'secret'), 'no');
    fs.chmodSync(path.join(src, 'secret'), 0o000);
    fs.mkdirSync(path.join(src, 'closed'));
    fs.writeFileSync(path.join(src, 'closed', 'inside'), 'no');
    fs.chmodSync(path.join(src, 'closed'), 0o000);
    // Tests run as root, which ignores file modes: the backup runs as "nobody" in a child process.
    const r = await childBackup(dir, [src], { uid: 65534 });
    expect(r.code).toBe(0);
    const warned = r.out!.summary!.warnings.map((w) => path.basename(w.path)).sort();
    expect(warned).toEqual(['closed', 'secret']);
    const repo = await reopen(dir, undefined);
    const names = (await repo.ls(r.out!.snapshot!, path.basename(src))).map((e) => e.name).sort();
    expect(names).toEqual(['closed', 'f0', 'f1', 'f2']);
  });
});
