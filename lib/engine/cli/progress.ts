/**
 * The terminal progress line: files, bytes, rate and (when a total is known) a bar and ETA, redrawn
 * at most ten times a second on stderr. Only used when stderr is a TTY; piped output gets none.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Repository } from '../index';
import { formatBytes, formatDuration, formatRate, safeName } from './format';
import type { CliOut } from './io';

/** One progress sample. */
export interface ProgressSample {
  files: number;
  bytes: number;
  currentPath?: string;
}

/** A throttled single-line progress display. */
export class ProgressLine {
  private readonly started = Date.now();
  private last = 0;
  private shown = false;
  totalBytes: number | undefined;
  totalFiles: number | undefined;

  constructor(
    private readonly out: CliOut,
    private readonly verb: string,
    /** What `files` counts ("files", "objects"…); `bytes` are shown only when `withBytes`. */
    private readonly unit = 'files',
    private readonly withBytes = true,
  ) {}

  /** Redraws the line unless it was drawn less than 100 ms ago (`force` draws anyway). */
  update(sample: ProgressSample, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const elapsed = now - this.started;
    const parts = [`${this.verb} ${sample.files}${this.totalFiles !== undefined ? `/${this.totalFiles}` : ''} ${this.unit}`];
    if (!this.withBytes) {
      if (this.totalFiles) parts.unshift(`${String(Math.floor((100 * sample.files) / this.totalFiles)).padStart(3)}%`);
    } else if (this.totalBytes !== undefined && this.totalBytes > 0) {
      const fraction = Math.min(1, sample.bytes / this.totalBytes);
      const width = 20;
      const filled = Math.round(fraction * width);
      parts.unshift(`[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`);
      parts.push(`${formatBytes(sample.bytes)} / ${formatBytes(this.totalBytes)}`);
    } else {
      parts.push(formatBytes(sample.bytes));
    }
    if (this.withBytes) parts.push(formatRate(sample.bytes, elapsed));
    if (this.withBytes && this.totalBytes !== undefined && sample.bytes > 0 && elapsed > 1000) {
      const remaining = ((this.totalBytes - sample.bytes) * elapsed) / sample.bytes;
      parts.push(`ETA ${formatDuration(Math.max(0, remaining))}`);
    }
    if (sample.currentPath) parts.push(safeName(sample.currentPath));
    const columns = this.out.columns ?? 80;
    let line = parts.join('  ');
    if (line.length > columns - 1) line = `${line.slice(0, columns - 2)}…`;
    this.out.write(`\r\x1b[K${line}`);
    this.shown = true;
  }

  /** Clears the line so the final report starts on a clean row. */
  done(): void {
    if (this.shown) this.out.write('\r\x1b[K');
  }
}

/**
 * Counts the files and bytes under `sources` (symlinks not followed, `excluded` entries skipped) to
 * give the progress line a total. Runs alongside the backup; it stops early when `signal` aborts and
 * ignores unreadable folders (the backup reports those).
 */
export async function scanTotals(
  sources: string[],
  excluded: (name: string, fullPath: string) => boolean,
  onTotal: (files: number, bytes: number) => void,
  signal: AbortSignal,
): Promise<void> {
  let files = 0;
  let bytes = 0;
  const pending: string[] = [];
  for (const source of sources) {
    const stat = await fs.lstat(source).catch(() => undefined);
    if (stat?.isDirectory()) pending.push(path.resolve(source));
    else if (stat?.isFile()) {
      files++;
      bytes += stat.size;
    }
  }
  while (pending.length > 0 && !signal.aborted) {
    const dir = pending.pop()!;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    const sizes = await Promise.all(
      entries.map(async (entry) => {
        const full = path.join(dir, entry.name);
        if (excluded(entry.name, full)) return 0;
        if (entry.isDirectory()) pending.push(full);
        if (!entry.isFile()) return 0;
        files++;
        return (await fs.lstat(full).catch(() => undefined))?.size ?? 0;
      }),
    );
    for (const size of sizes) bytes += size;
    onTotal(files, bytes);
  }
}

/**
 * Counts the files and bytes of a snapshot by listing its trees, to give a restore's progress line a
 * total. Stops early when `signal` aborts; errors are ignored (the restore reports damage itself).
 */
export async function snapshotTotals(repo: Repository, snapshot: string, onTotal: (files: number, bytes: number) => void, signal: AbortSignal): Promise<void> {
  let files = 0;
  let bytes = 0;
  const pending = [''];
  while (pending.length > 0 && !signal.aborted) {
    const dir = pending.pop()!;
    for (const entry of await repo.ls(snapshot, dir, { signal })) {
      if (entry.type === 'dir') pending.push(entry.path);
      else if (entry.type === 'file') {
        files++;
        bytes += entry.size;
      }
    }
  }
  if (!signal.aborted) onTotal(files, bytes);
}
