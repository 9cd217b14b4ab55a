import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyRetention,
  assertValidPolicy,
  formatDuration,
  formatPolicy,
  isEmptyPolicy,
  parseDuration,
  validatePolicy,
  type RetentionPolicy,
  type RetentionSnapshot,
} from './retention';

const UTC = { timeZone: 'UTC' };
const NOW = new Date('2030-01-01T00:00:00Z');

/** Snapshots named by their UTC time ("2019-09-01 11:00"), optionally tagged. */
function snaps(...specs: (string | [string, string[]])[]): RetentionSnapshot[] {
  return specs.map((spec) => {
    const [time, tags] = typeof spec === 'string' ? [spec, undefined] : spec;
    return { id: time, time: new Date(`${time.replace(' ', 'T')}:00Z`), tags };
  });
}

function run(list: RetentionSnapshot[], policy: RetentionPolicy, options = UTC, now = NOW) {
  const result = applyRetention(list, policy, now, options);
  return {
    keep: result.keep.map((k) => k.snapshot.id),
    forget: result.forget.map((f) => f.snapshot.id),
    reasons: Object.fromEntries(result.keep.map((k) => [k.snapshot.id, k.reasons])),
  };
}

const sundays = snaps(
  '2019-09-01 11:00',
  '2019-09-08 11:00',
  '2019-09-15 11:00',
  '2019-09-22 11:00',
  '2019-09-29 11:00',
  '2019-10-06 11:00',
  '2019-10-13 11:00',
  '2019-10-20 11:00',
  '2019-10-27 11:00',
  '2019-11-03 11:00',
  '2019-11-10 11:00',
  '2019-11-17 11:00',
);

