/**
 * Calendar arithmetic in an IANA time zone with nothing but `Intl.DateTimeFormat`: the wall-clock time
 * of an instant, and the instant (or instants, around a DST change) of a wall-clock time. Pure; used
 * by retention buckets and by schedules (lib/schedule), which must agree on what "a day" is.
 */

/** A wall-clock reading in some zone. `month` is 1-12, `weekday` 0 (Sunday) to 6. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();
const HOUR = 3_600_000;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The process's time zone (what `new Date().getHours()` uses). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** True when `timeZone` names a zone this runtime knows (e.g. `Europe/Berlin`, `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time of `instant` in `timeZone`. Throws RangeError for an unknown zone. */
export function wallTime(instant: Date | number, timeZone: string): WallTime {
  const parts = formatter(timeZone).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const yearOfEra = Number(get('year'));
  return {
    // Astronomical year numbering, so that years before 1 CE still order correctly.
    year: get('era') === 'BC' ? 1 - yearOfEra : yearOfEra,
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: WEEKDAYS[get('weekday')] ?? 0,
  };
}

/** Milliseconds since the epoch of a wall-clock time read as if it were UTC (months may overflow). */
export function wallAsUtc(w: Pick<WallTime, 'year' | 'month' | 'day'> & Partial<WallTime>): number {
  const date = new Date(0);
  date.setUTCFullYear(w.year, w.month - 1, w.day);
  date.setUTCHours(w.hour ?? 0, w.minute ?? 0, w.second ?? 0, 0);
  return date.getTime();
}

/** The zone's offset from UTC at `instant`, in ms (e.g. +3,600,000 for CET). */
export function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallAsUtc(wallTime(whole, timeZone)) - whole;
}

/**
 * Every instant at which the clock in `timeZone` reads `w` (seconds included), earliest first: one
 * normally, two in a fall-back overlap, none in a spring-forward gap.
 */
export function instantsOf(
  w: Pick<WallTime, 'year' | 'month' | 'day' | 'hour' | 'minute'> & { second?: number },
  timeZone: string,
): Date[] {
  const asUtc = wallAsUtc(w);
  // A zone changes its offset at most once within a day or so, so the offsets a day before and after
  // cover every candidate.
  const offsets = new Set([
    offsetAt(asUtc - 30 * HOUR, timeZone),
    offsetAt(asUtc, timeZone),
    offsetAt(asUtc + 30 * HOUR, timeZone),
  ]);
  const found = new Set<number>();
  for (const offset of offsets) {
    const candidate = asUtc - offset;
    const back = wallTime(candidate, timeZone);
    if (
      back.year === w.year &&
      back.month === w.month &&
      back.day === w.day &&
      back.hour === w.hour &&
      back.minute === w.minute &&
      back.second === (w.second ?? 0)
    ) {
      found.add(candidate);
    }
  }
  return [...found].sort((a, b) => a - b).map((t) => new Date(t));
}

/** ISO 8601 week-numbering year and week (1-53) of a calendar date. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(wallAsUtc({ year, month, day }));
  const weekday = date.getUTCDay() || 7;
  // The Thursday of this ISO week decides its year.
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const isoYear = date.getUTCFullYear();
  const jan1 = wallAsUtc({ year: isoYear, month: 1, day: 1 });
  return { year: isoYear, week: Math.floor((date.getTime() - jan1) / (24 * HOUR) / 7) + 1 };
}
