import { describe, expect, it } from 'vitest';
import {
  describeSchedule,
  nextRuns,
  parseSchedule,
  serializeSchedule,
  validateSchedule,
  type Schedule,
} from './index';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString().replace(':00.000Z', 'Z'));
const cron = (expression: string): Schedule => ({ kind: 'cron', expression });
const at = (text: string) => new Date(text);

describe('nextRuns', () => {
  it('gives the next 3 runs of each preset, strictly after the start', () => {
    const from = at('2026-11-29T10:00:00Z'); // a Sunday
    expect(iso(nextRuns({ kind: 'hourly' }, from, 3, 'UTC'))).toEqual([
      '2026-11-29T11:00Z',
      '2026-11-29T12:00Z',
      '2026-11-29T13:00Z',
    ]);
    expect(iso(nextRuns({ kind: 'daily', hour: 2, minute: 30 }, from, 3, 'UTC'))).toEqual([
      '2026-11-30T02:30Z',
      '2026-12-01T02:30Z',
      '2026-12-02T02:30Z',
    ]);
    expect(iso(nextRuns({ kind: 'weekly', weekday: 1, hour: 2, minute: 30 }, from, 3, 'UTC'))).toEqual([
      '2026-11-30T02:30Z',
      '2026-12-07T02:30Z',
      '2026-12-14T02:30Z',
    ]);
    expect(iso(nextRuns({ kind: 'daily', hour: 10, minute: 0 }, from, 1, 'UTC'))).toEqual([
      '2026-11-30T10:00Z',
    ]);
  });

  it('reads times on the wall clock of the given zone', () => {
    const from = at('2026-07-01T00:00:00Z');
    expect(iso(nextRuns({ kind: 'daily', hour: 2, minute: 30 }, from, 2, 'Europe/Berlin'))).toEqual([
      '2026-07-01T00:30Z',
      '2026-07-02T00:30Z',
    ]);
    expect(iso(nextRuns({ kind: 'daily', hour: 2, minute: 30 }, from, 2, 'America/New_York'))).toEqual([
      '2026-07-01T06:30Z',
      '2026-07-02T06:30Z',
    ]);
    expect(iso(nextRuns({ kind: 'daily', hour: 2, minute: 30 }, from, 1, 'Asia/Kolkata'))).toEqual([
      '2026-07-01T21:00Z',
    ]);
  });

  it('runs a daily job whose time is skipped by spring-forward once, when the clocks jump (Berlin)', () => {
    const runs = nextRuns(
      { kind: 'daily', hour: 2, minute: 30 },
      at('2026-03-27T12:00:00Z'),
      3,
      'Europe/Berlin',
    );
    // 02:30 CET, then 03:00 CEST on 29 March (02:30 does not exist), then 02:30 CEST.
    expect(iso(runs)).toEqual(['2026-03-28T01:30Z', '2026-03-29T01:00Z', '2026-03-30T00:30Z']);
    // Two fixed times in the gap still make one run.
    expect(iso(nextRuns(cron('0,30 2 * * *'), at('2026-03-28T12:00:00Z'), 3, 'Europe/Berlin'))).toEqual([
      '2026-03-29T01:00Z',
      '2026-03-30T00:00Z',
      '2026-03-30T00:30Z',
    ]);
  });

  it('runs a daily job in the repeated hour of fall-back once, not twice (Berlin)', () => {
    const runs = nextRuns(
      { kind: 'daily', hour: 2, minute: 30 },
      at('2026-10-24T12:00:00Z'),
      3,
      'Europe/Berlin',
    );
    expect(iso(runs)).toEqual(['2026-10-25T00:30Z', '2026-10-26T01:30Z', '2026-10-27T01:30Z']);
  });

  it('keeps hourly jobs hourly in elapsed time across both changes (Berlin)', () => {
    // Spring forward: 02:00 CET never happens, 03:00 CEST is one hour after 01:00 CET.
    expect(iso(nextRuns({ kind: 'hourly' }, at('2026-03-28T23:30:00Z'), 3, 'Europe/Berlin'))).toEqual([
      '2026-03-29T00:00Z',
      '2026-03-29T01:00Z',
      '2026-03-29T02:00Z',
    ]);
    // Fall back: 02:00 CEST and 02:00 CET both run.
    expect(iso(nextRuns({ kind: 'hourly' }, at('2026-10-24T23:30:00Z'), 3, 'Europe/Berlin'))).toEqual([
      '2026-10-25T00:00Z',
      '2026-10-25T01:00Z',
      '2026-10-25T02:00Z',
    ]);
  });

  it('handles New York’s changes both ways', () => {
    expect(
      iso(
        nextRuns({ kind: 'daily', hour: 2, minute: 30 }, at('2026-03-07T00:00:00Z'), 3, 'America/New_York'),
      ),
    ).toEqual(['2026-03-07T07:30Z', '2026-03-08T07:00Z', '2026-03-09T06:30Z']);
    expect(
      iso(
        nextRuns({ kind: 'daily', hour: 1, minute: 30 }, at('2026-10-31T12:00:00Z'), 3, 'America/New_York'),
      ),
    ).toEqual(['2026-11-01T05:30Z', '2026-11-02T06:30Z', '2026-11-03T06:30Z']);
    // Every 30 minutes runs through the repeated hour twice: 01:30 EDT, 01:00 EST, 01:30 EST, 02:00 EST.
    expect(iso(nextRuns(cron('*/30 * * * *'), at('2026-11-01T05:10:00Z'), 4, 'America/New_York'))).toEqual([
      '2026-11-01T05:30Z',
      '2026-11-01T06:00Z',
      '2026-11-01T06:30Z',
      '2026-11-01T07:00Z',
    ]);
    // A weekly job on the day of the change.
    expect(
      iso(
        nextRuns(
          { kind: 'weekly', weekday: 0, hour: 2, minute: 15 },
          at('2026-03-01T12:00:00Z'),
          2,
          'America/New_York',
        ),
      ),
    ).toEqual(['2026-03-08T07:00Z', '2026-03-15T06:15Z']);
  });

  it('skips months without the day at month ends', () => {
    expect(iso(nextRuns(cron('0 0 31 * *'), at('2026-01-01T00:00:00Z'), 3, 'UTC'))).toEqual([
      '2026-01-31T00:00Z',
      '2026-03-31T00:00Z',
      '2026-05-31T00:00Z',
    ]);
    expect(iso(nextRuns(cron('0 12 30 * *'), at('2026-01-30T12:00:00Z'), 2, 'UTC'))).toEqual([
      '2026-03-30T12:00Z',
      '2026-04-30T12:00Z',
    ]);
  });

  it('finds 29 February in leap years only, past 2100', () => {
    expect(iso(nextRuns(cron('0 0 29 2 *'), at('2026-01-01T00:00:00Z'), 3, 'UTC'))).toEqual([
      '2028-02-29T00:00Z',
      '2032-02-29T00:00Z',
      '2036-02-29T00:00Z',
    ]);
    expect(iso(nextRuns(cron('0 0 29 2 *'), at('2096-03-01T00:00:00Z'), 1, 'UTC'))).toEqual([
      '2104-02-29T00:00Z',
    ]);
  });

  it('understands day and month names, lists, ranges and steps', () => {
    const friday = at('2026-01-02T10:00:00Z');
    expect(iso(nextRuns(cron('0 9 * * MON-FRI'), friday, 3, 'UTC'))).toEqual([
      '2026-01-05T09:00Z',
      '2026-01-06T09:00Z',
      '2026-01-07T09:00Z',
    ]);
    expect(iso(nextRuns(cron('0 9 * * sat,7'), friday, 3, 'UTC'))).toEqual([
      '2026-01-03T09:00Z',
      '2026-01-04T09:00Z',
      '2026-01-10T09:00Z',
    ]);
    expect(iso(nextRuns(cron('15 8-18/5 1 jan-mar/2 *'), friday, 4, 'UTC'))).toEqual([
      '2026-03-01T08:15Z',
      '2026-03-01T13:15Z',
      '2026-03-01T18:15Z',
      '2027-01-01T08:15Z',
    ]);
    expect(iso(nextRuns(cron('@monthly'), friday, 2, 'UTC'))).toEqual([
      '2026-02-01T00:00Z',
      '2026-03-01T00:00Z',
    ]);
  });

  it('runs on either day field when both are restricted, on both when one starts with *', () => {
    expect(iso(nextRuns(cron('0 0 13 * FRI'), at('2026-01-01T00:00:00Z'), 4, 'UTC'))).toEqual([
      '2026-01-02T00:00Z',
      '2026-01-09T00:00Z',
      '2026-01-13T00:00Z',
      '2026-01-16T00:00Z',
    ]);
    expect(iso(nextRuns(cron('0 0 */10 * MON'), at('2026-01-01T00:00:00Z'), 3, 'UTC'))).toEqual([
      '2026-05-11T00:00Z',
      '2026-06-01T00:00Z',
      '2026-08-31T00:00Z',
    ]);
  });

  it('refuses unknown zones and counts', () => {
    expect(() => nextRuns({ kind: 'hourly' }, new Date(), 3, 'Europe/Atlantis')).toThrow(
      'unknown time zone "Europe/Atlantis"',
    );
    expect(() => nextRuns({ kind: 'hourly' }, new Date(), -1, 'UTC')).toThrow('count must be');
  });
});

