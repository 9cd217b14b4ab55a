/**
 * Helpers shared by the engine's tests: temporary folders, repositories with small chunk and pack
 * sizes (so a few kilobytes cross every boundary), and tree comparison. Not used by production code.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initRepository, openRepository, type InitRepositoryOptions, type Repository } from './index';
import { LocalStorage } from './storage/local';

/** Small chunker parameters for tests: min 1 KiB, avg 4 KiB, max 16 KiB. */
export const TEST_CHUNKER = { min: 1024, avg: 4096, max: 16384 };
/** Smallest pack size the config allows, so tests get several packs. */
export const TEST_PACK_SIZE = 64 * 1024;
/** Passphrase of test repositories. */
export const TEST_PASSPHRASE = 'correct horse battery staple';

/** Creates a fresh temporary directory; the caller removes it (see `cleanup`). */
export function tempDir(label = 'coffer-test'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
}

/** Storage without fsync: tests do not survive power loss and fsync is slow on a busy machine. */
export const testStorage = (dir: string) => new LocalStorage(dir, { durable: false });

/** Creates a test repository in a new directory. */
export async function makeRepo(
  encryption: 'aes-256-gcm' | 'none' = 'none',
  opts: Partial<InitRepositoryOptions> = {},
): Promise<{ dir: string; repo: Repository }> {
  const dir = tempDir('coffer-repo');
  const repo = await initRepository(testStorage(dir), {
    encryption,
    passphrase: encryption === 'none' ? undefined : TEST_PASSPHRASE,
    chunker: TEST_CHUNKER,
    packSize: TEST_PACK_SIZE,
    ...opts,
  });
  return { dir, repo };
}

/** Opens an existing test repository. */
export const reopen = (dir: string, passphrase: string | undefined = TEST_PASSPHRASE) => openRepository(testStorage(dir), { passphrase });

/** Deterministic pseudo-random bytes (so failures reproduce). */
export function pseudoRandom(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let off = 0;
  let counter = 0;
  while (off < n) {
    const block = crypto.createHash('sha256').update(`${seed}:${counter++}`).digest();
    off += block.copy(out, off);
  }
  return out;
}

/** Compressible deterministic text. */
export function text(n: number, seed: number): Buffer {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const r = pseudoRandom(Math.ceil(n / 4) + 1, seed);
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < n; i++) {
    const w = words[r[i % r.length]! % words.length]!;
    parts.push(w);
    len += w.length + 1;
  }
  return Buffer.from(parts.join(' ')).subarray(0, n);
}

/** A listing of a tree: relative path (latin1 so any bytes survive) → type, mode, size, content hash, link target. */
export function describeTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const stack: Buffer[] = [Buffer.from('')];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    const abs = Buffer.concat([Buffer.from(root), rel.length ? Buffer.from('/') : Buffer.alloc(0), rel]);
    for (const name of fs.readdirSync(abs, { encoding: 'buffer' })) {
      const r = rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name;
      const p = Buffer.concat([abs, Buffer.from('/'), name]);
      const st = fs.lstatSync(p);
      const key = r.toString('latin1');
      if (st.isDirectory()) {
        out.set(key, `dir ${(st.mode & 0o7777).toString(8)}`);
        stack.push(r);
      } else if (st.isSymbolicLink()) out.set(key, `link ${fs.readlinkSync(p, { encoding: 'buffer' }).toString('latin1')}`);
      else if (st.isFile()) {
        const h = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex').slice(0, 16);
        out.set(key, `file ${(st.mode & 0o7777).toString(8)} ${st.size} ${h} ${Math.floor(st.mtimeMs)}`);
      } else out.set(key, `special ${st.isFIFO() ? 'fifo' : 'other'}`);
    }
  }
  return out;
}

/** Removes temporary directories, ignoring errors. */
export function cleanup(...dirs: string[]): void {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
}
