/**
 * Retention policies: which snapshots `forget` keeps. The semantics are restic's `forget` exactly, so
 * people who know restic's flags get what they expect:
 * - snapshots are taken newest first; `keepLast` keeps the n newest;
 * - `keepHourly`/`Daily`/`Weekly`/`Monthly`/`Yearly` n keep the newest snapshot of each of the n most
 *   recent hours/days/ISO weeks/months/years that have a snapshot (calendar buckets in a time zone);
 *   when the snapshots run out before a count does, the oldest snapshot is kept as well (reason
 *   "oldest daily snapshot");
 * - a count of -1 means unlimited;
 * - `keepWithin` ("2y5m7d3h") keeps every snapshot newer than that span before the newest snapshot
 *   (not before now, so a plan that stopped running does not lose its history);
 * - `keepTags` entries are tag lists ("a,b" = has both a and b; "" = has no tags); a snapshot matching
 *   any list is kept;
 * - reasons list every rule that kept a snapshot; an empty policy keeps everything ("policy is
 *   empty"), and callers must refuse it rather than run it.
 */
import { isoWeek, isValidTimeZone, localTimeZone, wallTime } from './time-zone';
import { addDuration, formatDuration, parseDuration, type RetentionDuration } from './retention-duration';

export { formatDuration, parseDuration, type RetentionDuration } from './retention-duration';

/** A retention policy; counts are whole numbers, or -1 for unlimited. */
export interface RetentionPolicy {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  /** Keep everything within this span of the newest snapshot, e.g. `30d`, `1y6m`. */
  keepWithin?: string;
  /** Tag lists: `"a,b"` keeps snapshots tagged both a and b; `""` keeps untagged snapshots. */
  keepTags?: string[];
}

/** What retention needs of a snapshot. */
export interface RetentionSnapshot {
  id: string;
  time: Date;
  tags?: string[];
}

/** The outcome, each list newest first. */
export interface RetentionResult<S extends RetentionSnapshot> {
  keep: { snapshot: S; reasons: string[] }[];
  forget: { snapshot: S; reasons?: string[] }[];
}

/** Options of `applyRetention`. */
export interface RetentionOptions {
  /** IANA zone whose calendar defines hours, days, weeks, months and years (default: the process zone). */
  timeZone?: string;
}

const COUNTS = [
  ['keepLast', 'last snapshot', 'latest'],
  ['keepHourly', 'hourly snapshot', 'hourly'],
  ['keepDaily', 'daily snapshot', 'daily'],
  ['keepWeekly', 'weekly snapshot', 'weekly'],
  ['keepMonthly', 'monthly snapshot', 'monthly'],
  ['keepYearly', 'yearly snapshot', 'yearly'],
] as const;

/** Problems with a policy, one sentence each; empty when it is valid (an empty policy is valid here). */
export function validatePolicy(policy: RetentionPolicy): string[] {
  const errors: string[] = [];
  for (const [key] of COUNTS) {
    const value = policy[key];
    if (value !== undefined && (!Number.isInteger(value) || value < -1))
      errors.push(`${key} must be a whole number of 0 or more (or -1 for unlimited), not ${String(value)}`);
  }
  if (policy.keepWithin !== undefined) {
    try {
      parseDuration(policy.keepWithin);
    } catch (error) {
      errors.push(`keepWithin: ${(error as Error).message}`);
    }
  }
  for (const list of policy.keepTags ?? []) {
    if (typeof list !== 'string' || (list.trim() !== '' && list.split(',').some((tag) => tag.trim() === '')))
      errors.push(`keepTags entries must be tags separated by commas, not ${JSON.stringify(list)}`);
  }
  return errors;
}

/** Throws an Error listing every problem when `policy` is invalid. */
export function assertValidPolicy(policy: RetentionPolicy): void {
  const errors = validatePolicy(policy);
  if (errors.length > 0) throw new Error(`Invalid retention policy: ${errors.join('; ')}`);
}

/** True when the policy keeps by no rule at all (and so would keep everything). Throws on a bad `keepWithin`. */
export function isEmptyPolicy(policy: RetentionPolicy): boolean {
  const within = policy.keepWithin === undefined ? undefined : parseDuration(policy.keepWithin);
  return (
    COUNTS.every(([key]) => !policy[key]) &&
    (!within || isZero(within)) &&
    (policy.keepTags ?? []).length === 0
  );
}

