/**
 * A plan's schedule: a preset (hourly, daily at HH:MM, weekly on a day at HH:MM) or a cron expression.
 * Stored in `plans.schedule` as one string — `preset:hourly`, `preset:daily@02:30`,
 * `preset:weekly@mon@02:30` or `cron:30 2 * * 1-5` — that `parseSchedule` reads back. Times are
 * wall-clock times in the time zone the caller passes to `nextRuns` (the plan owner's zone).
 */
import { isValidTimeZone } from '@/lib/engine/time-zone';
import { CronError, parseCron, type CronSpec } from './cron';
import { cronRuns } from './next-runs';

/** A schedule. `weekday` is 0 (Sunday) to 6; `hour` 0-23; `minute` 0-59. */
export type Schedule =
  | { kind: 'hourly' }
  | { kind: 'daily'; hour: number; minute: number }
  | { kind: 'weekly'; weekday: number; hour: number; minute: number }
  | { kind: 'cron'; expression: string };

/** A schedule that cannot be used; `message` is meant for the person who typed it. */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}

const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (hour: number, minute: number) => `${pad(hour)}:${pad(minute)}`;

/** Reads `HH:MM` (24-hour clock, `2:30` allowed); throws ScheduleError otherwise. */
export function parseTimeOfDay(text: string): { hour: number; minute: number } {
  const match = /^(\d{1,2}):(\d{2})$/.exec(String(text ?? '').trim());
  const hour = Number(match?.[1]);
  const minute = Number(match?.[2]);
  if (!match || hour > 23 || minute > 59)
    throw new ScheduleError(`"${text}" is not a time of day; use HH:MM on a 24-hour clock, such as 02:30`);
  return { hour, minute };
}

/** Reads a day name (`mon`, `Monday`) or number (0-7, 0 and 7 Sunday); throws ScheduleError otherwise. */
export function parseWeekday(text: string): number {
  const t = String(text ?? '')
    .trim()
    .toLowerCase();
  if (/^[0-7]$/.test(t)) return Number(t) % 7;
  const index = DAY_KEYS.findIndex((key, i) => t === key || t === DAY_NAMES[i]!.toLowerCase());
  if (index < 0) throw new ScheduleError(`"${text}" is not a day of the week; use Monday to Sunday`);
  return index;
}

/** The cron spec a schedule runs on. Throws ScheduleError for an invalid schedule. */
export function toCronSpec(schedule: Schedule): CronSpec {
  try {
    switch (schedule.kind) {
      case 'hourly':
        return parseCron('0 * * * *');
      case 'daily':
        checkTime(schedule.hour, schedule.minute);
        return parseCron(`${schedule.minute} ${schedule.hour} * * *`);
      case 'weekly':
        checkTime(schedule.hour, schedule.minute);
        if (!Number.isInteger(schedule.weekday) || schedule.weekday < 0 || schedule.weekday > 6)
          throw new ScheduleError('the day of the week must be 0 (Sunday) to 6 (Saturday)');
        return parseCron(`${schedule.minute} ${schedule.hour} * * ${schedule.weekday}`);
      case 'cron':
        return parseCron(schedule.expression);
      default:
        throw new ScheduleError('unknown kind of schedule');
    }
  } catch (error) {
    if (error instanceof CronError) throw new ScheduleError(`Invalid cron expression: ${error.message}`);
    throw error;
  }
}

function checkTime(hour: number, minute: number): void {
  if (
    !Number.isInteger(hour) ||
    hour < 0 ||
    hour > 23 ||
    !Number.isInteger(minute) ||
    minute < 0 ||
    minute > 59
  ) {
    throw new ScheduleError('the time must be a valid HH:MM on a 24-hour clock');
  }
}

/** The problem with a schedule in one sentence, or undefined when it is valid. */
export function validateSchedule(schedule: Schedule): string | undefined {
  try {
    toCronSpec(schedule);
    return undefined;
  } catch (error) {
    if (error instanceof ScheduleError) return error.message;
    throw error;
  }
}

