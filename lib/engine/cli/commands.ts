/**
 * The CLI commands. Each takes the parsed command line and the I/O context, prints its result (text
 * or `--json`) and returns the exit code; failures throw (CliError or an EngineError) for main.ts to
 * print as one line.
 */
import { isCodec, type CompressionMode } from '../compress';
import { compileExcludes } from '../glob';
import { initRepository, LocalStorage, openRepository, Prescan, WrongPassphraseError, type Repository } from '../index';
import type { Parsed } from './args';
import { formatBytes, formatDuration, formatMode, formatRate, safeName, table } from './format';
import { CliError, EXIT_ERROR, EXIT_OK, EXIT_WARNINGS, type CliIo } from './io';
import { canPrompt, givenPassphrase, promptHidden, promptNewPassphrase } from './passphrase';
import { ProgressLine, scanTotals, snapshotTotals } from './progress';

/** What every command gets. */
export interface Context {
  io: CliIo;
  args: Parsed;
  signal: AbortSignal;
}

/** The repository path from --repo or COFFER_REPOSITORY; CliError when neither is set. */
export function repoPath(ctx: Context): string {
  const repo = ctx.args.values.repo ?? ctx.io.env.COFFER_REPOSITORY;
  if (!repo) throw new CliError('no repository given: use --repo PATH or set COFFER_REPOSITORY');
  return repo;
}

/** Prints `human` text, or `json` as JSON with --json. */
export function print(ctx: Context, human: string, json: unknown): void {
  ctx.io.stdout.write(ctx.args.values.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
}

function compressionOption(value: string | undefined): CompressionMode | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto' || value === 'off' || isCodec(value)) return value;
  throw new CliError(`unknown compression "${value}" (use auto, off, brotli, deflate or none)`);
}

/** Opens the repository, asking for the passphrase on a terminal only when it is encrypted. */
async function open(ctx: Context): Promise<Repository> {
  const storage = new LocalStorage(repoPath(ctx));
  const passphrase = await givenPassphrase(ctx.io, ctx.args.values['password-file']);
  try {
    return await openRepository(storage, { passphrase, lock: { waitMs: 0 } });
  } catch (error) {
    if (!(error instanceof WrongPassphraseError) || passphrase !== undefined) throw error;
    if (!canPrompt(ctx.io)) {
      throw new CliError(`the repository ${storage.location} is encrypted: set COFFER_PASSWORD or use --password-file`);
    }
    const asked = await promptHidden(ctx.io, `Passphrase for ${storage.location}: `);
    return openRepository(storage, { passphrase: asked });
  }
}

/** Opens the repository, runs `fn`, and closes it. */
export async function withRepository<T>(ctx: Context, fn: (repo: Repository) => Promise<T>): Promise<T> {
  const repo = await open(ctx);
  try {
    return await fn(repo);
  } finally {
    await repo.close();
  }
}

/** A progress callback drawing work done in steps of a named phase on `line`; none without a line. */
export function phaseProgress(line: ProgressLine | undefined): ((p: { done: number; total: number; phase: string }) => void) | undefined {
  if (!line) return undefined;
  return (p) => {
    line.totalFiles = p.total;
    line.update({ files: p.done, bytes: 0, currentPath: p.phase });
  };
}

/** A progress line on stderr when it is a terminal. */
export function progressLine(ctx: Context, verb: string, unit?: string, withBytes?: boolean): ProgressLine | undefined {
  return ctx.io.stderr.isTTY ? new ProgressLine(ctx.io.stderr, verb, unit, withBytes) : undefined;
}

export async function initCommand(ctx: Context): Promise<number> {
  const location = repoPath(ctx);
  const plain = ctx.args.values['no-encryption'] === true;
  let passphrase: string | undefined;
  if (!plain) {
    passphrase = await givenPassphrase(ctx.io, ctx.args.values['password-file']);
    if (passphrase === undefined) {
      if (!canPrompt(ctx.io)) throw new CliError('no passphrase: set COFFER_PASSWORD, use --password-file, or pass --no-encryption');
      passphrase = await promptNewPassphrase(ctx.io);
    }
  }
  const repo = await initRepository(new LocalStorage(location), {
    encryption: plain ? 'none' : 'aes-256-gcm',
    passphrase,
    compression: compressionOption(ctx.args.values.compression),
  });
  await repo.close();
  const what = plain ? 'unencrypted' : 'encrypted';
  print(ctx, `created ${what} repository ${repo.id.slice(0, 8)} at ${repo.location}`, { id: repo.id, location: repo.location, encryption: repo.encryption });
  return EXIT_OK;
}

