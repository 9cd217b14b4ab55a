/**
 * `npm run bench [-- --size 1GiB] [--json] [--no-restic]`: backs up a deterministic dataset with
 * Coffer (the CLI, in a child process) and, when installed, restic, step by step in the same run:
 * first backup, no-change backup, backup after changing ~2 % of files, full restore (verified with
 * `diff -r`). Prints time, MB/s, peak RSS, bytes added, repository size and the speed ratio
 * restic time / Coffer time (≥ 1 means Coffer is faster).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyChange, ensureDataset, planDataset } from './dataset';
import { directorySize, parseSize, timed, warmCache, type Timed } from './measure';
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
  const run = (args: string[], ok?: number[]) => timed(process.execPath, [bin, ...args], env, ok);
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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '1GiB' }, json: { type: 'boolean' }, 'no-restic': { type: 'boolean' } } });
  const size = parseSize(values.size);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const label = values.size.replace(/\s+/g, '');
  const dataset = planDataset(path.join(WORK, `data-${label}`), size);
  mkdirSync(WORK, { recursive: true });
  ensureDataset(dataset, log);
  const version = resticVersion();
  const tools = [coffer(), ...(version && !values['no-restic'] ? [restic()] : [])];
  if (!version && !values['no-restic']) log('restic is not installed: measuring Coffer alone');

  for (const tool of tools) rmSync(tool.repo, { recursive: true, force: true });
  rmSync(path.join(WORK, 'restic-cache'), { recursive: true, force: true });
  for (const tool of tools) await tool.init();

  const steps: StepResult[] = [];
  const measureBackups = async (step: string) => {
    const result: StepResult = { step, tools: {} };
    for (const tool of tools) {
      warmCache(dataset.root); // the page cache drops idle pages after about a minute
      log(`${step}: ${tool.name}…`);
      const { run, added } = await tool.backup(dataset.root);
      result.tools[tool.name] = toolStep(run, size, added);
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
    const target = path.join(WORK, `restore-${tool.name}`);
    rmSync(target, { recursive: true, force: true });
    warmCache(tool.repo);
    log(`restore: ${tool.name}…`);
    restore.tools[tool.name] = toolStep(await tool.restore(target), size);
    verified[tool.name] = sameTree(dataset.root, tool.restoredPath(target, dataset.root));
    rmSync(target, { recursive: true, force: true });
  }
  steps.push(restore);

  const result: BenchResult = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', node: process.version, restic: version ?? null },
    dataset: { bytes: size, files: dataset.files.length, changedFiles: changed },
    steps,
    repositoryBytes: Object.fromEntries(tools.map((t) => [t.name, directorySize(t.repo)])),
    restoreVerified: verified,
  };
  ensureDataset(dataset, () => undefined); // undo the change step for the next run
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
