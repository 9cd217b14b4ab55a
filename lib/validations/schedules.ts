/**
 * Form schemas for a plan's schedule, retention policy and repository destination, shared by the create
 * form, the "Edit plan" form and their server actions. The schedule is stored in lib/schedule's string
 * form; the retention policy as lib/engine/retention's RetentionPolicy.
 */
import { z } from 'zod';
import { isValidTimeZone } from '@/lib/engine/time-zone';
import { validatePolicy, type RetentionPolicy } from '@/lib/engine/retention';
import { parseTimeOfDay, parseWeekday, serializeSchedule, validateSchedule, ScheduleError, type Schedule } from '@/lib/schedule';

/** Retention presets offered in the form, by value. */
export const RETENTION_PRESETS: Record<string, { label: string; policy: RetentionPolicy | null }> = {
  none: { label: 'Keep every snapshot', policy: null },
  standard: { label: 'Keep 7 daily, 4 weekly, 12 monthly', policy: { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 } },
  recent: { label: 'Keep the last 10', policy: { keepLast: 10 } },
  long: { label: 'Keep 24 hourly, 14 daily, 8 weekly, 24 monthly, 5 yearly', policy: { keepHourly: 24, keepDaily: 14, keepWeekly: 8, keepMonthly: 24, keepYearly: 5 } },
};

const COUNT_FIELDS = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;

const optionalText = z.string().optional().default('');

/** The schedule and retention fields of a plan form. */
export const scheduleFields = {
  schedule: z.enum(['manual', 'hourly', 'daily', 'weekly', 'cron'], { message: 'Choose when the backup runs.' }).default('manual'),
  scheduleTime: optionalText,
  scheduleDay: optionalText,
  scheduleCron: optionalText,
  timeZone: optionalText,
  retention: z.enum(['none', 'standard', 'recent', 'long', 'custom'], { message: 'Choose which snapshots to keep.' }).default('none'),
  keepLast: optionalText,
  keepHourly: optionalText,
  keepDaily: optionalText,
  keepWeekly: optionalText,
  keepMonthly: optionalText,
  keepYearly: optionalText,
  keepWithin: optionalText,
};

type ScheduleInput = { [K in keyof typeof scheduleFields]: z.infer<(typeof scheduleFields)[K]> };

/** What the schedule and retention fields mean once checked. */
export interface PlanSchedule {
  /** Stored form (`preset:daily@02:30`, `cron:…`), or null for manual. */
  schedule: string | null;
  timeZone: string;
  retention: RetentionPolicy | null;
}

/**
 * Checks the schedule and retention fields, adding an issue per problem (on the field it concerns) to
 * `ctx`. Returns the parsed values, or undefined when something is wrong.
 */
export function readScheduleFields(v: ScheduleInput, ctx: z.RefinementCtx): PlanSchedule | undefined {
  let ok = true;
  const fail = (path: string, message: string) => {
    ok = false;
    ctx.addIssue({ code: 'custom', path: [path], message });
  };
  const timeZone = v.timeZone.trim() === '' ? 'UTC' : v.timeZone.trim();
  if (!isValidTimeZone(timeZone)) fail('timeZone', `"${timeZone}" is not a time zone this server knows.`);
  let schedule: Schedule | null = null;
  try {
    if (v.schedule === 'hourly') schedule = { kind: 'hourly' };
    else if (v.schedule === 'daily') schedule = { kind: 'daily', ...parseTimeOfDay(v.scheduleTime) };
    else if (v.schedule === 'weekly') schedule = { kind: 'weekly', weekday: parseWeekday(v.scheduleDay), ...parseTimeOfDay(v.scheduleTime) };
    else if (v.schedule === 'cron') schedule = { kind: 'cron', expression: v.scheduleCron.trim() };
    const problem = schedule ? validateSchedule(schedule) : undefined;
    if (problem) fail(v.schedule === 'cron' ? 'scheduleCron' : 'schedule', problem);
  } catch (err) {
    if (!(err instanceof ScheduleError)) throw err;
    fail(v.schedule === 'cron' ? 'scheduleCron' : /day of the week/.test(err.message) ? 'scheduleDay' : 'scheduleTime', err.message);
  }
  let retention: RetentionPolicy | null = null;
  if (v.retention === 'custom') {
    const policy: RetentionPolicy = {};
    for (const key of COUNT_FIELDS) {
      const text = v[key].trim();
      if (text === '') continue;
      if (!/^-?\d+$/.test(text) || Number(text) < -1) fail(key, 'Enter a whole number (or -1 for unlimited).');
      else if (Number(text) !== 0) policy[key] = Number(text);
    }
    if (v.keepWithin.trim() !== '') policy.keepWithin = v.keepWithin.trim();
    for (const problem of validatePolicy(policy)) fail(problem.startsWith('keepWithin') ? 'keepWithin' : 'retention', problem.replace(/^keepWithin: /, ''));
    if (Object.keys(policy).length === 0) fail('retention', 'A custom policy needs at least one rule; choose "Keep every snapshot" to keep everything.');
    retention = policy;
  } else {
    retention = RETENTION_PRESETS[v.retention]?.policy ?? null;
  }
  if (!ok) return undefined;
  return { schedule: schedule ? serializeSchedule(schedule) : null, timeZone, retention };
}

