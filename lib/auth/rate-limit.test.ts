import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import { hitRateLimit, peekRateLimit, resetRateLimit, tooManyAttemptsMessage, type RateLimitRule } from './rate-limit';
import { agePast } from './test-support';

const RULE: RateLimitRule = { bucket: 'test', limit: 3, windowSeconds: 900 };

describe('rate-limit', () => {
  it('words the refusal with whole minutes, rounded up', () => {
    expect(tooManyAttemptsMessage(900)).toBe('Too many attempts, try again in 15 minutes.');
    expect(tooManyAttemptsMessage(61)).toBe('Too many attempts, try again in 2 minutes.');
    expect(tooManyAttemptsMessage(5)).toBe('Too many attempts, try again in 1 minute.');
  });

  describe.each(testDrivers())('on %s', (driver) => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase(driver);
    });
    afterAll(async () => {
      await database?.dispose();
    });

    it('trips at the limit and reports the time left in the window', async () => {
      expect(await peekRateLimit(database.db, RULE, 'trip')).toEqual({ count: 0, limited: false, retryAfterSeconds: 0 });
      await hitRateLimit(database.db, RULE, 'trip');
      await hitRateLimit(database.db, RULE, 'trip');
      expect((await peekRateLimit(database.db, RULE, 'trip')).limited).toBe(false);
      const third = await hitRateLimit(database.db, RULE, 'trip');
      expect(third).toMatchObject({ count: 3, limited: true });
      const peek = await peekRateLimit(database.db, RULE, 'trip');
      expect(peek.limited).toBe(true);
      expect(peek.retryAfterSeconds).toBeGreaterThan(800);
      expect(peek.retryAfterSeconds).toBeLessThanOrEqual(900);
      expect((await peekRateLimit(database.db, RULE, 'other key')).limited).toBe(false);
    });

    it('starts a new window once the old one has passed', async () => {
      for (let i = 0; i < 3; i++) await hitRateLimit(database.db, RULE, 'window');
      await agePast(database.db, 'rate_limits', 901);
      expect((await peekRateLimit(database.db, RULE, 'window')).limited).toBe(false);
      expect(await hitRateLimit(database.db, RULE, 'window')).toMatchObject({ count: 1, limited: false });
    });

    it('resets on demand', async () => {
      for (let i = 0; i < 3; i++) await hitRateLimit(database.db, RULE, 'reset');
      await resetRateLimit(database.db, RULE, 'reset');
      expect((await peekRateLimit(database.db, RULE, 'reset')).count).toBe(0);
    });

    it('loses no hit under concurrency', async () => {
      await Promise.all(Array.from({ length: 20 }, () => hitRateLimit(database.db, RULE, 'concurrent')));
      expect((await peekRateLimit(database.db, RULE, 'concurrent')).count).toBe(20);
    });
  });
});
