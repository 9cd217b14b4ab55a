import { describe, expect, it } from 'vitest';
import { formatWallTime, summarizeSchedule } from './summary';

describe('summarizeSchedule', () => {
  const now = new Date('2026-11-29T05:20:00Z');

  it('says Manual for a plan without a schedule', () => {
    expect(summarizeSchedule(null, 'Europe/Paris', now)).toEqual({ label: 'Manual', next: null, nextText: null });
  });

  it('gives a daily schedule in words and its next run on the plan zone wall clock', () => {
    // 05:20 UTC is 06:20 in Paris (CET, UTC+1): 02:00 today has passed, so tomorrow 02:00 CET = 01:00 UTC.
    const s = summarizeSchedule('preset:daily@02:00', 'Europe/Paris', now);
    expect(s.label).toBe('Every day at 02:00');
    expect(s.next?.toISOString()).toBe('2026-11-30T01:00:00.000Z');
    expect(s.nextText).toBe('Mon 30 Nov 2026, 02:00 (Europe/Paris)');
    // In New York (EST, UTC-5) it is 00:20, so 02:00 is still ahead today.
    expect(summarizeSchedule('preset:daily@02:00', 'America/New_York', now).nextText).toBe('Sun 29 Nov 2026, 02:00 (America/New_York)');
  });

  it('handles hourly, weekly and cron schedules', () => {
    expect(summarizeSchedule('preset:hourly', 'UTC', now)).toMatchObject({ label: 'Every hour, on the hour', nextText: 'Sun 29 Nov 2026, 06:00 (UTC)' });
    expect(summarizeSchedule('preset:weekly@mon@03:15', 'UTC', now)).toMatchObject({ label: 'Every Monday at 03:15', nextText: 'Mon 30 Nov 2026, 03:15 (UTC)' });
    expect(summarizeSchedule('cron:*/15 * * * *', 'UTC', now).nextText).toBe('Sun 29 Nov 2026, 05:30 (UTC)');
  });

  it('shows the next run across a daylight-saving change in the local time of that day', () => {
    // Berlin springs forward on 29 March 2026: 02:30 does not exist and runs at 03:00 CEST (01:00 UTC).
    const s = summarizeSchedule('preset:daily@02:30', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'));
    expect(s.next?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(s.nextText).toBe('Sun 29 Mar 2026, 03:00 (Europe/Berlin)');
  });

  it('never throws on a stored string it cannot read, or an unknown zone', () => {
    expect(summarizeSchedule('preset:sometimes', 'UTC', now)).toEqual({ label: 'Unreadable schedule', next: null, nextText: null });
    expect(summarizeSchedule('preset:hourly', 'Mars/Olympus_Mons', now)).toEqual({ label: 'Unreadable schedule', next: null, nextText: null });
  });

  it('formats midnight as 00:00, not 24:00', () => {
    expect(formatWallTime(new Date('2026-01-01T00:00:00Z'), 'UTC')).toBe('Thu 1 Jan 2026, 00:00');
  });
});