/** The "Edit plan" form. */
export const updateScheduleSchema = z
  .object({ planId: z.string().uuid('Not found.'), ...scheduleFields })
  .transform((v, ctx) => {
    const parsed = readScheduleFields(v, ctx);
    return parsed ? { planId: v.planId, ...parsed } : z.NEVER;
  });

/** Where a new plan's repository lives. */
export const destinationFields = {
  destination: z.enum(['local', 's3'], { message: 'Choose where the backup is stored.' }).default('local'),
  localFolder: z.string().trim().max(4096).optional().default(''),
  s3Endpoint: z.string().trim().max(2048).optional().default(''),
  s3Region: z.string().trim().max(100).optional().default(''),
  s3Bucket: z.string().trim().max(255).optional().default(''),
  s3Prefix: z.string().trim().max(1024).optional().default(''),
  s3AccessKey: z.string().trim().max(1024).optional().default(''),
  s3SecretKey: z.string().max(4096).optional().default(''),
  s3PathStyle: z
    .string()
    .optional()
    .transform((v) => v === 'on' || v === 'true'),
};

type DestinationInput = { [K in keyof typeof destinationFields]: z.infer<(typeof destinationFields)[K]> };

/** Adds an issue per missing or malformed S3 field when the destination is S3. */
export function checkDestinationFields(v: DestinationInput, ctx: z.RefinementCtx): void {
  if (v.destination !== 's3') return;
  const need = (key: keyof DestinationInput, message: string) => {
    if (String(v[key]).trim() === '') ctx.addIssue({ code: 'custom', path: [key], message });
  };
  need('s3Region', 'Enter the region (us-east-1 suits most self-hosted servers).');
  need('s3Bucket', 'Enter the bucket name.');
  need('s3AccessKey', 'Enter the access key.');
  need('s3SecretKey', 'Enter the secret key.');
  if (v.s3Bucket !== '' && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v.s3Bucket)) {
    ctx.addIssue({ code: 'custom', path: ['s3Bucket'], message: 'A bucket name has 3 to 63 characters: lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit.' });
  }
  if (v.s3Region !== '' && !/^[A-Za-z0-9-]+$/.test(v.s3Region)) ctx.addIssue({ code: 'custom', path: ['s3Region'], message: 'A region is letters, digits and hyphens, such as us-east-1.' });
  if (v.s3Endpoint !== '') {
    let good = false;
    try {
      good = ['http:', 'https:'].includes(new URL(v.s3Endpoint).protocol);
    } catch {
      good = false;
    }
    if (!good) ctx.addIssue({ code: 'custom', path: ['s3Endpoint'], message: 'Enter an http:// or https:// address, or leave it empty for AWS.' });
  }
  if (/(^|\/)\.\.?(\/|$)/.test(v.s3Prefix) || v.s3Prefix.includes('\\')) ctx.addIssue({ code: 'custom', path: ['s3Prefix'], message: 'The prefix may not contain "." or ".." segments or backslashes.' });
}

/** "Test connection" for the S3 fields of the create form. */
export const testS3Schema = z.object(destinationFields).superRefine((v, ctx) => checkDestinationFields({ ...v, destination: 's3' }, ctx));

/**
 * Editing the S3 destination of an existing plan: the same fields, but an empty secret key keeps the
 * stored (sealed) one. Also used by "Test connection" on the edit form.
 */
export const editDestinationSchema = z
  .object({ planId: z.string().uuid('Not found.'), ...destinationFields })
  .superRefine((v, ctx) => checkDestinationFields({ ...v, destination: 's3', s3SecretKey: v.s3SecretKey === '' ? 'kept' : v.s3SecretKey }, ctx));

export type EditDestinationInput = z.infer<typeof editDestinationSchema>;
