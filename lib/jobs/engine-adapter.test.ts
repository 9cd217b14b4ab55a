import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearStaleLocks, compressionMode, createRepository, describeEngineError, scanTotals, WrongPassphraseError } from './engine-adapter';

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
