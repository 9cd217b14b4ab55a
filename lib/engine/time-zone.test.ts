import { describe, expect, it } from 'vitest';
import { instantsOf, isoWeek, isValidTimeZone, offsetAt, wallTime } from './time-zone';

describe('time-zone', () => {
  it('reads the wall clock of an instant in a zone', () => {
    expect(wallTime(new Date('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 3,
      day: 29,
      hour: 3,
      minute: 0,
      second: 0,
      weekday: 0,
    });
    expect(wallTime(new Date('2026-01-01T04:59:59Z'), 'America/New_York')).toMatchObject({
      year: 2025,
      month: 12,
      day: 31,
      hour: 23,
      minute: 59,
      second: 59,
    });
    expect(offsetAt(Date.parse('2026-07-01T00:00:00Z'), 'Europe/Berlin')).toBe(2 * 3_600_000);
  });

  it('finds one, two or no instants for a wall time around DST changes', () => {
    expect(
      instantsOf({ year: 2026, month: 6, day: 1, hour: 12, minute: 0 }, 'Europe/Berlin').map((d) =>
        d.toISOString(),
      ),
    ).toEqual(['2026-06-01T10:00:00.000Z']);
    expect(
      instantsOf({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Berlin').map((d) =>
        d.toISOString(),
      ),
    ).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
    expect(instantsOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Berlin')).toEqual([]);
    expect(instantsOf({ year: 2026, month: 3, day: 8, hour: 2, minute: 0 }, 'America/New_York')).toEqual([]);
  });

  it('numbers ISO weeks across year boundaries', () => {
    expect(isoWeek(2020, 12, 31)).toEqual({ year: 2020, week: 53 });
    expect(isoWeek(2021, 1, 3)).toEqual({ year: 2020, week: 53 });
    expect(isoWeek(2021, 1, 4)).toEqual({ year: 2021, week: 1 });
    expect(isoWeek(2024, 12, 30)).toEqual({ year: 2025, week: 1 });
    expect(isoWeek(2026, 6, 15)).toEqual({ year: 2026, week: 25 });
  });

  it('tells known zones from unknown ones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Nowhere/Land')).toBe(false);
  });
});