/** The policy in words, as restic prints it: "keep 7 daily, 4 weekly snapshots and all snapshots within 1m of the newest". */
export function formatPolicy(policy: RetentionPolicy): string {
  if (isEmptyPolicy(policy)) return 'keep all snapshots (no policy)';
  const counts = COUNTS.flatMap(([key, , word]) => {
    const n = policy[key];
    return n === -1 ? [`all ${word}`] : n && n > 0 ? [`${n} ${word}`] : [];
  });
  const parts = counts.length > 0 ? [`${counts.join(', ')} snapshots`] : [];
  if ((policy.keepTags ?? []).length > 0)
    parts.push(`all snapshots tagged ${(policy.keepTags ?? []).map((l) => `[${l}]`).join(' or ')}`);
  const within = policy.keepWithin === undefined ? undefined : parseDuration(policy.keepWithin);
  if (within && !isZero(within)) parts.push(`all snapshots within ${formatDuration(within)} of the newest`);
  return `keep ${parts.join(' and ')}`;
}

/**
 * Splits `snapshots` into those the policy keeps (with every reason) and those it forgets. Pure: the
 * input is not modified. `now` only excludes snapshots dated in the future from being "the newest"
 * that `keepWithin` counts back from. Throws on an invalid policy or time zone.
 */
export function applyRetention<S extends RetentionSnapshot>(
  snapshots: readonly S[],
  policy: RetentionPolicy,
  now: Date = new Date(),
  options: RetentionOptions = {},
): RetentionResult<S> {
  assertValidPolicy(policy);
  const timeZone = options.timeZone ?? localTimeZone();
  if (!isValidTimeZone(timeZone)) throw new Error(`Unknown time zone ${JSON.stringify(timeZone)}`);
  // Newest first; the sort is stable, so snapshots with equal times keep their given order.
  const list = [...snapshots].sort((a, b) => b.time.getTime() - a.time.getTime());
  const result: RetentionResult<S> = { keep: [], forget: [] };
  if (isEmptyPolicy(policy)) {
    result.keep = list.map((snapshot) => ({ snapshot, reasons: ['policy is empty'] }));
    return result;
  }
  if (list.length === 0) return result;

  const buckets = COUNTS.map(([key, reason]) => ({
    count: policy[key] ?? 0,
    last: undefined as string | number | undefined,
    reason,
    key,
  }));
  const within = policy.keepWithin === undefined ? undefined : parseDuration(policy.keepWithin);
  const latest = list.reduce(
    (best, s) => (s.time.getTime() > best && s.time.getTime() < now.getTime() ? s.time.getTime() : best),
    -Infinity,
  );
  const cutoff =
    within && !isZero(within) && latest > -Infinity
      ? addDuration(latest, within, -1, timeZone)
      : within && !isZero(within)
        ? -Infinity
        : undefined;
  const tagLists = (policy.keepTags ?? []).map((l) =>
    l.trim() === '' ? [] : l.split(',').map((t) => t.trim()),
  );

  list.forEach((snapshot, nr) => {
    const reasons: string[] = [];
    for (const tags of tagLists) {
      // The empty list ('') matches untagged snapshots only, as in restic.
      const match =
        tags.length === 0
          ? (snapshot.tags ?? []).length === 0
          : tags.every((t) => snapshot.tags?.includes(t));
      if (match) reasons.push(tags.length === 0 ? 'has no tags' : `has tags ${tags.join(',')}`);
    }
    if (cutoff !== undefined && within && snapshot.time.getTime() > cutoff)
      reasons.push(`within ${formatDuration(within)}`);
    const w = wallTime(snapshot.time, timeZone);
    for (const bucket of buckets) {
      if (bucket.count === 0) continue;
      const value = bucketOf(bucket.key, w, nr);
      // Also keep the oldest snapshot while counts are left: it maximises the history kept.
      if (value !== bucket.last || nr === list.length - 1) {
        reasons.push(value === bucket.last ? `oldest ${bucket.reason}` : bucket.reason);
        bucket.last = value;
        if (bucket.count > 0) bucket.count--;
      }
    }
    if (reasons.length > 0) result.keep.push({ snapshot, reasons });
    else result.forget.push({ snapshot });
  });
  return result;
}

function bucketOf(
  key: (typeof COUNTS)[number][0],
  w: ReturnType<typeof wallTime>,
  nr: number,
): string | number {
  switch (key) {
    case 'keepLast':
      return nr;
    case 'keepHourly':
      return `${w.year}-${w.month}-${w.day}T${w.hour}`;
    case 'keepDaily':
      return `${w.year}-${w.month}-${w.day}`;
    case 'keepWeekly': {
      const { year, week } = isoWeek(w.year, w.month, w.day);
      return `${year}W${week}`;
    }
    case 'keepMonthly':
      return `${w.year}-${w.month}`;
    case 'keepYearly':
      return `${w.year}`;
  }
}

function isZero(d: RetentionDuration): boolean {
  return d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0;
}
