/**
 * `coffer forget` and `coffer prune`: apply a retention policy, and reclaim the space of data no
 * snapshot uses (see lib/engine/forget.ts and prune.ts).
 */
import type { ForgetGroupBy, PruneResult, RetentionPolicy } from '../index';
import { phaseProgress, print, progressLine, withRepository, type Context } from './commands';
import { formatBytes } from './format';
import { CliError, EXIT_OK } from './io';

const COUNT_FLAGS = [
  ['keep-last', 'keepLast'],
  ['keep-hourly', 'keepHourly'],
  ['keep-daily', 'keepDaily'],
  ['keep-weekly', 'keepWeekly'],
  ['keep-monthly', 'keepMonthly'],
  ['keep-yearly', 'keepYearly'],
] as const;

/** Builds the policy from the --keep-* flags; CliError for malformed values or none at all. */
export function policyFromArgs(values: Context['args']['values']): RetentionPolicy {
  const policy: RetentionPolicy = {};
  for (const [flag, key] of COUNT_FLAGS) {
    const v = values[flag];
    if (v === undefined) continue;
    if (!/^(-1|\d+)$/.test(v.trim())) throw new CliError(`--${flag} takes a whole number (or -1 for unlimited), not "${v}"`);
    policy[key] = Number(v);
  }
  if (values['keep-within'] !== undefined) policy.keepWithin = values['keep-within'];
  if (values['keep-tag'] !== undefined) policy.keepTags = values['keep-tag'];
  if (Object.keys(policy).length === 0) throw new CliError('no retention policy: give at least one --keep-* option');
  return policy;
}

function thresholdOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(v.trim());
  const percent = m ? Number(m[1]) : Number.NaN;
  if (!(percent >= 0 && percent <= 100)) throw new CliError(`--repack-threshold takes a percentage between 0 and 100, not "${v}"`);
  return percent / 100;
}

function groupByOption(v: string | undefined): ForgetGroupBy[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of parts) if (!['host', 'paths', 'tags'].includes(p)) throw new CliError(`--group-by takes host, paths and/or tags, not "${p}"`);
  return parts as ForgetGroupBy[];
}

function describePrune(r: PruneResult): string {
  const verb = r.dryRun ? 'would delete' : 'deleted';
  return [
    `prune: ${r.snapshots} snapshots use ${r.blobsUsed} blobs`,
    `  ${verb} ${r.packsDeleted} unused and ${r.unindexedPacks} unindexed packs, ${r.dryRun ? 'would repack' : 'repacked'} ${r.packsRepacked} into ${r.packsWritten}`,
    `  ${r.packsBefore} packs, ${formatBytes(r.bytesBefore)} before; ${r.packsAfter} packs, ${formatBytes(r.bytesAfter)} after${r.dryRun ? ' (not counting repacked data)' : ''}`,
  ].join('\n');
}

/** `coffer forget`: prints kept and forgotten snapshots with reasons; `--prune` prunes afterwards. */
export async function forgetCommand(ctx: Context): Promise<number> {
  const { values } = ctx.args;
  const policy = policyFromArgs(values);
  const repackThreshold = thresholdOption(values['repack-threshold']);
  if (values['dry-run'] && values.prune) throw new CliError('--prune does nothing with --dry-run; use coffer prune --dry-run');
  return withRepository(ctx, async (repo) => {
    const r = await repo.forget(policy, {
      dryRun: values['dry-run'],
      groupBy: groupByOption(values['group-by']),
      host: values.host,
      tags: values.tag,
      signal: ctx.signal,
      prune: values.prune ? { repackThreshold } : undefined,
    });
    const when = (t: string) => new Date(t).toISOString().replace('T', ' ').slice(0, 19);
    const lines = [`policy: ${r.policy}`];
    for (const k of r.keep) lines.push(`keep   ${k.snapshot.id.slice(0, 8)}  ${when(k.snapshot.time)}  ${k.reasons.join(', ')}`);
    for (const f of r.forget) lines.push(`${r.dryRun ? 'would remove' : 'remove'} ${f.snapshot.id.slice(0, 8)}  ${when(f.snapshot.time)}`);
    lines.push(`${r.keep.length} kept, ${r.forget.length} ${r.dryRun ? 'would be removed (dry run)' : 'removed'}`);
    if (r.prune) lines.push(describePrune(r.prune));
    const json = {
      policy: r.policy,
      dryRun: r.dryRun,
      keep: r.keep.map((k) => ({ id: k.snapshot.id, time: k.snapshot.time, reasons: k.reasons, group: k.group })),
      forget: r.forget.map((f) => ({ id: f.snapshot.id, time: f.snapshot.time, group: f.group })),
      removed: r.removed,
      prune: r.prune,
    };
    print(ctx, lines.join('\n'), json);
    return EXIT_OK;
  });
}

/** `coffer prune`. */
export async function pruneCommand(ctx: Context): Promise<number> {
  const { values } = ctx.args;
  const repackThreshold = thresholdOption(values['repack-threshold']);
  return withRepository(ctx, async (repo) => {
    const line = progressLine(ctx, 'pruned', 'steps', false);
    let r;
    try {
      r = await repo.prune({
        dryRun: values['dry-run'],
        repackThreshold,
        signal: ctx.signal,
        onProgress: phaseProgress(line),
      });
    } finally {
      line?.done();
    }
    print(ctx, describePrune(r), r);
    return EXIT_OK;
  });
}
