/**
 * The benchmark's result shape and its text table.
 */

/** One tool's figures for one step. */
export interface ToolStep {
  seconds: number;
  /** CPU seconds (user + system). */
  cpuSeconds: number;
  mbPerSecond: number;
  peakRssMiB: number;
  addedBytes?: number;
}

/** One step (e.g. "first backup") for every tool. */
export interface StepResult {
  step: string;
  tools: Partial<Record<'coffer' | 'restic', ToolStep>>;
}

/** Everything a run measured; printed as JSON with `--json`. */
export interface BenchResult {
  date: string;
  machine: { cpus: number; cpu: string; node: string; restic: string | null; loadAverage: number };
  dataset: { bytes: number; files: number; changedFiles: number };
  /** Full sequences run; figures are medians (peak RSS the maximum). */
  runs: number;
  steps: StepResult[];
  repositoryBytes: Record<string, number>;
  restoreVerified: Record<string, boolean>;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Renders the result as a fixed-width table with the Coffer/restic ratios. */
export function report(result: BenchResult): string {
  const rows: string[][] = [['step', 'coffer s', 'cpu s', 'MB/s', 'RSS MiB', 'added', 'restic s', 'cpu s', 'MB/s', 'RSS MiB', 'added', 'speed ratio']];
  for (const step of result.steps) {
    const c = step.tools.coffer;
    const r = step.tools.restic;
    const cells = (t?: ToolStep) =>
      t
        ? [t.seconds.toFixed(2), t.cpuSeconds.toFixed(1), t.mbPerSecond.toFixed(1), t.peakRssMiB.toFixed(0), t.addedBytes !== undefined ? mib(t.addedBytes) : '-']
        : ['-', '-', '-', '-', '-'];
    const ratio = c && r ? (r.seconds / c.seconds).toFixed(2) : '-';
    rows.push([step.step, ...cells(c), ...cells(r), ratio]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  const { coffer, restic } = result.repositoryBytes;
  const data = result.dataset.bytes;
  lines.push('');
  lines.push(`runs: ${result.runs} (medians; peak RSS is the maximum); 1-minute load average at the end: ${result.machine.loadAverage.toFixed(1)}`);
  lines.push(`dataset: ${mib(data)} in ${result.dataset.files} files (${result.dataset.changedFiles} changed in step 3)`);
  if (coffer !== undefined) lines.push(`coffer repository: ${mib(coffer)} (${(coffer / data).toFixed(3)} of the data)`);
  if (restic !== undefined) lines.push(`restic repository: ${mib(restic)} (${(restic / data).toFixed(3)} of the data)`);
  if (coffer !== undefined && restic !== undefined) lines.push(`size ratio coffer/restic: ${(coffer / restic).toFixed(3)}`);
  lines.push(`restore verified with diff -r: ${Object.entries(result.restoreVerified).map(([k, v]) => `${k} ${v ? 'identical' : 'DIFFERENT'}`).join(', ')}`);
  lines.push('speed ratio = restic time / coffer time (>= 1 means Coffer is faster); added: coffer counts stored (compressed) bytes, restic uncompressed');
  return `${lines.join('\n')}\n`;
}
