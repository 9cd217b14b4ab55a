/**
 * Forget: applies a retention policy (./retention.ts, restic's semantics) to the snapshots of a
 * repository and deletes the snapshot objects it does not keep. Only `snapshots/` objects are
 * deleted; the data they referenced stays until `prune`. The caller holds the exclusive lock (a
 * shared one suffices for a dry run, which deletes nothing).
 */
import { EngineError, AbortedError } from './errors';
import type { RepositoryCore } from './repository';
import { applyRetention, formatPolicy, isEmptyPolicy, validatePolicy, type RetentionPolicy } from './retention';
import type { Snapshot } from './snapshot';

/** What snapshots are grouped by before the policy applies to each group (restic's `--group-by`). */
export type ForgetGroupBy = 'host' | 'paths' | 'tags';

/** Options of `Repository.forget`. */
export interface ForgetOptions {
  /** List what would be kept and forgotten without deleting anything. */
  dryRun?: boolean;
  /** IANA zone whose calendar defines hours, days… (default: the process zone). */
  timeZone?: string;
  /** Reference time (default: now); only snapshots dated in the future are affected by it. */
  now?: Date;
  /** Apply the policy per group of snapshots; default: the whole repository is one group (one plan). */
  groupBy?: ForgetGroupBy[];
  /** Only consider snapshots of this host (others are left alone, neither kept nor forgotten). */
  host?: string;
  /** Only consider snapshots carrying all of these tags. */
  tags?: string[];
  signal?: AbortSignal;
}

/** One snapshot's fate. */
export interface ForgetDecision {
  snapshot: Snapshot;
  /** Why it is kept (every rule that keeps it); empty for forgotten snapshots. */
  reasons: string[];
  /** The group it was judged in ('' when not grouping). */
  group: string;
}

/** The outcome of forget; lists are newest first within each group. */
export interface ForgetResult {
  policy: string;
  keep: ForgetDecision[];
  forget: ForgetDecision[];
  /** Ids actually deleted (empty for a dry run). */
  removed: string[];
  dryRun: boolean;
}

function groupKey(s: Snapshot, by: ForgetGroupBy[]): string {
  const parts: string[] = [];
  if (by.includes('host')) parts.push(`host=${s.host}`);
  if (by.includes('paths')) parts.push(`paths=${[...s.paths].sort().join(',')}`);
  if (by.includes('tags')) parts.push(`tags=${[...s.tags].sort().join(',')}`);
  return parts.join(' ');
}

/**
 * Decides and (unless `dryRun`) deletes. Refuses an invalid or empty policy with EngineError: an empty
 * policy keeps everything in restic's semantics, which as a request to forget is almost surely a
 * mistake. Damaged snapshot objects are neither kept nor forgotten (check reports them).
 */
export async function runForget(repo: RepositoryCore, policy: RetentionPolicy, opts: ForgetOptions = {}): Promise<ForgetResult> {
  const errors = validatePolicy(policy);
  if (errors.length > 0) throw new EngineError(`Invalid retention policy: ${errors.join('; ')}`);
  if (isEmptyPolicy(policy)) throw new EngineError('The retention policy keeps everything: give at least one --keep option');
  const { snapshots } = await repo.readSnapshots(opts.signal);
  const chosen = snapshots.filter(
    (s) => (opts.host === undefined || s.host === opts.host) && (opts.tags ?? []).every((t) => s.tags.includes(t)),
  );
  const groups = new Map<string, Snapshot[]>();
  for (const s of chosen) {
    const k = groupKey(s, opts.groupBy ?? []);
    const g = groups.get(k);
    if (g) g.push(s);
    else groups.set(k, [s]);
  }
  const result: ForgetResult = { policy: formatPolicy(policy), keep: [], forget: [], removed: [], dryRun: !!opts.dryRun };
  for (const [group, list] of groups) {
    const items = list.map((snapshot) => ({ id: snapshot.id, time: new Date(snapshot.time), tags: snapshot.tags, snapshot }));
    let r;
    try {
      r = applyRetention(items, policy, opts.now, { timeZone: opts.timeZone });
    } catch (e) {
      throw new EngineError((e as Error).message, { cause: e });
    }
    for (const k of r.keep) result.keep.push({ snapshot: k.snapshot.snapshot, reasons: k.reasons, group });
    for (const f of r.forget) result.forget.push({ snapshot: f.snapshot.snapshot, reasons: [], group });
  }
  if (opts.dryRun) return result;
  for (const f of result.forget) {
    if (opts.signal?.aborted) throw new AbortedError();
    await repo.storage.delete(`snapshots/${f.snapshot.id}`);
    result.removed.push(f.snapshot.id);
  }
  return result;
}
