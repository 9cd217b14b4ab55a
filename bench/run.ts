/**
 * `npm run bench [-- --size 1GiB] [--runs 3] [--json] [--no-restic]`: backs up a deterministic dataset with
 * Coffer (the CLI, in a child process) and, when installed, restic, step by step in the same run:
 * first backup, no-change backup, backup after changing ~2 % of files, full restore (verified with
 * `diff -r`). Prints time, MB/s, peak RSS, bytes added, repository size and the speed ratio
 * restic time / Coffer time (≥ 1 means Coffer is faster). With `--runs N` each figure is the median of N
 * full sequences (peak RSS the maximum).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyChange, ensureDataset, planDataset, type Dataset } from './dataset';
import { directorySize, flushWrites, parseSize, timed, warmCache, type Timed } from './measure';
import { report, type BenchResult, type StepResult, type ToolStep } from './report';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORK = path.join(ROOT, 'bench/.work');
const PASSWORD = 'coffer benchmark passphrase';

interface Tool {
  name: 'coffer' | 'restic';
  repo: string;
  init(): Promise<void>;
  backup(source: string): Promise<{ run: Timed; added?: number }>;
  restore(target: string): Promise<Timed>;
  /** Where the restored copy of `source` ends up under `target`. */
  restoredPath(target: string, source: string): string;
}

function coffer(): Tool {
  const repo = path.join(WORK, 'repo-coffer');
  const bin = path.join(ROOT, 'bin/coffer.mjs');
  const env = { COFFER_PASSWORD: PASSWORD };
  // The CLI bundles the engine on first use after a source change (see bin/coffer.mjs); an untimed
  // `--help` first keeps that one-time cost out of the measured steps.
  // Run as `npx coffer` runs it: the file itself, so the Node options its first lines choose apply.
  const run = (args: string[], ok?: number[]) => {
    spawnSync(bin, ['--help'], { stdio: 'ignore' });
    return timed(bin, args, env, ok);
  };
  return {
    name: 'coffer',
    repo,
    async init() {
      await run(['init', '--repo', repo]);
    },
    async backup(source) {
      const result = await run(['backup', '--repo', repo, '--json', source], [0, 3]);
      const added = (JSON.parse(result.stdout) as { summary: { bytesAdded: number } }).summary.bytesAdded;
      return { run: result, added };
    },
    restore: (target) => run(['restore', '--repo', repo, 'latest', '--target', target]),
    restoredPath: (target, source) => path.join(target, path.basename(source)),
  };
}

function restic(): Tool {
  const repo = path.join(WORK, 'repo-restic');
  const cache = path.join(WORK, 'restic-cache');
  const env = { RESTIC_PASSWORD: PASSWORD };
  const run = (args: string[]) => timed('restic', ['--repo', repo, '--cache-dir', cache, '--compression', 'auto', ...args], env);
  return {
    name: 'restic',
    repo,
    async init() {
      await run(['init', '--repository-version', '2']);
    },
    async backup(source) {
      const result = await run(['backup', '--json', source]);
      const summary = result.stdout
        .split('\n')
        .filter((line) => line.includes('"summary"'))
        .map((line) => JSON.parse(line) as { data_added?: number })[0];
      return { run: result, added: summary?.data_added };
    },
    restore: (target) => run(['restore', 'latest', '--target', target]),
    restoredPath: (target, source) => path.join(target, source),
  };
}

