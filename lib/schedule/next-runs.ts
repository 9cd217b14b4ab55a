/**
 * When a cron spec fires, in a time zone, across daylight-saving changes. The rules are Vixie cron's:
 * - spring forward: a fixed-time job (minute and hour fields without `*`) whose wall time falls in the
 *   skipped hour runs once, at the instant the clocks jump (02:30 in Berlin on the last Sunday of March
 *   runs at 03:00 CEST); a `*` job simply has no runs in the skipped hour;
 * - fall back: a fixed-time job whose wall time occurs twice runs only at the first occurrence; a `*`
 *   job (hourly, every 15 minutes) runs in both occurrences, because it follows elapsed time.
 */
import { instantsOf, offsetAt, wallAsUtc, wallTime } from '@/lib/engine/time-zone';
import { matchesDay, type CronSpec } from './cron';

const HOUR = 3_600_000;
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
  // Local midnight lies within 14 hours of UTC midnight in every zone; equal offsets around the day mean
  // no change of offset within it, and a plain subtraction gives each instant.
  const before = offsetAt(midnight - 15 * HOUR, timeZone);
  const after = offsetAt(midnight + DAY + 15 * HOUR, timeZone);
  const out: number[] = [];
  for (const hour of spec.hours) {
    for (const minute of spec.minutes) {
      const wall = { ...date, hour, minute };
      if (before === after) {
        out.push(wallAsUtc(wall) - before);
        continue;
      }
      const instants = instantsOf(wall, timeZone);
      if (instants.length === 0) {
        if (spec.fixedTime) out.push(gapEnd(wallAsUtc(wall), timeZone));
      } else if (instants.length > 1 && spec.fixedTime) out.push(instants[0]!.getTime());
      else for (const t of instants) out.push(t.getTime());
    }
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The instant a spring-forward gap containing the wall time `asUtc` ends (when the clocks jump). */
function gapEnd(asUtc: number, timeZone: string): number {
  const offsetBefore = offsetAt(asUtc - 30 * HOUR, timeZone);
  const offsetAfter = offsetAt(asUtc + 30 * HOUR, timeZone);
  // Read with the earlier offset the wall time lies after the change; with the later one, before it.
  let low = asUtc - offsetAfter;
  let high = asUtc - offsetBefore;
  while (high - low > 60_000) {
    const mid = low + Math.floor((high - low) / 2 / 60_000) * 60_000;
    if (offsetAt(mid, timeZone) === offsetAfter) high = mid;
    else low = mid;
  }
  return high;
}
