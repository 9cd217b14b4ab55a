import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatMode, safeName } from './format';
import { ProgressLine, scanTotals } from './progress';

function fakeTerminal(columns = 200) {
  const writes: string[] = [];
  return { writes, out: { isTTY: true, columns, write: (text: string) => writes.push(text) } };
}

describe('ProgressLine', () => {
  it('shows files, bytes and rate, and a bar with percent once a total is known', () => {
    const { writes, out } = fakeTerminal();
    const line = new ProgressLine(out, 'backed up');
    line.update({ files: 3, bytes: 5 * 1024 * 1024, currentPath: 'a/b.txt' }, true);
    expect(writes.at(-1)).toMatch(/^\r\x1b\[Kbacked up 3 files {2}5\.0 MiB {2}[\d.-]+ MB\/s {2}a\/b\.txt$/);
    line.totalFiles = 10;
    line.totalBytes = 20 * 1024 * 1024;
    line.update({ files: 3, bytes: 5 * 1024 * 1024 }, true);
    expect(writes.at(-1)).toContain('[=====               ]  25%');
    expect(writes.at(-1)).toContain('backed up 3/10 files');
    expect(writes.at(-1)).toContain('5.0 MiB / 20.0 MiB');
    line.done();
    expect(writes.at(-1)).toBe('\r\x1b[K');
  });

  it('redraws at most every 100 ms unless forced, and fits the terminal width', () => {
    const { writes, out } = fakeTerminal(40);
    const line = new ProgressLine(out, 'restored');
    line.update({ files: 1, bytes: 1, currentPath: 'x'.repeat(100) }, true);
    line.update({ files: 2, bytes: 2 });
    expect(writes).toHaveLength(1);
    expect(writes[0]!.replace('\r\x1b[K', '').length).toBeLessThanOrEqual(39);
  });

  it('counts objects without bytes for check', () => {
    const { writes, out } = fakeTerminal();
    const line = new ProgressLine(out, 'checked', 'objects', false);
    line.totalFiles = 8;
    line.update({ files: 2, bytes: 0, currentPath: 'packs' }, true);
    expect(writes.at(-1)).toContain(' 25%  checked 2/8 objects  packs');
    expect(writes.at(-1)).not.toContain('MB/s');
  });
});

describe('scanTotals', () => {
  it('counts regular files and bytes, skipping excluded entries and symlinks', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-scan-'));
    try {
      await fs.mkdir(path.join(dir, 'sub/cache'), { recursive: true });
      await fs.writeFile(path.join(dir, 'a'), Buffer.alloc(100));
      await fs.writeFile(path.join(dir, 'sub/b'), Buffer.alloc(50));
      await fs.writeFile(path.join(dir, 'sub/cache/c'), Buffer.alloc(1000));
      await fs.symlink('/etc/passwd', path.join(dir, 'link'));
      let total: [number, number] = [0, 0];
      await scanTotals([dir], (name) => name === 'cache', (files, bytes) => (total = [files, bytes]), new AbortController().signal);
      expect(total).toEqual([2, 150]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('format', () => {
  it('formats sizes, durations, modes and unsafe names', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
    expect(formatDuration(61_000)).toBe('1:01');
    expect(formatDuration(3_661_000)).toBe('1:01:01');
    expect(formatMode('dir', 0o755)).toBe('drwxr-xr-x');
    expect(formatMode('file', 0o640)).toBe('-rw-r-----');
    expect(safeName('evil\n\x1b[31mname')).toBe('evil\\x0a\\x1b[31mname');
  });
});
