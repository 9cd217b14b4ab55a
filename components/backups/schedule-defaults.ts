/**
 * A plan's stored schedule and retention turned into the Edit plan form's initial values, and the line
 * the plan page shows about them.
 */
import type { RetentionPolicy } from '@/lib/engine/retention';
import { formatPolicy } from '@/lib/engine/retention';
import { describeSchedule, parseSchedule } from '@/lib/schedule';
import { RETENTION_PRESETS } from '@/lib/validations/schedules';
import type { ScheduleDefaults } from './schedule-fields';

const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const pad = (n: number) => String(n).padStart(2, '0');

/** Form defaults for a plan's stored `schedule` and `retention`. Unknown forms fall back to Manual. */
export function scheduleDefaults(schedule: string | null, retention: Record<string, unknown> | null): ScheduleDefaults {
  const out: ScheduleDefaults = { schedule: 'manual', scheduleTime: '02:30', scheduleDay: 'mon', scheduleCron: '0 3 * * *', retention: 'none', custom: {} };
  if (schedule) {
    try {
      const s = parseSchedule(schedule);
      out.schedule = s.kind;
      if (s.kind === 'daily' || s.kind === 'weekly') out.scheduleTime = `${pad(s.hour)}:${pad(s.minute)}`;
      if (s.kind === 'weekly') out.scheduleDay = DAY_KEYS[s.weekday] ?? 'mon';
      if (s.kind === 'cron') out.scheduleCron = s.expression;
    } catch {
      // A stored form this version cannot read: shown as Manual, saved over when edited.
    }
  }
  if (retention) {
    const same = (a: object, b: object) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
    const preset = Object.entries(RETENTION_PRESETS).find(([, p]) => p.policy && same(p.policy, retention));
    out.retention = preset ? preset[0] : 'custom';
    if (!preset) for (const [k, v] of Object.entries(retention)) out.custom[k] = String(v);
  }
  return out;
}

/** "Every day at 02:30 (Europe/Paris)" or "manual schedule"; the retention in words or "keeps every snapshot". */
export function describePlanSchedule(schedule: string | null, timeZone: string, retention: Record<string, unknown> | null): { schedule: string; retention: string } {
  let when = 'manual schedule';
  if (schedule) {
    try {
      when = `${describeSchedule(parseSchedule(schedule))} (${timeZone})`;
    } catch {
      when = `unreadable schedule "${schedule}"`;
    }
  }
  let keep = 'keeps every snapshot';
  if (retention) {
    try {
      keep = formatPolicy(retention as RetentionPolicy);
    } catch {
      keep = 'unreadable retention policy';
    }
  }
  return { schedule: when, retention: keep };
}