function resticVersion(): string | undefined {
  const result = spawnSync('restic', ['version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function sameTree(a: string, b: string): boolean {
  return spawnSync('diff', ['-r', '-q', a, b], { stdio: 'ignore' }).status === 0;
}

interface RunOutcome {
  steps: StepResult[];
  repositoryBytes: Record<string, number>;
  verified: Record<string, boolean>;
  changed: number;
}

/**
 * Restored copies are kept until the whole benchmark ends. This machine's file system (ext4 without a
 * journal) skips inodes freed in the last 60 s (360 s while their inode table block is dirty) when it
 * allocates new ones, one buffer lookup per skipped inode: deleting a 17.7k-file restore made the
 * next restore, whichever tool ran it, spend seconds of kernel time finding free inodes.
 */
const restoreTargets: string[] = [];

/** One full sequence (fresh repositories): first, no-change and 2 % backups, then a verified restore. */
async function runOnce(dataset: Dataset, tools: Tool[], log: (line: string) => void, run: number): Promise<RunOutcome> {
  ensureDataset(dataset, log); // also undoes a previous run's change step
  for (const tool of tools) rmSync(tool.repo, { recursive: true, force: true });
  rmSync(path.join(WORK, 'restic-cache'), { recursive: true, force: true });
  for (const tool of tools) await tool.init();

  const steps: StepResult[] = [];
  const measureBackups = async (step: string) => {
    const result: StepResult = { step, tools: {} };
    for (const tool of tools) {
      warmCache(dataset.root); // the page cache drops idle pages after about a minute
      flushWrites();
      log(`${step}: ${tool.name}…`);
      const { run, added } = await tool.backup(dataset.root);
      result.tools[tool.name] = toolStep(run, dataset.size, added);
    }
    steps.push(result);
  };
  await measureBackups('first backup');
  await measureBackups('no-change backup');
  const changed = applyChange(dataset);
  log(`changed ${changed} of ${dataset.files.length} files`);
  await measureBackups('backup after 2 % change');

  const restore: StepResult = { step: 'restore', tools: {} };
  const verified: Record<string, boolean> = {};
  for (const tool of tools) {
    const target = path.join(WORK, `restore-${tool.name}-${run}`);
    rmSync(target, { recursive: true, force: true });
    restoreTargets.push(target);
    warmCache(tool.repo);
    flushWrites();
    log(`restore: ${tool.name}…`);
    restore.tools[tool.name] = toolStep(await tool.restore(target), dataset.size);
    verified[tool.name] = sameTree(dataset.root, tool.restoredPath(target, dataset.root));
  }
  steps.push(restore);
  const repositoryBytes = Object.fromEntries(tools.map((t) => [t.name, directorySize(t.repo)]));
  ensureDataset(dataset, () => undefined);
  return { steps, repositoryBytes, verified, changed };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Per step and tool, the median of each figure over the runs (peak RSS: the maximum). */
function combine(runs: RunOutcome[]): StepResult[] {
  return runs[0]!.steps.map((first, i) => {
    const result: StepResult = { step: first.step, tools: {} };
    for (const name of Object.keys(first.tools) as ('coffer' | 'restic')[]) {
      const all = runs.map((r) => r.steps[i]!.tools[name]!);
      const added = all[0]!.addedBytes;
      result.tools[name] = {
        seconds: median(all.map((t) => t.seconds)),
        cpuSeconds: median(all.map((t) => t.cpuSeconds)),
        mbPerSecond: median(all.map((t) => t.mbPerSecond)),
        peakRssMiB: Math.max(...all.map((t) => t.peakRssMiB)),
        ...(added !== undefined ? { addedBytes: added } : {}),
      };
    }
    return result;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { size: { type: 'string', default: '1GiB' }, runs: { type: 'string', default: '1' }, json: { type: 'boolean' }, 'no-restic': { type: 'boolean' } },
  });
  const size = parseSize(values.size);
  const runCount = Math.max(1, Number.parseInt(values.runs, 10) || 1);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const dataset = planDataset(path.join(WORK, `data-${values.size.replace(/\s+/g, '')}`), size);
  mkdirSync(WORK, { recursive: true });
  const version = resticVersion();
  const tools = [coffer(), ...(version && !values['no-restic'] ? [restic()] : [])];
  if (!version && !values['no-restic']) log('restic is not installed: measuring Coffer alone');

  const runs: RunOutcome[] = [];
  try {
    for (let i = 0; i < runCount; i++) {
      if (runCount > 1) log(`run ${i + 1} of ${runCount}`);
      runs.push(await runOnce(dataset, tools, log, i));
    }
  } finally {
    for (const t of restoreTargets) rmSync(t, { recursive: true, force: true });
  }
  const last = runs.at(-1)!;
  const verified = Object.fromEntries(tools.map((t) => [t.name, runs.every((r) => r.verified[t.name])]));
  const result: BenchResult = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', node: process.version, restic: version ?? null, loadAverage: os.loadavg()[0]! },
    dataset: { bytes: size, files: dataset.files.length, changedFiles: last.changed },
    runs: runCount,
    steps: combine(runs),
    repositoryBytes: last.repositoryBytes,
    restoreVerified: verified,
  };
  process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : report(result));
  if (Object.values(verified).some((ok) => !ok)) {
    log('restore verification FAILED: the restored tree differs from the dataset');
    process.exitCode = 1;
  }
}

function toolStep(run: Timed, bytes: number, added?: number): ToolStep {
  return { seconds: run.seconds, cpuSeconds: run.cpuSeconds, mbPerSecond: bytes / 1e6 / run.seconds, peakRssMiB: run.rssMiB, ...(added !== undefined ? { addedBytes: added } : {}) };
}

// `sync` so dirty pages of the dataset do not land in the first timed step.
execFileSync('sync');
await main();