describe('applyRetention', () => {
  it('keeps the four newest Sundays with keep-daily 4, as in restic’s documented example', () => {
    const r = run(sundays, { keepDaily: 4 });
    expect(r.keep).toEqual(['2019-11-17 11:00', '2019-11-10 11:00', '2019-11-03 11:00', '2019-10-27 11:00']);
    expect(r.forget).toHaveLength(8);
    expect(Object.values(r.reasons)).toEqual(Array(4).fill(['daily snapshot']));
  });

  it('keeps the newest snapshot of each day across a month boundary', () => {
    const list = snaps(
      '2024-01-30 08:00',
      '2024-01-30 20:00',
      '2024-01-31 09:00',
      '2024-01-31 23:59',
      '2024-02-01 00:00',
      '2024-02-01 12:00',
      '2024-02-02 06:00',
    );
    const r = run(list, { keepDaily: 3 });
    expect(r.keep).toEqual(['2024-02-02 06:00', '2024-02-01 12:00', '2024-01-31 23:59']);
    expect(r.forget).toEqual([
      '2024-02-01 00:00',
      '2024-01-31 09:00',
      '2024-01-30 20:00',
      '2024-01-30 08:00',
    ]);
  });

  it('also keeps the oldest snapshot when a count is not used up', () => {
    const list = snaps('2024-03-01 08:00', '2024-03-01 09:00', '2024-03-02 09:00', '2024-03-03 09:00');
    const r = run(list, { keepDaily: 5 });
    expect(r.keep).toEqual(['2024-03-03 09:00', '2024-03-02 09:00', '2024-03-01 09:00', '2024-03-01 08:00']);
    expect(r.reasons['2024-03-01 08:00']).toEqual(['oldest daily snapshot']);
    expect(r.reasons['2024-03-01 09:00']).toEqual(['daily snapshot']);
    // A count that runs out first leaves the oldest to be forgotten.
    expect(run(list, { keepDaily: 2 }).forget).toEqual(['2024-03-01 09:00', '2024-03-01 08:00']);
  });

  it('buckets weeks by ISO week across a year boundary', () => {
    // 2020-12-28 (Mon) to 2021-01-03 (Sun) is ISO week 53 of 2020; 2021-01-04 starts week 1 of 2021.
    const list = snaps(
      '2020-12-27 10:00',
      '2020-12-28 10:00',
      '2020-12-31 10:00',
      '2021-01-02 10:00',
      '2021-01-03 10:00',
      '2021-01-04 10:00',
      '2021-01-05 10:00',
    );
    const r = run(list, { keepWeekly: 2 });
    expect(r.keep).toEqual(['2021-01-05 10:00', '2021-01-03 10:00']);
    expect(run(list, { keepWeekly: 3 }).keep).toEqual([
      '2021-01-05 10:00',
      '2021-01-03 10:00',
      '2020-12-27 10:00',
    ]);
  });

  it('keeps the newest snapshot of each month, leap days included', () => {
    const list = snaps(
      '2024-01-31 10:00',
      '2024-02-01 10:00',
      '2024-02-29 10:00',
      '2024-03-01 10:00',
      '2024-03-31 23:00',
    );
    expect(run(list, { keepMonthly: 2 }).keep).toEqual(['2024-03-31 23:00', '2024-02-29 10:00']);
    expect(run(list, { keepMonthly: 3 }).keep).toEqual([
      '2024-03-31 23:00',
      '2024-02-29 10:00',
      '2024-01-31 10:00',
    ]);
  });

  it('keeps yearly snapshots by the calendar of the given time zone', () => {
    // 23:30 UTC on New Year's Eve is already the next year in Berlin.
    const list = snaps('2022-06-01 12:00', '2023-12-31 22:30', '2023-12-31 23:30', '2024-03-01 12:00');
    expect(run(list, { keepYearly: 3 }).keep).toEqual([
      '2024-03-01 12:00',
      '2023-12-31 23:30',
      '2022-06-01 12:00',
    ]);
    expect(run(list, { keepYearly: 3 }, { timeZone: 'Europe/Berlin' }).keep).toEqual([
      '2024-03-01 12:00',
      '2023-12-31 22:30',
      '2022-06-01 12:00',
    ]);
    expect(run(list, { keepYearly: 3 }, { timeZone: 'America/New_York' }).keep).toEqual([
      '2024-03-01 12:00',
      '2023-12-31 23:30',
      '2022-06-01 12:00',
    ]);
  });

  it('treats the repeated hour of a DST fall-back as one hourly bucket', () => {
    // 2026-10-25 in Berlin: 02:30 CEST is 00:30 UTC, 02:30 CET is 01:30 UTC.
    const list = snaps('2026-10-25 00:10', '2026-10-25 00:30', '2026-10-25 01:30', '2026-10-25 02:30');
    expect(run(list, { keepHourly: 10 }, { timeZone: 'Europe/Berlin' }).keep).toEqual([
      '2026-10-25 02:30',
      '2026-10-25 01:30',
      '2026-10-25 00:10',
    ]);
    expect(run(list, { keepHourly: 10 }).keep).toEqual([
      '2026-10-25 02:30',
      '2026-10-25 01:30',
      '2026-10-25 00:30',
      '2026-10-25 00:10',
    ]);
  });

  it('keeps everything within a span of the newest snapshot, not of now', () => {
    const list = snaps(
      '2024-05-15 11:59',
      '2024-05-15 12:00',
      '2024-05-15 12:01',
      '2024-06-01 00:00',
      '2024-06-15 12:00',
    );
    const r = run(list, { keepWithin: '1m' });
    expect(r.keep).toEqual(['2024-06-15 12:00', '2024-06-01 00:00', '2024-05-15 12:01']);
    expect(r.reasons['2024-06-15 12:00']).toEqual(['within 1m']);
    expect(r.forget).toEqual(['2024-05-15 12:00', '2024-05-15 11:59']);
    // 2y5m7d3h before 2024-06-15 12:00 is 2022-01-08 09:00.
    const long = snaps('2022-01-08 09:00', '2022-01-08 09:01', '2024-06-15 12:00');
    expect(run(long, { keepWithin: '2y5m7d3h' }).keep).toEqual(['2024-06-15 12:00', '2022-01-08 09:01']);
  });

  it('counts keep-within months like restic, overflowing short months', () => {
    // 31 March minus one month is "31 February", which normalises to 2 March (2023 is not a leap year).
    const list = snaps('2023-03-02 11:59', '2023-03-03 12:01', '2023-03-31 12:00');
    expect(run(list, { keepWithin: '1m' }).keep).toEqual(['2023-03-31 12:00', '2023-03-03 12:01']);
  });

  it('ignores snapshots dated in the future when finding the newest for keep-within', () => {
    const list = snaps('2024-01-01 00:00', '2024-01-05 00:00', '2031-01-01 00:00');
    const r = run(list, { keepWithin: '2d' }, UTC, NOW);
    expect(r.keep).toEqual(['2031-01-01 00:00', '2024-01-05 00:00']);
    expect(r.forget).toEqual(['2024-01-01 00:00']);
  });

  it('keeps snapshots that carry all tags of any listed tag list, and untagged ones for ""', () => {
    const list = snaps(
      ['2024-01-01 00:00', ['a']],
      ['2024-01-02 00:00', ['a', 'b']],
      ['2024-01-03 00:00', ['c']],
      '2024-01-04 00:00',
      ['2024-01-05 00:00', ['b']],
    );
    expect(run(list, { keepTags: ['a,b'] }).keep).toEqual(['2024-01-02 00:00']);
    expect(run(list, { keepTags: ['a', 'c'] }).keep).toEqual([
      '2024-01-03 00:00',
      '2024-01-02 00:00',
      '2024-01-01 00:00',
    ]);
    const untagged = run(list, { keepTags: [''] });
    expect(untagged.keep).toEqual(['2024-01-04 00:00']);
    expect(untagged.reasons['2024-01-04 00:00']).toEqual(['has no tags']);
  });

  it('combines rules with OR and lists every reason that kept a snapshot', () => {
    const list = snaps(
      ['2024-01-01 10:00', ['keep']],
      '2024-01-08 10:00',
      '2024-01-14 10:00',
      '2024-01-15 09:00',
      '2024-01-15 10:00',
      '2024-01-16 10:00',
    );
    const r = run(list, { keepLast: 2, keepDaily: 3, keepWeekly: 2, keepTags: ['keep'] });
    expect(r.reasons).toEqual({
      '2024-01-16 10:00': ['last snapshot', 'daily snapshot', 'weekly snapshot'],
      '2024-01-15 10:00': ['last snapshot', 'daily snapshot'],
      '2024-01-14 10:00': ['daily snapshot', 'weekly snapshot'],
      '2024-01-01 10:00': ['has tags keep'],
    });
    expect(r.forget).toEqual(['2024-01-15 09:00', '2024-01-08 10:00']);
  });

  it('keeps 7 daily, 5 weekly, 12 monthly and 75 yearly of 100 years of daily snapshots', () => {
    const list: RetentionSnapshot[] = [];
    for (let t = Date.UTC(1930, 0, 1, 3); t < Date.UTC(2030, 0, 1); t += 86_400_000)
      list.push({ id: String(t), time: new Date(t) });
    const result = applyRetention(
      list,
      { keepDaily: 7, keepWeekly: 5, keepMonthly: 12, keepYearly: 75 },
      NOW,
      UTC,
    );
    const count = (reason: string) => result.keep.filter((k) => k.reasons.includes(reason)).length;
    expect([
      count('daily snapshot'),
      count('weekly snapshot'),
      count('monthly snapshot'),
      count('yearly snapshot'),
    ]).toEqual([7, 5, 12, 75]);
    // The newest (Monday 2029-12-31) is daily, weekly, monthly and yearly at once, and the dailies
    // reach back into the previous ISO week, so they hold two weeklies: 7 + 3 + 11 + 74.
    expect(result.keep.length).toBe(95);
    expect(result.keep.length + result.forget.length).toBe(list.length);
  });

  it('keeps everything with an unlimited count', () => {
    expect(run(sundays, { keepWeekly: -1 }).forget).toEqual([]);
    expect(run(sundays, { keepMonthly: -1 }).keep).toEqual([
      '2019-11-17 11:00',
      '2019-10-27 11:00',
      '2019-09-29 11:00',
      '2019-09-01 11:00',
    ]);
  });

  it('keeps the given order for snapshots with equal times and does not modify its input', () => {
    const list = [
      ...snaps('2024-01-01 00:00'),
      { id: 'twin', time: new Date('2024-01-01T00:00:00Z') },
      ...snaps('2023-01-01 00:00'),
    ];
    const before = list.map((s) => s.id);
    expect(run(list, { keepLast: 1 }).keep).toEqual(['2024-01-01 00:00']);
    expect(list.map((s) => s.id)).toEqual(before);
  });

  it('keeps everything under an empty policy, saying so', () => {
    expect(isEmptyPolicy({})).toBe(true);
    expect(isEmptyPolicy({ keepLast: 0, keepWithin: '0d', keepTags: [] })).toBe(true);
    expect(isEmptyPolicy({ keepTags: [''] })).toBe(false);
    const r = run(sundays, { keepDaily: 0 });
    expect(r.forget).toEqual([]);
    expect(r.reasons['2019-09-01 11:00']).toEqual(['policy is empty']);
    expect(run([], { keepLast: 1 })).toEqual({ keep: [], forget: [], reasons: {} });
  });

  it('refuses invalid policies and unknown time zones with clear messages', () => {
    expect(validatePolicy({ keepDaily: 1.5, keepHourly: -2, keepWithin: '5w', keepTags: ['a,,b'] })).toEqual([
      'keepHourly must be a whole number of 0 or more (or -1 for unlimited), not -2',
      'keepDaily must be a whole number of 0 or more (or -1 for unlimited), not 1.5',
      'keepWithin: "5w" is not a duration: unknown unit "w" (use y, m, d or h)',
      'keepTags entries must be tags separated by commas, not "a,,b"',
    ]);
    expect(() => assertValidPolicy({ keepLast: Number.NaN })).toThrow(
      /Invalid retention policy: keepLast must be a whole number/,
    );
    expect(() => applyRetention(sundays, { keepLast: 1 }, NOW, { timeZone: 'Mars/Olympus' })).toThrow(
      /Unknown time zone "Mars\/Olympus"/,
    );
  });
});

