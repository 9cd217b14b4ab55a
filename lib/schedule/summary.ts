/**
 * A plan's schedule in one line for lists (the dashboard): what it is in words, and when it runs next,
 * written on the wall clock of the plan's time zone (the owner's browser zone when the plan was saved).
 */
import { describeSchedule, nextRuns, parseSchedule } from './schedule';

/** What a list shows about a plan's schedule. */
export interface ScheduleSummary {
  /** "Manual", "Every day at 02:00", "Every hour, on the hour", or "Unreadable schedule". */
  label: string;
  /** The next run, or null for a manual or unreadable schedule. */
  next: Date | null;
  /** The next run in words, such as "Mon 30 Nov 2026, 02:00 (Europe/Paris)"; null when there is none. */
  nextText: string | null;
}

/** Summarises the stored schedule string (null: manual) for `timeZone`, as of `now`. Never throws. */
export function summarizeSchedule(schedule: string | null, timeZone: string, now: Date): ScheduleSummary {
  if (!schedule) return { label: 'Manual', next: null, nextText: null };
  try {
    const parsed = parseSchedule(schedule);
    const [next] = nextRuns(parsed, now, 1, timeZone);
    return { label: describeSchedule(parsed), next: next ?? null, nextText: next ? `${formatWallTime(next, timeZone)} (${timeZone})` : null };
  } catch {
    return { label: 'Unreadable schedule', next: null, nextText: null };
  }
}

/** "Mon 30 Nov 2026, 02:00": the instant on the wall clock of `timeZone`, 24-hour. */
export function formatWallTime(instant: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute}`;
}
