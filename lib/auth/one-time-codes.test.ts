import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneTimeCodes } from '@/lib/db/schema';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import { consumeCode, generateCode, issueCode } from './one-time-codes';
import { agePast, createUser, ensureTestSecret } from './test-support';

describe('one-time-codes', () => {
  it('generates six digits', () => {
    for (let i = 0; i < 200; i++) expect(generateCode()).toMatch(/^\d{6}$/);
  });

  describe.each(testDrivers())('on %s', (driver) => {
    let database: TestDatabase;
    beforeAll(async () => {
      ensureTestSecret();
      database = await createTestDatabase(driver);
    });
    afterAll(async () => {
      await database?.dispose();
    });

    it('stores only a hash of the code', async () => {
      const user = await createUser(database.db);
      const code = await issueCode(database.db, user.id, 'reset');
      const rows = await database.db.select().from(oneTimeCodes).where(eq(oneTimeCodes.userId, user.id));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.codeHash).not.toContain(code);
      expect(rows[0]!.codeHash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('accepts the right code once (single use)', async () => {
      const user = await createUser(database.db);
      const code = await issueCode(database.db, user.id, 'reset');
      expect(await consumeCode(database.db, user.id, 'reset', code)).toEqual({ ok: true });
      expect(await consumeCode(database.db, user.id, 'reset', code)).toEqual({ ok: false, reason: 'no_code' });
    });

    it('refuses a code for another purpose', async () => {
      const user = await createUser(database.db);
      const code = await issueCode(database.db, user.id, 'reset');
      expect((await consumeCode(database.db, user.id, 'login', code)).ok).toBe(false);
      expect((await consumeCode(database.db, user.id, 'reset', code)).ok).toBe(true);
    });

    it('refuses a code older than 10 minutes even when right, and accepts one of 9 minutes', async () => {
      const late = await createUser(database.db);
      const lateCode = await issueCode(database.db, late.id, 'login');
      await agePast(database.db, 'one_time_codes', 10 * 60 + 1);
      expect(await consumeCode(database.db, late.id, 'login', lateCode)).toEqual({ ok: false, reason: 'no_code' });

      const inTime = await createUser(database.db);
      const inTimeCode = await issueCode(database.db, inTime.id, 'login');
      await agePast(database.db, 'one_time_codes', 9 * 60);
      expect(await consumeCode(database.db, inTime.id, 'login', inTimeCode)).toEqual({ ok: true });
    });

    it('allows at most 5 tries: the 6th is refused even when right', async () => {
      const user = await createUser(database.db);
      const code = await issueCode(database.db, user.id, 'reset');
      const wrong = code === '123456' ? '654321' : '123456';
      for (let i = 0; i < 5; i++) expect(await consumeCode(database.db, user.id, 'reset', wrong)).toEqual({ ok: false, reason: 'wrong' });
      expect(await consumeCode(database.db, user.id, 'reset', code)).toEqual({ ok: false, reason: 'no_code' });
    });

    it('accepts the right code on the 5th try', async () => {
      const user = await createUser(database.db);
      const code = await issueCode(database.db, user.id, 'reset');
      const wrong = code === '123456' ? '654321' : '123456';
      for (let i = 0; i < 4; i++) await consumeCode(database.db, user.id, 'reset', wrong);
      expect(await consumeCode(database.db, user.id, 'reset', code)).toEqual({ ok: true });
    });

    it('lets exactly one of two concurrent checks of the right code win', async () => {
      for (let round = 0; round < 5; round++) {
        const user = await createUser(database.db);
        const code = await issueCode(database.db, user.id, 'reset');
        const results = await Promise.all([
          consumeCode(database.db, user.id, 'reset', code),
          consumeCode(database.db, user.id, 'reset', code),
          consumeCode(database.db, user.id, 'reset', code),
        ]);
        expect(results.filter((r) => r.ok)).toHaveLength(1);
      }
    });

    it('voids the earlier code when a new one is issued', async () => {
      const user = await createUser(database.db);
      const first = await issueCode(database.db, user.id, 'reset');
      let second = await issueCode(database.db, user.id, 'reset');
      while (second === first) second = await issueCode(database.db, user.id, 'reset');
      expect((await consumeCode(database.db, user.id, 'reset', first)).ok).toBe(false);
      expect(await consumeCode(database.db, user.id, 'reset', second)).toEqual({ ok: true });
    });

    it('counts a malformed code as a wrong try', async () => {
      const user = await createUser(database.db);
      await issueCode(database.db, user.id, 'reset');
      expect(await consumeCode(database.db, user.id, 'reset', "1' or '1'='1")).toEqual({ ok: false, reason: 'wrong' });
      const [row] = await database.db.select().from(oneTimeCodes).where(eq(oneTimeCodes.userId, user.id));
      expect(row!.attempts).toBe(1);
    });
  });
});
