/**
 * Five-field cron expressions as Vixie cron reads them: minute hour day-of-month month day-of-week,
 * each a comma list of `*`, `n`, `a-b`, with an optional `/step`; month names JAN-DEC and day names
 * SUN-SAT in any case; day-of-week 0-7 (0 and 7 are Sunday). When both day fields are restricted a day
 * matches if EITHER matches; a field that starts with `*` (a step included) counts as unrestricted, as
 * in Vixie cron. The macros @hourly, @daily (@midnight), @weekly, @monthly and @yearly (@annually) are
 * accepted too.
 */

/** A parsed expression: the allowed values of each field, and how its day and time fields were written. */
export interface CronSpec {
  /** The expression as given, whitespace normalised. */
  source: string;
  minutes: readonly number[];
  hours: readonly number[];
  /** Days of the month, 1-31. */
  days: ReadonlySet<number>;
  /** Months, 1-12. */
  months: ReadonlySet<number>;
  /** Days of the week, 0 (Sunday) to 6. */
  weekdays: ReadonlySet<number>;
  /** The day-of-month field does not start with `*`. */
  daysRestricted: boolean;
  /** The day-of-week field does not start with `*`. */
  weekdaysRestricted: boolean;
  /**
   * The minute and hour fields both name fixed times (neither starts with `*`). Such a job runs once
   * per matching wall-clock time across DST changes; a `*` job follows elapsed time instead.
   */
  fixedTime: boolean;
}

/** A cron expression that cannot be used; the message says which field and why. */
export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MACROS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

interface FieldDef {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** The value names[0] stands for. */
  nameBase?: number;
}

const FIELDS: FieldDef[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];
/** Days in each month of a leap year: a day-of-month that fits none of the months never runs. */
const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function parseValue(text: string, field: FieldDef, whole: string): number {
  const upper = text.toUpperCase();
  const named = field.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + (field.nameBase ?? 0);
  if (!/^\d+$/.test(text)) {
    const hint = field.names
      ? ` (use ${field.min}-${field.max} or names like ${field.names[1]})`
      : ` (use ${field.min}-${field.max})`;
    throw new CronError(`${field.name} field "${whole}": "${text}" is not a number${hint}`);
  }
  const value = Number(text);
  if (value < field.min || value > field.max)
    throw new CronError(`${field.name} field "${whole}": ${value} is out of range ${field.min}-${field.max}`);
  return value;
}

function parseField(text: string, field: FieldDef): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new CronError(`${field.name} field "${text}": empty list item`);
    const [range = '', stepText, extra] = item.split('/');
    if (extra !== undefined)
      throw new CronError(`${field.name} field "${text}": more than one "/" in "${item}"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1 || Number(stepText) > field.max) {
        throw new CronError(
          `${field.name} field "${text}": step "${stepText}" must be a whole number from 1 to ${field.max}`,
        );
      }
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === '*') [low, high] = [field.min, field.max];
    else if (range.includes('-')) {
      const [a = '', b = '', more] = range.split('-');
      if (more !== undefined) throw new CronError(`${field.name} field "${text}": "${range}" is not a range`);
      [low, high] = [parseValue(a, field, text), parseValue(b, field, text)];
      if (low > high) throw new CronError(`${field.name} field "${text}": range ${a}-${b} runs backwards`);
    } else {
      low = parseValue(range, field, text);
      // "5/15" means from 5 to the end in steps of 15, as in Vixie cron.
      high = stepText !== undefined ? field.max : low;
    }
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

/** Parses a cron expression or macro; throws CronError naming the field at fault. */
export function parseCron(expression: string): CronSpec {
  const trimmed = String(expression ?? '').trim();
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed;
  if (expanded.startsWith('@'))
    throw new CronError(`unknown macro "${trimmed}" (use @hourly, @daily, @weekly, @monthly or @yearly)`);
  const parts = expanded.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5) {
    throw new CronError(
      `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}${parts.length === 6 ? ' (seconds are not supported)' : ''}`,
    );
  }
  const [minuteText = '', hourText = '', dayText = '', monthText = '', weekdayText = ''] = parts;
  const sets = parts.map((part, i) => parseField(part, FIELDS[i]!));
  const weekdays = new Set([...sets[4]!].map((d) => d % 7));
  const spec: CronSpec = {
    source: parts.join(' '),
    minutes: [...sets[0]!].sort((a, b) => a - b),
    hours: [...sets[1]!].sort((a, b) => a - b),
    days: sets[2]!,
    months: sets[3]!,
    weekdays,
    daysRestricted: !dayText.startsWith('*'),
    weekdaysRestricted: !weekdayText.startsWith('*'),
    fixedTime: !minuteText.startsWith('*') && !hourText.startsWith('*'),
  };
  // A day-of-month alone that no chosen month has (31 in April, 30 in February) would never run.
  const daysDecide = spec.daysRestricted && !spec.weekdaysRestricted;
  if (daysDecide && ![...spec.months].some((m) => [...spec.days].some((d) => d <= MAX_DAYS[m - 1]!))) {
    throw new CronError(
      `"${spec.source}" never runs: day ${[...spec.days].join(',')} does not occur in month ${monthText}`,
    );
  }
  return spec;
}

/** True when a calendar date matches the day fields (Vixie's OR rule when both are restricted). */
export function matchesDay(spec: CronSpec, year: number, month: number, day: number): boolean {
  if (!spec.months.has(month)) return false;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const dayOk = spec.days.has(day);
  const weekdayOk = spec.weekdays.has(weekday);
  if (spec.daysRestricted && spec.weekdaysRestricted) return dayOk || weekdayOk;
  return dayOk && weekdayOk;
}
