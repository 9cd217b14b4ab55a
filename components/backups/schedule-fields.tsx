'use client';
/**
 * The Schedule and Retention fields shared by the create form and "Edit plan": a schedule (Manual, Hourly,
 * Daily at, Weekly on, cron) with its next 3 run times in the browser's time zone (sent along in a hidden
 * field and stored on the plan), and a retention preset or custom rules.
 */
import { useId, useMemo, useState, useSyncExternalStore } from 'react';
import { Field } from '@/components/ui/field';
import { inputClass } from '@/components/ui/styles';
import type { FieldErrors } from '@/lib/actions/safe-action';
import { nextRuns, parseTimeOfDay, parseWeekday, type Schedule } from '@/lib/schedule';
import { RETENTION_PRESETS } from '@/lib/validations/schedules';

/** Initial values (from the plan being edited). */
export interface ScheduleDefaults {
  schedule: 'manual' | 'hourly' | 'daily' | 'weekly' | 'cron';
  scheduleTime: string;
  scheduleDay: string;
  scheduleCron: string;
  retention: string;
  custom: Record<string, string>;
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const DAY_LABEL: Record<string, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };
const CUSTOM = [
  ['keepLast', 'Keep last'],
  ['keepHourly', 'Keep hourly'],
  ['keepDaily', 'Keep daily'],
  ['keepWeekly', 'Keep weekly'],
  ['keepMonthly', 'Keep monthly'],
  ['keepYearly', 'Keep yearly'],
] as const;

const noSubscription = () => () => {};
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function preview(kind: ScheduleDefaults['schedule'], time: string, day: string, cron: string, zone: string): { runs: string[]; problem?: string } {
  if (kind === 'manual') return { runs: [] };
  try {
    const schedule: Schedule =
      kind === 'hourly' ? { kind } : kind === 'daily' ? { kind, ...parseTimeOfDay(time) } : kind === 'weekly' ? { kind, weekday: parseWeekday(day), ...parseTimeOfDay(time) } : { kind, expression: cron };
    const format = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short', timeZone: zone });
    return { runs: nextRuns(schedule, new Date(), 3, zone).map((d) => format.format(d)) };
  } catch (err) {
    return { runs: [], problem: err instanceof Error ? err.message : String(err) };
  }
}

/** The fields; `encrypted` with `remembered` false adds the note that a schedule needs a remembered passphrase. */
export function ScheduleFields({ defaults, errors, encryptedNote }: { defaults?: Partial<ScheduleDefaults>; errors?: FieldErrors; encryptedNote?: string }) {
  const scheduleId = useId();
  const retentionId = useId();
  const [kind, setKind] = useState<ScheduleDefaults['schedule']>(defaults?.schedule ?? 'manual');
  const [time, setTime] = useState(defaults?.scheduleTime ?? '02:30');
  const [day, setDay] = useState(defaults?.scheduleDay ?? 'mon');
  const [cron, setCron] = useState(defaults?.scheduleCron ?? '0 3 * * *');
  const [retention, setRetention] = useState(defaults?.retention ?? 'none');
  // The browser's zone is only known in the browser; the server renders UTC until hydration.
  const zone = useSyncExternalStore(noSubscription, browserZone, () => 'UTC');
  const next = useMemo(() => preview(kind, time, day, cron, zone), [kind, time, day, cron, zone]);
  return (
    <>
      <fieldset className="flex flex-col gap-3">
        <legend className="mb-1 text-sm font-medium">When it runs</legend>
        <input type="hidden" name="timeZone" value={zone} />
        <div className="flex flex-col gap-1">
          <label htmlFor={scheduleId} className="text-sm font-medium">
            Schedule
          </label>
          <select id={scheduleId} name="schedule" value={kind} onChange={(e) => setKind(e.target.value as ScheduleDefaults['schedule'])} className={inputClass} aria-describedby={errors?.schedule ? `${scheduleId}-error` : undefined}>
            <option value="manual">Manual (run it from its page)</option>
            <option value="hourly">Hourly</option>
            <option value="daily">Daily at…</option>
            <option value="weekly">Weekly on…</option>
            <option value="cron">Cron expression</option>
          </select>
          {errors?.schedule ? (
            <p id={`${scheduleId}-error`} className="text-sm text-red-700 dark:text-red-400">
              {errors.schedule.join(' ')}
            </p>
          ) : null}
        </div>
        {kind === 'weekly' ? (
          <div className="flex flex-col gap-1">
            <label htmlFor={`${scheduleId}-day`} className="text-sm font-medium">
              Day
            </label>
            <select id={`${scheduleId}-day`} name="scheduleDay" value={day} onChange={(e) => setDay(e.target.value)} className={inputClass}>
              {DAYS.map((d) => (
                <option key={d} value={d}>
                  {DAY_LABEL[d]}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {kind === 'daily' || kind === 'weekly' ? <Field label="Time (HH:MM)" name="scheduleTime" value={time} onChange={(e) => setTime(e.target.value)} errors={errors?.scheduleTime} inputMode="numeric" /> : null}
        {kind === 'cron' ? (
          <Field label="Cron expression" name="scheduleCron" value={cron} onChange={(e) => setCron(e.target.value)} errors={errors?.scheduleCron} hint="Five fields: minute hour day-of-month month day-of-week, e.g. 30 2 * * 1-5" spellCheck={false} />
        ) : null}
        {kind !== 'manual' && encryptedNote ? <p className="text-sm text-amber-800 dark:text-amber-300">{encryptedNote}</p> : null}
        {kind !== 'manual' ? (
          <div aria-live="polite" className="text-sm">
            {next.problem ? (
              <p className="text-red-700 dark:text-red-400">{next.problem}</p>
            ) : (
              <>
                <p className="font-medium">Next runs ({zone})</p>
                <ul aria-label="Next runs" className="list-disc pl-5">
                  {next.runs.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </>
            )}
          </div>
        ) : null}
      </fieldset>
      <fieldset className="flex flex-col gap-3">
        <legend className="mb-1 text-sm font-medium">What it keeps</legend>
        <div className="flex flex-col gap-1">
          <label htmlFor={retentionId} className="text-sm font-medium">
            Retention
          </label>
          <select id={retentionId} name="retention" value={retention} onChange={(e) => setRetention(e.target.value)} className={inputClass}>
            {Object.entries(RETENTION_PRESETS).map(([value, p]) => (
              <option key={value} value={value}>
                {p.label}
              </option>
            ))}
            <option value="custom">Custom…</option>
          </select>
          <p className="text-xs text-slate-500 dark:text-slate-400">Applied after each scheduled backup; snapshots outside the policy are forgotten and their data pruned.</p>
          {errors?.retention ? <p className="text-sm text-red-700 dark:text-red-400">{errors.retention.join(' ')}</p> : null}
        </div>
        {retention === 'custom' ? (
          <div className="grid gap-3 sm:grid-cols-3">
            {CUSTOM.map(([name, label]) => (
              <Field key={name} label={label} name={name} defaultValue={defaults?.custom?.[name] ?? ''} inputMode="numeric" errors={errors?.[name]} />
            ))}
            <Field label="Keep within" name="keepWithin" defaultValue={defaults?.custom?.keepWithin ?? ''} hint="e.g. 30d, 1y6m" errors={errors?.keepWithin} />
          </div>
        ) : null}
      </fieldset>
    </>
  );
}
