import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/config';
import { clearStaleLocks, compressionMode, createRepository, describeEngineError, lockTiming, scanTotals, WrongPassphraseError } from './engine-adapter';

describe('engine-adapter', () => {
  let base: string;
  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-adapter-'));
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('removes locks left by a dead process of this host and keeps live ones', async () => {
    const location = path.join(base, 'repo');
    await createRepository(location, { encrypted: false, compression: 'auto' });
    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const lock = (pid: number) => JSON.stringify({ version: 1, host: os.hostname(), pid, username: 'x', exclusive: true, time: new Date().toISOString(), refreshed: new Date().toISOString() });
    fs.mkdirSync(path.join(location, 'locks'), { recursive: true });
    fs.writeFileSync(path.join(location, 'locks', 'a'.repeat(64)), lock(Number(deadPid)));
    await clearStaleLocks(location);
    expect(fs.readdirSync(path.join(location, 'locks'))).toEqual([]);
    fs.writeFileSync(path.join(location, 'locks', 'b'.repeat(64)), lock(process.pid));
    await expect(clearStaleLocks(location)).rejects.toThrow(/locked/i);
    expect(fs.readdirSync(path.join(location, 'locks'))).toEqual(['b'.repeat(64)]);
  });

  it('removes a lock of another host once it is older than COFFER_LOCK_STALE_SECONDS (default 30 minutes)', async () => {
    expect(lockTiming(loadConfig({ COFFER_LOCK_STALE_SECONDS: '60' }))).toEqual({ staleMs: 60_000, refreshMs: 10_000 });
    const location = path.join(base, 'repo-hosts');
    await createRepository(location, { encrypted: false, compression: 'auto' });
    const lock = (minutesAgo: number) => {
      const t = new Date(Date.now() - minutesAgo * 60_000).toISOString();
      return JSON.stringify({ version: 1, host: 'another-host.invalid', pid: process.pid, username: 'x', exclusive: true, time: t, refreshed: t });
    };
    fs.mkdirSync(path.join(location, 'locks'), { recursive: true });
    fs.writeFileSync(path.join(location, 'locks', 'c'.repeat(64)), lock(20));
    await expect(clearStaleLocks(location)).rejects.toThrow(/another-host\.invalid/);
    fs.writeFileSync(path.join(location, 'locks', 'c'.repeat(64)), lock(31));
    await clearStaleLocks(location);
    expect(fs.readdirSync(path.join(location, 'locks'))).toEqual([]);
  });

  it('counts files and bytes to back up, applying excludes and not following symlinks', async () => {
    const src = path.join(base, 'src');
    fs.mkdirSync(path.join(src, 'node_modules'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a.txt'), '12345');
    fs.writeFileSync(path.join(src, 'b.tmp'), '123');
    fs.writeFileSync(path.join(src, 'node_modules', 'big'), 'x'.repeat(1000));
    fs.symlinkSync('/usr', path.join(src, 'link'));
    expect(await scanTotals([src], ['*.tmp', 'node_modules'])).toEqual({ files: 2, bytes: 5 });
  });

  it('maps settings and errors for people', () => {
    expect(compressionMode('none')).toBe('off');
    expect(compressionMode('auto')).toBe('auto');
    expect(describeEngineError(new WrongPassphraseError('x'))).toMatch(/passphrase is wrong/);
  });
});
