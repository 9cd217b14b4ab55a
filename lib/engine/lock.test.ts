import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, RepositoryLockedError } from './errors';
import { acquireLock, type LockInfo } from './lock';
import { LocalStorage } from './storage/local';
import type { Storage } from './storage/storage';
import { testBackends } from './test-helpers';

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-lock-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function plant(storage: Storage, name: string, info: Partial<LockInfo>): Promise<void> {
  const time = new Date().toISOString();
  const lock: LockInfo = { version: 1, host: 'elsewhere', pid: 4242, username: 'u', exclusive: false, time, refreshed: time, ...info };
  await storage.write(`locks/${name}`, Buffer.from(JSON.stringify(lock)));
}

async function lockNames(storage: Storage): Promise<string[]> {
  return (await storage.list('locks')).map((e) => e.name);
}

for (const backend of testBackends()) describe(`lock (${backend.kind})`, () => {
  const repo = async () => (await backend.create()).storage;

  it('lets shared locks coexist and removes each on release', async () => {
    const storage = await repo();
    const a = await acquireLock(storage, { exclusive: false });
    const b = await acquireLock(storage, { exclusive: false });
    expect(await lockNames(storage)).toHaveLength(2);
    const info = JSON.parse((await storage.read(`locks/${a.id}`)).toString()) as LockInfo;
    expect(info).toMatchObject({ host: os.hostname(), pid: process.pid, exclusive: false, version: 1 });
    await a.release();
    await a.release();
    expect(await lockNames(storage)).toEqual([`locks/${b.id}`]);
    await b.release();
    expect(await lockNames(storage)).toEqual([]);
  });

  it('refuses an exclusive lock while a shared one is held, and the reverse', async () => {
    const storage = await repo();
    const shared = await acquireLock(storage, { exclusive: false });
    const error = await acquireLock(storage, { exclusive: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepositoryLockedError);
    expect((error as Error).message).toMatch(new RegExp(`locked by host ${os.hostname()} pid ${process.pid} since \\d{4}-`));
    expect(await lockNames(storage)).toEqual([`locks/${shared.id}`]);
    await shared.release();

    const exclusive = await acquireLock(storage, { exclusive: true });
    for (const wanted of [false, true]) {
      const refused = await acquireLock(storage, { exclusive: wanted }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RepositoryLockedError);
      expect((refused as Error).message).toContain('locked exclusively by host');
      expect((refused as RepositoryLockedError).holder).toMatchObject({ pid: process.pid, exclusive: true });
    }
    expect(await lockNames(storage)).toEqual([`locks/${exclusive.id}`]);
    await exclusive.release();
  });

  it('removes a lock that was not refreshed in time', async () => {
    const storage = await repo();
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000).toISOString();
    await plant(storage, 'old', { exclusive: true, time: old, refreshed: old });
    await plant(storage, 'fresh', { exclusive: false });
    const error = await acquireLock(storage, { exclusive: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepositoryLockedError);
    expect((error as Error).message).toContain('host elsewhere pid 4242');
    expect(await lockNames(storage)).toEqual(['locks/fresh']);
    const shared = await acquireLock(storage, { exclusive: false, staleMs: 60_000 });
    await shared.release();
  });

  it('removes a lock of a process on this host that no longer exists', async () => {
    const storage = await repo();
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(child.stdout);
    expect(deadPid).toBeGreaterThan(0);
    await plant(storage, 'dead', { host: os.hostname(), pid: deadPid, exclusive: true });
    const lock = await acquireLock(storage, { exclusive: true });
    expect(await lockNames(storage)).toEqual([`locks/${lock.id}`]);
    await lock.release();
  });

  it('keeps a lock of a live process on another host until it goes stale', async () => {
    const storage = await repo();
    await plant(storage, 'remote', { host: 'other-host', pid: 1, exclusive: true });
    await expect(acquireLock(storage, { exclusive: false })).rejects.toBeInstanceOf(RepositoryLockedError);
    const later = () => Date.now() + 31 * 60 * 1000;
    const lock = await acquireLock(storage, { exclusive: false, now: later });
    expect(await lockNames(storage)).toEqual([`locks/${lock.id}`]);
    await lock.release();
  });

  it('refreshes the lock file while held', async () => {
    const storage = await repo();
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const lock = await acquireLock(storage, { exclusive: false, refreshMs: 20, now: () => clock });
    const read = async () => JSON.parse((await storage.read(`locks/${lock.id}`)).toString()) as LockInfo;
    expect((await read()).refreshed).toBe('2026-01-01T00:00:00.000Z');
    clock += 60_000;
    await lock.refresh();
    expect(await read()).toMatchObject({ time: '2026-01-01T00:00:00.000Z', refreshed: '2026-01-01T00:01:00.000Z' });
    clock += 60_000;
    // The background timer picks the new time up on its own.
    await expect.poll(async () => (await read()).refreshed, { timeout: 10_000 }).toBe('2026-01-01T00:02:00.000Z');
    await lock.release();
    expect(await lockNames(storage)).toEqual([]);
  });

  it('waits for a conflicting lock to go away when asked to', async () => {
    const storage = await repo();
    const held = await acquireLock(storage, { exclusive: true });
    setTimeout(() => void held.release(), 300);
    const lock = await acquireLock(storage, { exclusive: false, waitMs: 30_000 });
    expect(await lockNames(storage)).toEqual([`locks/${lock.id}`]);
    await lock.release();
  });

  it('stops waiting when aborted and leaves no lock behind', async () => {
    const storage = await repo();
    const held = await acquireLock(storage, { exclusive: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    await expect(acquireLock(storage, { exclusive: true, waitMs: 60_000, signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(await lockNames(storage)).toEqual([`locks/${held.id}`]);
    await held.release();
  });
});

describe('lock across processes', () => {
  // Local only: the lock holder is a child process on a LocalStorage folder, killed with SIGKILL.
  it('refuses a lock held by another live process and recovers it once that process is killed', async () => {
    const storage = new LocalStorage(await fs.mkdtemp(path.join(root, 'r-')), { durable: false });
    const lockModule = path.resolve(import.meta.dirname, 'lock.ts');
    const storageModule = path.resolve(import.meta.dirname, 'storage/local.ts');
    const code = `
      const { acquireLock } = await import(${JSON.stringify(lockModule)});
      const { LocalStorage } = await import(${JSON.stringify(storageModule)});
      await acquireLock(new LocalStorage(${JSON.stringify(storage.location)}), { exclusive: true });
      process.stdout.write('locked\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
        child.on('exit', (c) => reject(new Error(`lock holder exited early (${c})`)));
      });
      const error = await acquireLock(storage, { exclusive: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RepositoryLockedError);
      expect((error as Error).message).toContain(`locked exclusively by host ${os.hostname()} pid ${child.pid}`);
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      const lock = await acquireLock(storage, { exclusive: true });
      expect(await lockNames(storage)).toEqual([`locks/${lock.id}`]);
      await lock.release();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