describe('validateSchedule', () => {
  it('explains what is wrong with a cron expression', () => {
    const cases: [string, string][] = [
      ['61 * * * *', 'minute field "61": 61 is out of range 0-59'],
      ['* * * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 4'],
      ['0 * * * * *', 'got 6 (seconds are not supported)'],
      ['0 0 30 2 *', '"0 0 30 2 *" never runs: day 30 does not occur in month 2'],
      ['0 0 31 apr,jun *', 'never runs'],
      ['0 0 * * FOO', 'day-of-week field "FOO": "FOO" is not a number (use 0-7 or names like MON)'],
      ['5-1 * * * *', 'minute field "5-1": range 5-1 runs backwards'],
      ['*/0 * * * *', 'minute field "*/0": step "0" must be a whole number from 1 to 59'],
      ['1,,2 * * * *', 'minute field "1,,2": empty list item'],
      ['0 24 * * *', 'hour field "24": 24 is out of range 0-23'],
      ['@reboot', 'unknown macro "@reboot"'],
    ];
    for (const [expression, message] of cases)
      expect(validateSchedule(cron(expression)), expression).toContain(message);
    expect(validateSchedule(cron('0 0 31 apr,may *'))).toBeUndefined();
    expect(validateSchedule(cron('0 0 31 2 MON'))).toBeUndefined();
  });

  it('checks preset times and days', () => {
    expect(validateSchedule({ kind: 'daily', hour: 24, minute: 0 })).toBe(
      'the time must be a valid HH:MM on a 24-hour clock',
    );
    expect(validateSchedule({ kind: 'weekly', weekday: 7, hour: 1, minute: 0 })).toBe(
      'the day of the week must be 0 (Sunday) to 6 (Saturday)',
    );
    expect(validateSchedule({ kind: 'daily', hour: 23, minute: 59 })).toBeUndefined();
  });
});