describe('parseDuration', () => {
  it('parses restic durations and formats them back', () => {
    expect(parseDuration('2y5m7d3h')).toEqual({ years: 2, months: 5, days: 7, hours: 3 });
    expect(parseDuration('30d')).toEqual({ years: 0, months: 0, days: 30, hours: 0 });
    expect(parseDuration('12h1y')).toEqual({ years: 1, months: 0, days: 0, hours: 12 });
    for (const text of ['2y5m7d3h', '30d', '1m', '48h'])
      expect(formatDuration(parseDuration(text))).toBe(text);
    expect(formatDuration(parseDuration('0d'))).toBe('0h');
  });

  it('explains what is wrong with a bad duration', () => {
    expect(() => parseDuration('')).toThrow('a duration such as 30d or 1y6m is required');
    expect(() => parseDuration('3')).toThrow('the number 3 has no unit');
    expect(() => parseDuration('1w')).toThrow('unknown unit "w"');
    expect(() => parseDuration('1d2d')).toThrow('the unit d appears twice');
    expect(() => parseDuration('-1d')).toThrow('expected a number at "-1d"');
    expect(() => parseDuration('d')).toThrow('expected a number');
  });
});

describe('formatPolicy', () => {
  it('describes a policy in words', () => {
    expect(formatPolicy({ keepLast: 3, keepDaily: 7, keepMonthly: -1 })).toBe(
      'keep 3 latest, 7 daily, all monthly snapshots',
    );
    expect(formatPolicy({ keepWeekly: 4, keepWithin: '1y6m', keepTags: ['a,b', 'c'] })).toBe(
      'keep 4 weekly snapshots and all snapshots tagged [a,b] or [c] and all snapshots within 1y6m of the newest',
    );
    expect(formatPolicy({})).toBe('keep all snapshots (no policy)');
  });
});