export async function backupCommand(ctx: Context): Promise<number> {
  const sources = ctx.args.positionals;
  if (sources.length === 0) throw new CliError('nothing to back up: give one or more SOURCE paths');
  const { values } = ctx.args;
  // The sources are stated while the repository opens (see prescan.ts).
  const prescan = new Prescan(sources);
  return withRepository(ctx, async (repo) => {
    const line = progressLine(ctx, 'backed up');
    const scan = new AbortController();
    const stopScan = () => scan.abort();
    ctx.signal.addEventListener('abort', stopScan);
    if (line) {
      const excluded = compileExcludes(values.exclude ?? []);
      void scanTotals(sources, excluded, (files, bytes) => ((line.totalFiles = files), (line.totalBytes = bytes)), scan.signal).catch(() => undefined);
    }
    let result;
    try {
      result = await repo.backup(sources, {
        excludes: values.exclude,
        tags: values.tag,
        parent: values.parent,
        host: values.host,
        compression: compressionOption(values.compression),
        signal: ctx.signal,
        prescan,
        onProgress: line ? (p) => line.update({ files: p.files, bytes: p.bytesRead, currentPath: p.currentPath }) : undefined,
      });
    } finally {
      scan.abort();
      ctx.signal.removeEventListener('abort', stopScan);
      line?.done();
    }
    const { snapshot, summary } = result;
    const human = [
      `snapshot ${snapshot.id.slice(0, 8)} saved`,
      `  ${summary.files} files, ${summary.dirs} folders, ${formatBytes(summary.bytesRead)} read, ${formatBytes(summary.bytesAdded)} added`,
      `  in ${formatDuration(summary.durationMs)} (${formatRate(summary.bytesRead, summary.durationMs)})`,
    ].join('\n');
    print(ctx, human, { snapshot, summary });
    if (summary.warnings.length === 0) return EXIT_OK;
    for (const w of summary.warnings) ctx.io.stderr.write(`warning: ${safeName(w.path)}: ${safeName(w.message)}\n`);
    ctx.io.stderr.write(`coffer: backup finished with ${summary.warnings.length} warning${summary.warnings.length === 1 ? '' : 's'}\n`);
    return EXIT_WARNINGS;
  }).finally(() => prescan.stop());
}

export async function snapshotsCommand(ctx: Context): Promise<number> {
  return withRepository(ctx, async (repo) => {
    const snapshots = await repo.listSnapshots({ signal: ctx.signal });
    const rows = snapshots.map((s) => [
      s.id.slice(0, 8),
      new Date(s.time).toISOString().replace('T', ' ').slice(0, 19),
      safeName(s.host),
      s.tags.map(safeName).join(','),
      String(s.summary.files),
      formatBytes(s.summary.bytesRead),
      s.paths.map(safeName).join(' '),
    ]);
    const human = snapshots.length === 0 ? 'no snapshots yet' : table(['ID', 'Time (UTC)', 'Host', 'Tags', 'Files', 'Read', 'Paths'], rows, [4, 5]);
    print(ctx, human, snapshots);
    return EXIT_OK;
  });
}

export async function lsCommand(ctx: Context): Promise<number> {
  const [snapshot, dir = ''] = ctx.args.positionals;
  if (!snapshot) throw new CliError('usage: coffer ls SNAPSHOT [PATH]');
  return withRepository(ctx, async (repo) => {
    const entries = await repo.ls(snapshot, dir, { signal: ctx.signal });
    const lines = entries.map((e) => {
      const link = e.target !== undefined ? ` -> ${safeName(e.target)}` : '';
      const when = e.mtime.toISOString().replace('T', ' ').slice(0, 19);
      return `${formatMode(e.type, e.mode)} ${String(e.uid).padStart(5)} ${String(e.gid).padStart(5)} ${String(e.size).padStart(12)} ${when}  ${safeName(e.path)}${link}`;
    });
    print(ctx, lines.join('\n'), entries.map(({ nameBytes: _bytes, ...rest }) => rest));
    return EXIT_OK;
  });
}

