import { describe, expect, it } from 'vitest';
import { createPlanSchema } from './backups';
import { updateScheduleSchema } from './schedules';

const planId = '6f1c1f0e-8a43-4c55-9a59-2b1f3d0a9a11';
const errorsOf = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  Object.fromEntries((r.error?.issues ?? []).map((i) => [String(i.path[0]), i.message]));

describe('updateScheduleSchema', () => {
  it('stores presets in their string form with the browser time zone', () => {
    const r = updateScheduleSchema.safeParse({ planId, schedule: 'weekly', scheduleDay: 'tue', scheduleTime: '2:05', timeZone: 'Europe/Paris', retention: 'standard' });
    expect(r.success && r.data).toEqual({ planId, schedule: 'preset:weekly@tue@02:05', timeZone: 'Europe/Paris', retention: { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 } });
  });

  it('refuses a bad time, a bad cron expression and an unknown zone on their fields', () => {
    expect(errorsOf(updateScheduleSchema.safeParse({ planId, schedule: 'daily', scheduleTime: '25:00' }))).toHaveProperty('scheduleTime');
    expect(errorsOf(updateScheduleSchema.safeParse({ planId, schedule: 'cron', scheduleCron: '61 * * * *' }))).toHaveProperty('scheduleCron');
    expect(errorsOf(updateScheduleSchema.safeParse({ planId, schedule: 'hourly', timeZone: 'Mars/Olympus' }))).toHaveProperty('timeZone');
  });

  it('reads a custom retention policy and refuses bad counts, bad durations and an empty policy', () => {
    const ok = updateScheduleSchema.safeParse({ planId, schedule: 'manual', retention: 'custom', keepLast: '3', keepYearly: '-1', keepWithin: '30d' });
    expect(ok.success && ok.data.retention).toEqual({ keepLast: 3, keepYearly: -1, keepWithin: '30d' });
    expect(ok.success && ok.data.schedule).toBeNull();
    expect(errorsOf(updateScheduleSchema.safeParse({ planId, retention: 'custom', keepDaily: 'seven' }))).toHaveProperty('keepDaily');
    expect(errorsOf(updateScheduleSchema.safeParse({ planId, retention: 'custom', keepWithin: '3 fortnights' }))).toHaveProperty('keepWithin');
    expect(errorsOf(updateScheduleSchema.safeParse({ planId, retention: 'custom' }))).toHaveProperty('retention');
  });
});

describe('createPlanSchema (schedule and destination)', () => {
  const base = { name: 'N', sources: '/srv/a', encrypt: 'on', passphrase: 'long enough', confirmPassphrase: 'long enough' };

  it('refuses a scheduled encrypted plan whose passphrase is not remembered', () => {
    const r = createPlanSchema.safeParse({ ...base, schedule: 'hourly' });
    expect(errorsOf(r).rememberPassphrase).toMatch(/Remember passphrase/);
    const ok = createPlanSchema.safeParse({ ...base, schedule: 'hourly', rememberPassphrase: 'on', timeZone: 'UTC' });
    expect(ok.success && ok.data.plan.schedule).toBe('preset:hourly');
  });

  it('requires the S3 fields for an S3 destination and checks the endpoint', () => {
    const r = createPlanSchema.safeParse({ ...base, destination: 's3', s3Endpoint: 'ftp://x' });
    expect(Object.keys(errorsOf(r))).toEqual(expect.arrayContaining(['s3Bucket', 's3AccessKey', 's3SecretKey', 's3Endpoint']));
    const ok = createPlanSchema.safeParse({ ...base, destination: 's3', s3Region: 'us-east-1', s3Bucket: 'backups', s3AccessKey: 'k', s3SecretKey: 's', s3PathStyle: 'on' });
    expect(ok.success && ok.data.s3PathStyle).toBe(true);
    const badName = createPlanSchema.safeParse({ ...base, destination: 's3', s3Region: 'us-east-1', s3Bucket: 'b', s3AccessKey: 'k', s3SecretKey: 's' });
    expect(errorsOf(badName).s3Bucket).toMatch(/^A bucket name has 3 to 63 characters/);
  });
});
