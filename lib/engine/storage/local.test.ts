import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, AlreadyExistsError, DiskFullError, EngineError, IntegrityError, NotFoundError } from '../errors';
import { LocalStorage, checkKey, type LocalFs } from './local';

let root: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-local-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function freshStorage(options?: ConstructorParameters<typeof LocalStorage>[1]): Promise<LocalStorage> {
  const dir = await fs.mkdtemp(path.join(root, 'repo-'));
  return new LocalStorage(dir, options);
}

/** fs.promises with `fail` consulted before each call; it may throw to inject a fault. */
function faultyFs(fail: (op: string, file: string) => void): LocalFs {
  const wrap =
    <K extends keyof LocalFs>(op: K) =>
    (async (file: string, ...rest: unknown[]) => {
      fail(op, String(file));
      return (fs[op] as (...args: unknown[]) => unknown)(file, ...rest);
    }) as LocalFs[K];
  return { open: wrap('open'), mkdir: wrap('mkdir'), rename: wrap('rename'), link: wrap('link'), unlink: wrap('unlink'), readdir: wrap('readdir'), stat: wrap('stat') };
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

describe('LocalStorage', () => {
  it('writes, reads, stats, lists and deletes objects', async () => {
    const storage = await freshStorage();
    await storage.write('config', Buffer.from('{"v":1}'));
    await storage.write('data/ab/ab12', [Buffer.from('hello '), Buffer.alloc(0), Buffer.from('world')]);
    await storage.write('data/cd/cd34', Buffer.alloc(70_000, 7));
    expect((await storage.read('data/ab/ab12')).toString()).toBe('hello world');
    expect((await storage.readRange('data/ab/ab12', 6, 5)).toString()).toBe('world');
    expect(await storage.readRange('data/ab/ab12', 11, 0)).toHaveLength(0);
    expect(await storage.stat('data/cd/cd34')).toEqual({ name: 'data/cd/cd34', size: 70_000 });
    expect(await storage.stat('data/ee/missing')).toBeUndefined();
    expect(await storage.list('data')).toEqual([
      { name: 'data/ab/ab12', size: 11 },
      { name: 'data/cd/cd34', size: 70_000 },
    ]);
    expect((await storage.list('')).map((e) => e.name)).toEqual(['config', 'data/ab/ab12', 'data/cd/cd34']);
    expect(await storage.list('snapshots')).toEqual([]);
    await storage.delete('data/ab/ab12');
    await storage.delete('data/ab/ab12');
    await expect(storage.read('data/ab/ab12')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('replaces an object atomically and leaves no temp files', async () => {
    const storage = await freshStorage();
    await storage.write('snapshots/a', Buffer.from('one'));
    await storage.write('snapshots/a', Buffer.from('two'));
    expect((await storage.read('snapshots/a')).toString()).toBe('two');
    expect(await fs.readdir(path.join(storage.location, 'snapshots'))).toEqual(['a']);
  });

  it('does not list temp files a crash left behind', async () => {
    const storage = await freshStorage();
    await storage.write('index/x', Buffer.from('x'));
    await fs.writeFile(path.join(storage.location, 'index', '.y.tmp-abc'), 'partial');
    expect((await storage.list('index')).map((e) => e.name)).toEqual(['index/x']);
  });

  it('lets exactly one of many concurrent exclusive writers win', async () => {
    const storage = await freshStorage();
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => storage.write('locks/l', Buffer.from(String(i)), { exclusive: true })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlreadyExistsError);
    expect(await fs.readdir(path.join(storage.location, 'locks'))).toEqual(['l']);
  });

  it('refuses unsafe keys', async () => {
    const storage = await freshStorage();
    for (const key of ['', '/etc/passwd', '../x', 'a/../../x', 'a/./b', 'a//b', 'a\\b', 'a\0b', '.hidden', 'data/.x', 'a/']) {
      expect(() => checkKey(key)).toThrow(IntegrityError);
      await expect(storage.read(key)).rejects.toBeInstanceOf(IntegrityError);
      await expect(storage.write(key, Buffer.from('x'))).rejects.toBeInstanceOf(IntegrityError);
    }
    expect(await fs.readdir(storage.location)).toEqual([]);
  });

  it('accepts only keys that stay inside the root', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '/', '\\', '\0', '..', 'data', '~');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }).map((parts) => parts.join('')), (key) => {
        let accepted = true;
        try {
          checkKey(key);
        } catch (error) {
          expect(error).toBeInstanceOf(IntegrityError);
          accepted = false;
        }
        if (accepted) {
          const resolved = path.resolve('/root', ...key.split('/'));
          expect(resolved.startsWith('/root/')).toBe(true);
          expect(key.split('/').every((segment) => segment !== '' && !segment.startsWith('.'))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reports missing objects and short reads', async () => {
    const storage = await freshStorage();
    await expect(storage.read('keys/none')).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.readRange('keys/none', 0, 1)).rejects.toBeInstanceOf(NotFoundError);
    await storage.write('data/aa/short', Buffer.alloc(100));
    const error = await storage.readRange('data/aa/short', 90, 20).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).object).toBe('data/aa/short');
    await expect(storage.readRange('data/aa/short', -1, 2)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('retries transient errors, then gives up with a clear error', async () => {
    let failures = 2;
    const flaky = await freshStorage({
      retryDelays: [1, 1, 1],
      fs: faultyFs((op) => {
        if (op === 'open' && failures > 0) {
          failures--;
          throw errno('EIO');
        }
      }),
    });
    await flaky.write('config', Buffer.from('ok'));
    failures = 2;
    expect((await flaky.read('config')).toString()).toBe('ok');

    const broken = new LocalStorage(flaky.location, {
      retryDelays: [1, 1],
      fs: faultyFs((op) => {
        if (op === 'open') throw errno('EBUSY');
      }),
    });
    const error = await broken.read('config').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toMatch(/reading config .* failed after 3 attempts/);
    const permanent = new LocalStorage(flaky.location, {
      fs: faultyFs((op) => {
        if (op === 'open') throw errno('EACCES');
      }),
    });
    await expect(permanent.read('config')).rejects.toThrow(/failed: EACCES/);
  });

  it('keeps a few files open across a read session\'s reads, reopens after a failed read, and closes everything at the end', async () => {
    const opened: string[] = [];
    const handles: import('node:fs/promises').FileHandle[] = [];
    let failNext = false;
    const counting: LocalFs = {
      ...faultyFs(() => undefined),
      open: (async (file: string, flags: string) => {
        if (failNext) {
          failNext = false;
          throw errno('EIO');
        }
        opened.push(path.basename(file));
        const handle = await fs.open(file, flags);
        handles.push(handle);
        return handle;
      }) as LocalFs['open'],
    };
    const storage = await freshStorage({ fs: counting, retryDelays: [1] });
    const names = Array.from({ length: 10 }, (_, i) => `data/0${i}/pack${i}`);
    for (const [i, name] of names.entries()) await storage.write(name, Buffer.from(`pack number ${i} `.repeat(20)));
    opened.length = 0;
    const session = storage.openReader();
    // Ten reads of each of the first three packs: three opens.
    for (let k = 0; k < 10; k++) {
      for (let i = 0; i < 3; i++) expect((await session.readRange(names[i]!, 5, 6)).toString()).toBe(`number`);
    }
    expect(opened).toEqual(['pack0', 'pack1', 'pack2']);
    // All ten packs: only eight stay open, so going round again reopens the least recently used.
    for (const name of names) await session.readRange(name, 0, 4);
    for (const name of names) await session.readRange(name, 0, 4);
    expect(opened.length).toBeGreaterThan(10);
    // A failed open is retried with a fresh one.
    failNext = true;
    expect((await session.readRange('data/09/pack9', 12, 1)).toString()).toBe('9');
    await session.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Every handle the session opened is closed (a closed FileHandle has fd -1).
    expect(handles.map((h) => h.fd)).toEqual(handles.map(() => -1));
    await expect(session.readRange(names[0]!, 0, 1)).rejects.toThrow(/closed/);
  });

  it('stops when aborted', async () => {
    const storage = await freshStorage();
    const controller = new AbortController();
    controller.abort();
    await expect(storage.write('config', Buffer.from('x'), { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(await storage.stat('config')).toBeUndefined();
  });

  describe('on a full disk', () => {
    let small: string;
    let mounted = false;

    beforeAll(async () => {
      small = await fs.mkdtemp(path.join(root, 'full-'));
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small], { stdio: 'ignore' });
        mounted = true;
      } catch {
        mounted = false;
      }
    });
    afterAll(() => {
      if (mounted) execFileSync('umount', [small]);
    });

    it('throws DiskFullError and removes the temp file', async () => {
      // Without permission to mount a tmpfs, a fake fs reports ENOSPC on write instead.
      const storage = mounted
        ? new LocalStorage(small)
        : new LocalStorage(small, {
            fs: faultyFs((op, file) => {
              if (op === 'rename' && file.includes('.big.tmp-')) throw errno('ENOSPC');
            }),
          });
      await storage.write('config', Buffer.from('small'));
      const error = await storage.write('data/00/big', Buffer.alloc(2 << 20, 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DiskFullError);
      expect((error as Error).message).toContain('is full');
      expect(await fs.readdir(path.join(small, 'data', '00'))).toEqual([]);
      expect((await storage.read('config')).toString()).toBe('small');
      // Space is usable again once the failed write is cleaned up.
      await storage.write('data/00/fits', Buffer.alloc(100_000, 2));
      expect(await storage.stat('data/00/fits')).toEqual({ name: 'data/00/fits', size: 100_000 });
    });
  });
});