export async function restoreCommand(ctx: Context): Promise<number> {
  const [snapshot] = ctx.args.positionals;
  const { target, include, overwrite } = ctx.args.values;
  if (!snapshot || ctx.args.positionals.length > 1) throw new CliError('usage: coffer restore SNAPSHOT --target DIR');
  if (!target) throw new CliError('no restore target: give --target DIR');
  if (overwrite !== undefined && !['skip', 'overwrite', 'keep-both'].includes(overwrite)) {
    throw new CliError(`unknown --overwrite "${overwrite}" (use skip, overwrite or keep-both)`);
  }
  return withRepository(ctx, async (repo) => {
    const line = progressLine(ctx, 'restored');
    const started = Date.now();
    const totals = new AbortController();
    // Resolved once, so `latest` cannot move between the totals walk and the restore.
    const { id } = await repo.findSnapshot(snapshot);
    if (line && !include?.length) {
      const setTotal = (files: number, bytes: number) => ((line.totalFiles = files), (line.totalBytes = bytes));
      void snapshotTotals(repo, id, setTotal, totals.signal).catch(() => undefined);
    }
    let result;
    try {
      result = await repo.restore(id, target, {
        include,
        overwrite: overwrite as 'skip' | 'overwrite' | 'keep-both' | undefined,
        signal: ctx.signal,
        onProgress: line ? (p) => line.update({ files: p.files, bytes: p.bytes, currentPath: p.currentPath }) : undefined,
      });
    } finally {
      totals.abort();
      line?.done();
    }
    const ms = Date.now() - started;
    const human = `restored ${result.files} files, ${result.dirs} folders, ${formatBytes(result.bytes)} to ${target} in ${formatDuration(ms)} (${formatRate(result.bytes, ms)})`;
    print(ctx, human, { ...result, failures: result.failures.map((f) => ({ path: f.path, error: f.error.message })) });
    for (const s of result.skipped) ctx.io.stderr.write(`skipped: ${safeName(s.path)}: ${safeName(s.reason)}\n`);
    if (result.failures.length === 0) return EXIT_OK;
    for (const f of result.failures) ctx.io.stderr.write(`error: ${safeName(f.path)}: ${safeName(f.error.message)}\n`);
    ctx.io.stderr.write(`coffer: ${result.failures.length} file${result.failures.length === 1 ? '' : 's'} could not be restored\n`);
    return EXIT_ERROR;
  });
}

function readDataOption(ctx: Context): boolean | number {
  const { 'read-data': all, 'read-data-subset': subset } = ctx.args.values;
  if (all && subset !== undefined) throw new CliError('give either --read-data or --read-data-subset, not both');
  if (subset === undefined) return all === true;
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(subset.trim());
  const percent = match ? Number(match[1]) : Number.NaN;
  if (!(percent > 0 && percent <= 100)) throw new CliError(`--read-data-subset takes a percentage between 0 and 100, got "${subset}"`);
  return percent;
}

export async function checkCommand(ctx: Context): Promise<number> {
  const readData = readDataOption(ctx);
  return withRepository(ctx, async (repo) => {
    const line = progressLine(ctx, 'checked', 'objects', false);
    let report;
    try {
      report = await repo.check({
        readData,
        signal: ctx.signal,
        onProgress: phaseProgress(line),
      });
    } finally {
      line?.done();
    }
    const lines: string[] = [];
    for (const e of report.errors) lines.push(`error: ${safeName(e.object)}: ${safeName(e.message)}`);
    for (const d of report.damagedPacks) {
      lines.push(`damaged pack ${d.pack}: ${safeName(d.reason)}`);
      if (d.snapshots.length > 0) lines.push(`  affects snapshots ${d.snapshots.map((s) => s.slice(0, 8)).join(', ')}`);
      for (const f of d.files) lines.push(`  ${safeName(f)}`);
    }
    if (report.unreferencedPacks.length > 0) lines.push(`${report.unreferencedPacks.length} unreferenced packs (left by interrupted backups; harmless)`);
    const read = readData === false ? '' : `, ${report.packsRead} read`;
    lines.push(report.ok ? `no errors found: ${report.packs} packs${read}, ${report.snapshots} snapshots` : `the repository has errors: ${report.packs} packs${read}, ${report.snapshots} snapshots`);
    print(ctx, lines.join('\n'), report);
    if (report.ok) return EXIT_OK;
    ctx.io.stderr.write(`coffer: check found ${report.errors.length + report.damagedPacks.length} problems in ${repo.location}\n`);
    return EXIT_ERROR;
  });
}