/** The string stored in `plans.schedule`. Throws ScheduleError for an invalid schedule. */
export function serializeSchedule(schedule: Schedule): string {
  const spec = toCronSpec(schedule);
  switch (schedule.kind) {
    case 'hourly':
      return 'preset:hourly';
    case 'daily':
      return `preset:daily@${hhmm(schedule.hour, schedule.minute)}`;
    case 'weekly':
      return `preset:weekly@${DAY_KEYS[schedule.weekday]}@${hhmm(schedule.hour, schedule.minute)}`;
    case 'cron':
      return `cron:${spec.source}`;
  }
}

/** Reads a stored schedule string; throws ScheduleError saying what is wrong. */
export function parseSchedule(text: string): Schedule {
  const value = String(text ?? '').trim();
  let schedule: Schedule;
  if (value.startsWith('cron:'))
    schedule = { kind: 'cron', expression: value.slice(5).trim().split(/\s+/).join(' ') };
  else if (value === 'preset:hourly') schedule = { kind: 'hourly' };
  else if (value.startsWith('preset:daily@'))
    schedule = { kind: 'daily', ...parseTimeOfDay(value.slice('preset:daily@'.length)) };
  else if (value.startsWith('preset:weekly@')) {
    const [day = '', time = ''] = value.slice('preset:weekly@'.length).split('@');
    schedule = { kind: 'weekly', weekday: parseWeekday(day), ...parseTimeOfDay(time) };
  } else
    throw new ScheduleError(
      `"${value}" is not a schedule; expected preset:hourly, preset:daily@HH:MM, preset:weekly@<day>@HH:MM or cron:<expression>`,
    );
  toCronSpec(schedule);
  return schedule;
}

/**
 * The next `count` run times strictly after `from`, as instants; `timeZone` (IANA name) gives the
 * wall clock the schedule's times are read on. DST rules are in next-runs.ts. Throws ScheduleError for
 * an invalid schedule or an unknown time zone.
 */
export function nextRuns(schedule: Schedule, from: Date, count: number, timeZone: string): Date[] {
  if (!isValidTimeZone(timeZone)) throw new ScheduleError(`unknown time zone "${timeZone}"`);
  if (!Number.isInteger(count) || count < 0 || count > 1000)
    throw new ScheduleError('count must be a whole number from 0 to 1000');
  return cronRuns(toCronSpec(schedule), from, count, timeZone);
}

/** The schedule in words for the UI: "Every day at 02:30", "Every Monday at 02:30". */
export function describeSchedule(schedule: Schedule): string {
  switch (schedule.kind) {
    case 'hourly':
      return 'Every hour, on the hour';
    case 'daily':
      return `Every day at ${hhmm(schedule.hour, schedule.minute)}`;
    case 'weekly':
      return `Every ${DAY_NAMES[schedule.weekday] ?? '?'} at ${hhmm(schedule.hour, schedule.minute)}`;
    case 'cron':
      return describeCron(toCronSpec(schedule));
  }
}

function describeCron(spec: CronSpec): string {
  const [minuteField = '', hourField = '', dayField = '', monthField = '', weekdayField = ''] =
    spec.source.split(' ');
  const anyDay = dayField === '*' && monthField === '*' && weekdayField === '*';
  const single = (field: string) => /^\d+$/.test(field);
  if (single(minuteField) && single(hourField)) {
    const at = hhmm(Number(hourField), Number(minuteField));
    if (anyDay) return `Every day at ${at}`;
    if (dayField === '*' && monthField === '*') return `Every ${listDays(spec.weekdays)} at ${at}`;
    if (single(dayField) && monthField === '*' && weekdayField === '*')
      return `On day ${dayField} of every month at ${at}`;
  }
  if (anyDay && single(minuteField) && hourField === '*')
    return Number(minuteField) === 0 ? 'Every hour, on the hour' : `Every hour at minute ${minuteField}`;
  const step = /^\*\/(\d+)$/.exec(minuteField);
  if (anyDay && step && hourField === '*') return `Every ${step[1]} minutes`;
  if (anyDay && minuteField === '*' && hourField === '*') return 'Every minute';
  return `Cron schedule ${spec.source}`;
}

function listDays(days: ReadonlySet<number>): string {
  const sorted = [...days].sort((a, b) => a - b);
  if (sorted.join() === '1,2,3,4,5') return 'Monday to Friday';
  if (sorted.join() === '0,6') return 'Saturday and Sunday';
  const names = sorted.map((d) => DAY_NAMES[d]!);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