describe('applyRetention properties', () => {
  const snapshotList = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 3 * 365 * 24 * 60 }), fc.subarray(['a', 'b', 'c'])), {
      maxLength: 40,
    })
    .map((items) =>
      items.map(([minutes, tags], i) => ({
        id: `s${i}`,
        time: new Date(Date.UTC(2024, 0, 1) + minutes * 60_000),
        tags,
      })),
    );
  const count = fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 6 }));
  const policy = fc.record(
    {
      keepLast: count,
      keepHourly: count,
      keepDaily: count,
      keepWeekly: count,
      keepMonthly: count,
      keepYearly: count,
      keepWithin: fc.oneof(fc.constant(undefined), fc.constantFrom('12h', '3d', '1m', '1y2m')),
      keepTags: fc.oneof(
        fc.constant(undefined),
        fc.constantFrom('a', 'a,b', '', 'c|b').map((t) => t.split('|')),
      ),
    },
    { requiredKeys: [] },
  );

  it('splits the input, keeps the newest, and keeps everything it kept when run again', () => {
    fc.assert(
      fc.property(
        snapshotList,
        policy,
        fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York'),
        (list, p, timeZone) => {
          const first = applyRetention(list, p, NOW, { timeZone });
          const kept = first.keep.map((k) => k.snapshot);
          expect([...kept, ...first.forget.map((f) => f.snapshot)].map((s) => s.id).sort()).toEqual(
            list.map((s) => s.id).sort(),
          );
          for (const k of first.keep) expect(k.reasons.length).toBeGreaterThan(0);
          const counted = [
            p.keepLast,
            p.keepHourly,
            p.keepDaily,
            p.keepWeekly,
            p.keepMonthly,
            p.keepYearly,
          ].some((n) => n);
          if (list.length > 0 && (counted || isEmptyPolicy(p))) {
            const newest = Math.max(...list.map((s) => s.time.getTime()));
            expect(kept.some((s) => s.time.getTime() === newest)).toBe(true);
          }
          // A scheduled forget runs again and again: a second pass must not take more.
          expect(applyRetention(kept, p, NOW, { timeZone }).forget).toEqual([]);
        },
      ),
      { numRuns: 150, seed: 6 },
    );
  });
});
