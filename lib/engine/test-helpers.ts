/**
 * Helpers shared by the engine's tests: temporary folders, repositories with small chunk and pack
 * sizes (so a few kilobytes cross every boundary), and tree comparison. Not used by production code.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { initRepository, openRepository, type InitRepositoryOptions, type Repository } from './index';
import { LocalStorage } from './storage/local';
import type { S3Storage } from './storage/s3';
import type { TestS3Server } from './storage/s3-test-server';
import type { Storage } from './storage/storage';

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

/** Where a test repository lives: a local temp folder or a prefix of the s3rver test bucket. */
export type BackendKind = 'local' | 's3';

/** One repository location on a test backend. Tests damage it through `storage` (never node:fs). */
export interface TestStore {
  readonly kind: BackendKind;
  /** Raw object access (read, write, delete, list, stat) on the repository's keys. */
  readonly storage: Storage;
  /** Where a child process finds this storage: a folder, or JSON `{ endpoint, prefix }` on S3 (see prune-child.ts). */
  readonly address: string;
  /** Names of the objects under `prefix/` (all objects for ''), sorted. */
  keys(prefix?: string): Promise<string[]>;
  /** Replaces an object with `edit(its bytes)` (the buffer may be changed in place). */
  edit(key: string, edit: (bytes: Buffer) => Buffer | void): Promise<void>;
}

/** Creates, copies and opens test repositories on one kind of storage. */
export interface TestBackend {
  readonly kind: BackendKind;
  /** A fresh, empty location. */
  create(): Promise<TestStore>;
  /** A fresh location holding a copy of every object of `store`. */
  copy(store: TestStore): Promise<TestStore>;
  /** Creates a test repository (small chunks and packs) on a fresh location. */
  makeRepo(
    encryption?: 'aes-256-gcm' | 'none',
    opts?: Partial<InitRepositoryOptions>,
  ): Promise<{ store: TestStore; repo: Repository }>;
  /** Opens the repository of `store` through a new Storage instance (a new client on S3). */
  reopen(store: TestStore, passphrase?: string): Promise<Repository>;
}

/**
 * The test backends ('local' and 's3' by default), for `for (const backend of testBackends())
 * describe(...)`. Call it once at the top level of a test file: the S3 backend starts one s3rver
 * (on 127.0.0.1, on first use) for the whole file, and an afterAll hook registered here closes every
 * client, stops the server and removes the temp folders.
 */
export function testBackends(kinds: readonly BackendKind[] = ['local', 's3']): TestBackend[] {
  const dirs: string[] = [];
  const clients: S3Storage[] = [];
  let server: Promise<TestS3Server> | undefined;
  afterAll(async () => {
    for (const client of clients.splice(0)) client.destroy();
    if (server) await (await server).close();
    cleanup(...dirs.splice(0));
  });

  /** A new Storage on the location `address` names, or on a fresh one. */
  const connect = async (kind: BackendKind, address?: string): Promise<{ storage: Storage; address: string }> => {
    if (kind === 's3') {
      const { startS3Server, testS3Storage } = await import('./storage/s3-test-server');
      server ??= startS3Server();
      const { endpoint } = await server;
      const storage = testS3Storage(endpoint, address === undefined ? {} : { prefix: (JSON.parse(address) as { prefix: string }).prefix });
      clients.push(storage);
      return { storage, address: JSON.stringify({ endpoint, prefix: storage.location.split('/').slice(3).join('/') }) };
    }
    const dir = address ?? tempDir('coffer-repo');
    if (address === undefined) dirs.push(dir);
    return { storage: testStorage(dir), address: dir };
  };
  const store = (kind: BackendKind, { storage, address }: { storage: Storage; address: string }): TestStore => ({
    kind,
    storage,
    address,
    keys: async (prefix = '') => (await storage.list(prefix)).map((e) => e.name),
    async edit(key, edit) {
      const bytes = await storage.read(key);
      await storage.write(key, edit(bytes) ?? bytes);
    },
  });

  return kinds.map((kind): TestBackend => {
    const backend: TestBackend = {
      kind,
      create: async () => store(kind, await connect(kind)),
      async copy(from) {
        const to = await backend.create();
        for (const name of await from.keys()) await to.storage.write(name, await from.storage.read(name));
        return to;
      },
      async makeRepo(encryption = 'none', opts = {}) {
        const created = await backend.create();
        const repo = await initRepository(created.storage, {
          encryption,
          passphrase: encryption === 'none' ? undefined : TEST_PASSPHRASE,
          chunker: TEST_CHUNKER,
          packSize: TEST_PACK_SIZE,
          ...opts,
        });
        return { store: created, repo };
      },
      reopen: async (s, passphrase = TEST_PASSPHRASE) =>
        openRepository((await connect(kind, s.address)).storage, { passphrase }),
    };
    return backend;
  });
}

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
