import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { offsetAt, wallAsUtc, wallTime, type WallTime } from '@/lib/engine/time-zone';
import { matchesDay, parseCron, type CronSpec } from './cron';
import { cronRuns } from './next-runs';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];

/** Instants in 2026 where each zone's offset changes: a scan by day, then by minute within the day. */
const transitions = new Map(
  ZONES.map((zone) => {
    const found: number[] = [];
    for (let day = Date.UTC(2026, 0, 1); day < Date.UTC(2027, 0, 1); day += 24 * HOUR) {
      if (offsetAt(day, zone) === offsetAt(day + 24 * HOUR, zone)) continue;
      let [low, high] = [day, day + 24 * HOUR];
      while (high - low > MINUTE) {
        const mid = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
        if (offsetAt(mid, zone) === offsetAt(day, zone)) low = mid;
        else high = mid;
      }
      found.push(high);
    }
    return [zone, found.length > 0 ? found : [Date.UTC(2026, 5, 1)]];
  }),
);

/**
 * The runs in (from, end] found the slow way: every minute of the window, checked against the spec
 * with the rules of next-runs.ts written out independently.
 */
function oracle(spec: CronSpec, from: number, end: number, zone: string): number[] {
  const runs = new Set<number>();
  const timeOk = (w: Pick<WallTime, 'hour' | 'minute'>) =>
    spec.hours.includes(w.hour) && spec.minutes.includes(w.minute);
  let t = Math.floor(from / MINUTE) * MINUTE + MINUTE;
  let prev = wallTime(t - MINUTE, zone);
  for (; t <= end; t += MINUTE) {
    const w = wallTime(t, zone);
    if (matchesDay(spec, w.year, w.month, w.day) && timeOk(w)) {
      // A fixed-time job skips the second pass through a repeated wall time.
      const back = offsetAt(t - 6 * HOUR, zone) - (wallAsUtc(w) - t);
      const repeated = back > 0 && wallAsUtc(wallTime(t - back, zone)) === wallAsUtc(w);
      if (!(spec.fixedTime && repeated)) runs.add(t);
    }
    // The clocks jumped forward: a fixed-time job due in the skipped wall minutes runs now, once.
    if (spec.fixedTime && wallAsUtc(w) - wallAsUtc(prev) > MINUTE) {
      for (let m = wallAsUtc(prev) + MINUTE; m < wallAsUtc(w); m += MINUTE) {
        const d = new Date(m);
        const skipped = { hour: d.getUTCHours(), minute: d.getUTCMinutes() };
        if (matchesDay(spec, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()) && timeOk(skipped))
          runs.add(t);
      }
    }
    prev = w;
  }
  return [...runs].sort((a, b) => a - b);
}

const minuteField = fc.oneof(
  fc.constant('*'),
  fc.constantFrom('*/15', '*/20', '*/7'),
  fc.integer({ min: 0, max: 59 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 })).map(([a, b]) => `${a},${b}`),
  fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 9 })).map(([a, n]) => `${a}-59/${n}`),
);
// Hours around the usual change times (00:00-04:00) are the interesting ones.
const hourField = fc.oneof(
  fc.constant('*'),
  fc.constant('*/2'),
  fc.integer({ min: 0, max: 4 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 23 })).map(([a, b]) => `${a},${b}`),
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 2, max: 5 })).map(([a, b]) => `${a}-${b}`),
);
const dayFields = fc.constantFrom('* *', '* SUN', '* MON-FRI', '1,15,29 *', '*/2 *', '5 SAT');

describe('cronRuns', () => {
  it('agrees with a minute-by-minute search around DST changes in several zones', () => {
    fc.assert(
      fc.property(
        minuteField,
        hourField,
        dayFields,
        fc.constantFrom(...ZONES),
        fc.nat(),
        fc.integer({ min: -7 * 60, max: 60 }),
        (minute, hour, days, zone, pick, shift) => {
          const [dom, dow] = days.split(' ');
          const spec = parseCron(`${minute} ${hour} ${dom} * ${dow}`);
          const points = transitions.get(zone)!;
          const from = points[pick % points.length]! + shift * MINUTE + (pick % 60) * 1000;
          const runs = cronRuns(spec, new Date(from), 60, zone).map((d) => d.getTime());
          const end = runs.length === 60 ? runs.at(-1)! : from + 8 * HOUR;
          expect(runs.filter((r) => r <= end)).toEqual(oracle(spec, from, end, zone));
        },
      ),
      { numRuns: 12, seed: 20261129 },
    );
    // Intl is slow on a busy machine; the oracle makes a few thousand calls per case.
  }, 180_000);
});
