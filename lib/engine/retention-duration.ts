/**
 * Spans for `keepWithin`, written as restic writes them: whole numbers followed by `y` (years), `m`
 * (months), `d` (days) or `h` (hours), largest first, e.g. `2y5m7d3h`, `30d`, `12h`.
 */
import { instantsOf, offsetAt, wallAsUtc, wallTime } from './time-zone';

/** A calendar span; each field a whole number of 0 or more. */
export interface RetentionDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

const UNITS = { y: 'years', m: 'months', d: 'days', h: 'hours' } as const;

/** Parses `2y5m7d3h`; throws an Error saying what is wrong (unknown unit, missing number, repeats). */
export function parseDuration(text: string): RetentionDuration {
  const d: RetentionDuration = { years: 0, months: 0, days: 0, hours: 0 };
  if (typeof text !== 'string' || text.trim() === '')
    throw new Error('a duration such as 30d or 1y6m is required');
  const seen = new Set<string>();
  let rest = text.trim();
  while (rest !== '') {
    const match = /^(\d+)([a-zA-Z]?)/.exec(rest);
    if (!match)
      throw new Error(
        `${JSON.stringify(text)} is not a duration: expected a number at ${JSON.stringify(rest)} (use forms like 2y5m7d3h)`,
      );
    const [whole, digits = '', unit = ''] = match;
    if (unit === '')
      throw new Error(
        `${JSON.stringify(text)} is not a duration: the number ${digits} has no unit (y, m, d or h)`,
      );
    if (!(unit in UNITS))
      throw new Error(
        `${JSON.stringify(text)} is not a duration: unknown unit ${JSON.stringify(unit)} (use y, m, d or h)`,
      );
    if (seen.has(unit))
      throw new Error(`${JSON.stringify(text)} is not a duration: the unit ${unit} appears twice`);
    seen.add(unit);
    const value = Number(digits);
    if (!Number.isSafeInteger(value) || value > 100_000)
      throw new Error(`${JSON.stringify(text)} is not a duration: ${digits} is too large`);
    d[UNITS[unit as keyof typeof UNITS]] = value;
    rest = rest.slice(whole.length);
  }
  return d;
}

/** Formats a duration as restic does (`2y5m7d3h`, zero parts left out; `0h` for nothing). */
export function formatDuration(d: RetentionDuration): string {
  const out = `${d.years ? `${d.years}y` : ''}${d.months ? `${d.months}m` : ''}${d.days ? `${d.days}d` : ''}${d.hours ? `${d.hours}h` : ''}`;
  return out || '0h';
}

/**
 * `instant` moved by `sign` × `d`: years, months and days on the calendar of `timeZone` (overflowing
 * like Go's AddDate: 31 March minus one month is 3 March), then hours as elapsed time — restic's rule.
 */
export function addDuration(instant: number, d: RetentionDuration, sign: 1 | -1, timeZone: string): number {
  const w = wallTime(instant, timeZone);
  const shifted = new Date(
    wallAsUtc({
      ...w,
      year: w.year + sign * d.years,
      month: w.month + sign * d.months,
      day: w.day + sign * d.days,
    }),
  );
  const target = {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    second: shifted.getUTCSeconds(),
  };
  const [first] = instantsOf(target, timeZone);
  // In a spring-forward gap the wall time does not exist: read it with the offset before the change.
  const base = first
    ? first.getTime()
    : shifted.getTime() - offsetAt(shifted.getTime() - 30 * 3_600_000, timeZone);
  return base + (((instant % 1000) + 1000) % 1000) + sign * d.hours * 3_600_000;
}