describe('serializeSchedule and parseSchedule', () => {
  it('round-trip every kind through the stored string', () => {
    const cases: [Schedule, string][] = [
      [{ kind: 'hourly' }, 'preset:hourly'],
      [{ kind: 'daily', hour: 2, minute: 30 }, 'preset:daily@02:30'],
      [{ kind: 'weekly', weekday: 1, hour: 23, minute: 5 }, 'preset:weekly@mon@23:05'],
      [cron('30 2 * * 1-5'), 'cron:30 2 * * 1-5'],
    ];
    for (const [schedule, text] of cases) {
      expect(serializeSchedule(schedule)).toBe(text);
      expect(parseSchedule(text)).toEqual(schedule);
    }
    expect(serializeSchedule(cron('  30   2 * *  1-5 '))).toBe('cron:30 2 * * 1-5');
    expect(parseSchedule('preset:weekly@Sunday@2:30')).toEqual({
      kind: 'weekly',
      weekday: 0,
      hour: 2,
      minute: 30,
    });
  });

  it('refuses malformed stored strings', () => {
    expect(() => parseSchedule('daily')).toThrow('expected preset:hourly, preset:daily@HH:MM');
    expect(() => parseSchedule('preset:daily@25:00')).toThrow('"25:00" is not a time of day');
    expect(() => parseSchedule('preset:weekly@funday@02:00')).toThrow('"funday" is not a day of the week');
    expect(() => parseSchedule('cron:0 0 30 2 *')).toThrow(
      'Invalid cron expression: "0 0 30 2 *" never runs',
    );
    expect(() => serializeSchedule({ kind: 'daily', hour: 1.5, minute: 0 })).toThrow('valid HH:MM');
  });
});

describe('describeSchedule', () => {
  it('says when a schedule runs in words', () => {
    expect(describeSchedule({ kind: 'hourly' })).toBe('Every hour, on the hour');
    expect(describeSchedule({ kind: 'daily', hour: 2, minute: 30 })).toBe('Every day at 02:30');
    expect(describeSchedule({ kind: 'weekly', weekday: 0, hour: 18, minute: 0 })).toBe(
      'Every Sunday at 18:00',
    );
    expect(describeSchedule(cron('30 2 * * *'))).toBe('Every day at 02:30');
    expect(describeSchedule(cron('0 9 * * MON-FRI'))).toBe('Every Monday to Friday at 09:00');
    expect(describeSchedule(cron('0 9 * * 1,3,5'))).toBe('Every Monday, Wednesday and Friday at 09:00');
    expect(describeSchedule(cron('0 4 1 * *'))).toBe('On day 1 of every month at 04:00');
    expect(describeSchedule(cron('15 * * * *'))).toBe('Every hour at minute 15');
    expect(describeSchedule(cron('*/15 * * * *'))).toBe('Every 15 minutes');
    expect(describeSchedule(cron('0 0 13 * FRI'))).toBe('Cron schedule 0 0 13 * FRI');
  });
});
