/**
 * Measuring helpers for the benchmark: run a command under `/usr/bin/time -v` (wall time and peak
 * RSS), sum a directory's size, warm the page cache, parse sizes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The outcome of one timed command. */
export interface Timed {
  seconds: number;
  /** CPU time (user + system) of the command and its children. */
  cpuSeconds: number;
  rssMiB: number;
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args` under `/usr/bin/time -v`, measuring wall time around the child. Rejects when the
 * command exits with a code not in `okCodes`.
 */
export async function timed(command: string, args: string[], env: Record<string, string>, okCodes = [0]): Promise<Timed> {
  const report = path.join(os.tmpdir(), `coffer-bench-time-${process.pid}-${Date.now()}`);
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-v', '-o', report, command, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? -1, stdout: out, stderr: err }));
  });
  const seconds = (performance.now() - started) / 1000;
  let rssKb = 0;
  let cpuSeconds = 0;
  try {
    const text = readFileSync(report, 'utf8');
    rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1] ?? 0);
    cpuSeconds = Number(/User time \(seconds\): ([\d.]+)/.exec(text)?.[1] ?? 0) + Number(/System time \(seconds\): ([\d.]+)/.exec(text)?.[1] ?? 0);
  } finally {
    rmSync(report, { force: true });
  }
  if (!okCodes.includes(code)) {
    throw new Error(`${path.basename(command)} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return { seconds, cpuSeconds, rssMiB: rssKb / 1024, code, stdout, stderr };
}

/** Total size in bytes of the regular files under `dir`. */
export function directorySize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directorySize(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

/** Reads every file under `dir` once so the page cache holds it (untimed, before warm steps). */
export function warmCache(dir: string): void {
  const buffer = Buffer.allocUnsafe(1 << 20);
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const fd = openSync(full, 'r');
        try {
          while (readSync(fd, buffer, 0, buffer.length, null) > 0);
        } finally {
          closeSync(fd);
        }
      }
    }
  };
  walk(dir);
}

/**
 * Writes all dirty pages out (untimed, right before each measured step): otherwise the kernel's
 * writeback of the previous step's repository or restore (~0.8-1 GiB, flushed about 30 s later) ran
 * during the next step, and since the tools take turns, always during the other tool's step.
 */
export function flushWrites(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

/** Parses `1GiB`, `256MiB`, `512m`, `2g` or a plain byte count. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (!match) throw new Error(`cannot parse size "${text}" (try 1GiB or 256MiB)`);
  const power = { '': 0, k: 1, m: 2, g: 3, t: 4 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.round(Number(match[1]) * 1024 ** power);
}
