/**
 * One behaviour suite for every Storage implementation: LocalStorage, S3Storage on s3rver (which
 * ignores `If-None-Match`, so exclusive writes are only best-effort there), and S3Storage behind a proxy
 * that enforces `If-None-Match: *` as AWS does.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, AlreadyExistsError, IntegrityError, NotFoundError } from '../errors';
import { LocalStorage } from './local';
import type { S3Storage } from './s3';
import {
  startProxy,
  startS3Server,
  testS3Storage,
  type ProxyControl,
  type TestS3Server,
} from './s3-test-server';
import type { Storage } from './storage';

interface Backend {
  name: string;
  /** Concurrent exclusive writers are guaranteed to produce exactly one winner. */
  atomicExclusive: boolean;
  make(): Promise<Storage>;
}

let tmp: string;
let s3: TestS3Server;
let proxy: ProxyControl;
const opened: S3Storage[] = [];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-contract-'));
  s3 = await startS3Server();
  proxy = await startProxy(s3.endpoint, { conditional: true });
});
afterAll(async () => {
  for (const storage of opened) storage.destroy();
  await proxy?.close();
  await s3?.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

function s3Storage(endpoint: () => string): () => Promise<Storage> {
  return async () => {
    // A small page size so that listings cross several ListObjectsV2 pages.
    const storage = testS3Storage(endpoint(), { listPageSize: 3 });
    opened.push(storage);
    return storage;
  };
}

const backends: Backend[] = [
  {
    name: 'LocalStorage',
    atomicExclusive: true,
    make: async () => new LocalStorage(await fs.mkdtemp(path.join(tmp, 'repo-')), { durable: false }),
  },
  { name: 'S3Storage on s3rver', atomicExclusive: false, make: s3Storage(() => s3.endpoint) },
  { name: 'S3Storage with conditional writes', atomicExclusive: true, make: s3Storage(() => proxy.endpoint) },
];

describe.each(backends)('Storage contract: $name', (backend) => {
  it('writes, reads, stats, lists and deletes objects', async () => {
    const storage = await backend.make();
    await storage.write('config', Buffer.from('{"v":1}'));
    await storage.write('data/ab/ab12', [Buffer.from('hello '), Buffer.alloc(0), Buffer.from('world')]);
    await storage.write('data/cd/cd34', Buffer.alloc(70_000, 7));
    await storage.write('keys/empty', Buffer.alloc(0));
    expect((await storage.read('data/ab/ab12')).toString()).toBe('hello world');
    expect(await storage.read('keys/empty')).toHaveLength(0);
    expect(await storage.stat('data/cd/cd34')).toEqual({ name: 'data/cd/cd34', size: 70_000 });
    expect(await storage.stat('keys/empty')).toEqual({ name: 'keys/empty', size: 0 });
    expect(await storage.stat('data/ee/missing')).toBeUndefined();
    expect(await storage.list('data')).toEqual([
      { name: 'data/ab/ab12', size: 11 },
      { name: 'data/cd/cd34', size: 70_000 },
    ]);
    expect((await storage.list('')).map((e) => e.name)).toEqual([
      'config',
      'data/ab/ab12',
      'data/cd/cd34',
      'keys/empty',
    ]);
    expect(await storage.list('snapshots')).toEqual([]);
    await storage.delete('data/ab/ab12');
    await storage.delete('data/ab/ab12');
    await expect(storage.read('data/ab/ab12')).rejects.toBeInstanceOf(NotFoundError);
    expect((await storage.list('data')).map((e) => e.name)).toEqual(['data/cd/cd34']);
  });

  it('reads ranges at the start, middle and end of an object', async () => {
    const storage = await backend.make();
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    await storage.write('data/00/pack', bytes);
    for (const [offset, length] of [
      [0, 1],
      [0, 1000],
      [1, 998],
      [500, 250],
      [999, 1],
      [1000, 0],
      [0, 0],
    ] as const) {
      expect(
        (await storage.readRange('data/00/pack', offset, length)).equals(
          bytes.subarray(offset, offset + length),
        ),
      ).toBe(true);
    }
  });

  it('lists only the keys under the prefix folder, across many pages', async () => {
    const storage = await backend.make();
    const names = Array.from({ length: 11 }, (_, i) => `index/${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((name, i) => storage.write(name, Buffer.alloc(i, 1))));
    await storage.write('indexes/x', Buffer.from('sibling folder'));
    await storage.write('index2', Buffer.from('sibling object'));
    expect(await storage.list('index')).toEqual(names.map((name, i) => ({ name, size: i })));
  });

  it('tells when an object was last written', async () => {
    const storage = await backend.make();
    // S3 times are whole seconds from the server's clock (here this machine's); file times use a coarse clock.
    const before = Date.now() - 2000;
    await storage.write('data/00/young', Buffer.from('fresh'));
    const modified = await storage.lastModified?.('data/00/young');
    expect(modified).toBeGreaterThanOrEqual(before);
    expect(modified).toBeLessThanOrEqual(Date.now());
    expect(await storage.lastModified?.('data/00/missing')).toBeUndefined();
  });

  it('replaces an object', async () => {
    const storage = await backend.make();
    await storage.write('snapshots/a', Buffer.from('one'));
    await storage.write('snapshots/a', Buffer.from('two'));
    expect((await storage.read('snapshots/a')).toString()).toBe('two');
    expect((await storage.list('snapshots')).map((e) => e.name)).toEqual(['snapshots/a']);
  });

  it('refuses an exclusive write over an existing object and keeps the first', async () => {
    const storage = await backend.make();
    await storage.write('locks/l', Buffer.from('first'), { exclusive: true });
    await expect(storage.write('locks/l', Buffer.from('second'), { exclusive: true })).rejects.toBeInstanceOf(
      AlreadyExistsError,
    );
    expect((await storage.read('locks/l')).toString()).toBe('first');
  });

  it(
    backend.atomicExclusive
      ? 'lets exactly one of many concurrent exclusive writers win'
      : 'keeps one whole winner among concurrent exclusive writers',
    async () => {
      const storage = await backend.make();
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          storage.write('locks/l', Buffer.from(String(i)), { exclusive: true }),
        ),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [String(i)] : []));
      for (const r of results)
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlreadyExistsError);
      if (backend.atomicExclusive) {
        expect(winners).toHaveLength(1);
        expect(winners).toContain((await storage.read('locks/l')).toString());
      } else {
        // Without conditional writes, writers racing within a round trip may all "win". (s3rver also
        // writes objects in place, so racing PUTs of one key can even interleave there; S3's cannot.)
        expect(winners.length).toBeGreaterThanOrEqual(1);
        expect(await storage.stat('locks/l')).toBeDefined();
      }
    },
  );

  it('refuses unsafe keys', async () => {
    const storage = await backend.make();
    for (const key of [
      '',
      '/etc/passwd',
      '../x',
      'a/../../x',
      'a/./b',
      'a//b',
      'a\\b',
      'a\0b',
      '.hidden',
      'data/.x',
      'a/',
    ]) {
      await expect(storage.read(key)).rejects.toBeInstanceOf(IntegrityError);
      await expect(storage.write(key, Buffer.from('x'))).rejects.toBeInstanceOf(IntegrityError);
      await expect(storage.stat(key)).rejects.toBeInstanceOf(IntegrityError);
    }
    expect(await storage.list('')).toEqual([]);
  });

  it('reports missing objects and short reads', async () => {
    const storage = await backend.make();
    await expect(storage.read('keys/none')).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.readRange('keys/none', 0, 1)).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.readRange('keys/none', 0, 0)).rejects.toBeInstanceOf(NotFoundError);
    await storage.write('data/aa/short', Buffer.alloc(100));
    for (const [offset, length] of [
      [90, 20],
      [100, 1],
      [150, 10],
    ] as const) {
      const error = await storage.readRange('data/aa/short', offset, length).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as IntegrityError).object).toBe('data/aa/short');
    }
    await expect(storage.readRange('data/aa/short', -1, 2)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('stops when aborted', async () => {
    const storage = await backend.make();
    const controller = new AbortController();
    controller.abort();
    await expect(
      storage.write('config', Buffer.from('x'), { signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
    await expect(storage.list('', controller.signal)).rejects.toBeInstanceOf(AbortedError);
    expect(await storage.stat('config')).toBeUndefined();
  });
});
