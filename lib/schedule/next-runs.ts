/**
 * When a cron spec fires, in a time zone, across daylight-saving changes. The rules are Vixie cron's:
 * - spring forward: a fixed-time job (minute and hour fields without `*`) whose wall time falls in the
 *   skipped hour runs once, at the instant the clocks jump (02:30 in Berlin on the last Sunday of March
 *   runs at 03:00 CEST); a `*` job simply has no runs in the skipped hour;
 * - fall back: a fixed-time job whose wall time occurs twice runs only at the first occurrence; a `*`
 *   job (hourly, every 15 minutes) runs in both occurrences, because it follows elapsed time.
 */
import { offsetAt, wallAsUtc, wallTime } from '@/lib/engine/time-zone';
import { matchesDay, type CronSpec } from './cron';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Far enough to find a 29 February of a leap year after a century year that is not one (2096 → 2104). */
const MAX_DAYS_AHEAD = 9 * 366;

/**
 * The first `count` run times strictly after `from`, in order. Throws RangeError for an unknown time
 * zone. Returns fewer than `count` only if nine years pass without a run (never, for specs that
 * parseCron accepts).
 */
export function cronRuns(spec: CronSpec, from: Date, count: number, timeZone: string): Date[] {
  const runs: Date[] = [];
  if (count <= 0) return runs;
  const start = wallTime(from, timeZone);
  const cursor = new Date(Date.UTC(2000, 0, 1));
  cursor.setUTCFullYear(start.year, start.month - 1, start.day);
  // Days searched since the last run found: a spec that matches no day for nine years never will.
  for (
    let idle = 0;
    idle <= MAX_DAYS_AHEAD && runs.length < count;
    idle++, cursor.setUTCDate(cursor.getUTCDate() + 1)
  ) {
    const date = { year: cursor.getUTCFullYear(), month: cursor.getUTCMonth() + 1, day: cursor.getUTCDate() };
    if (!matchesDay(spec, date.year, date.month, date.day)) continue;
    for (const run of runsOnDay(spec, date, timeZone)) {
      if (run > from.getTime()) {
        runs.push(new Date(run));
        idle = 0;
        if (runs.length === count) break;
      }
    }
  }
  return runs;
}

/** Every run instant on one local calendar day, sorted, without duplicates. */
function runsOnDay(
  spec: CronSpec,
  date: { year: number; month: number; day: number },
  timeZone: string,
): number[] {
  const midnight = wallAsUtc(date);
  // Local midnight lies within 14 hours of UTC midnight in every zone, so these offsets hold before
  // and after the day; real zones change offset at most once in that window.
  const start = midnight - 15 * HOUR;
  const end = midnight + DAY + 15 * HOUR;
  const before = offsetAt(start, timeZone);
  const after = offsetAt(end, timeZone);
  const change = before === after ? undefined : changeInstant(start, end, before, timeZone);
  const out: number[] = [];
  for (const hour of spec.hours) {
    for (const minute of spec.minutes) {
      const asUtc = wallAsUtc({ ...date, hour, minute });
      if (change === undefined) {
        out.push(asUtc - before);
        continue;
      }
      // The wall time exists with the old offset if that instant is before the change, with the new
      // offset if that one is after it: both in a fall-back overlap, neither in a spring-forward gap.
      const instants = [asUtc - before, asUtc - after].filter((t, i) => (i === 0 ? t < change : t >= change));
      if (instants.length === 0) {
        // Skipped by the clocks: a fixed-time job runs when they jump.
        if (spec.fixedTime) out.push(change);
      } else if (spec.fixedTime) out.push(Math.min(...instants));
      else out.push(...instants);
    }
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The first instant (to the minute) in [start, end] whose offset differs from `before`. */
function changeInstant(start: number, end: number, before: number, timeZone: string): number {
  let low = start;
  let high = end;
  while (high - low > MINUTE) {
    const mid = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
    if (offsetAt(mid, timeZone) === before) low = mid;
    else high = mid;
  }
  return high;
}
