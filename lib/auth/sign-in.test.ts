import { hash, parseOptions } from '@node-rs/argon2';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditEvents, users } from '@/lib/db/schema';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import { verifyAgainstDummy, verifyPassword } from './password';
import { hitRateLimit, peekRateLimit, SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_IP } from './rate-limit';
import { checkPassword } from './sign-in';
import { agePast, createUser, ensureTestSecret } from './test-support';

const PASSWORD = 'a good long passphrase';

describe('sign-in', () => {
  describe.each(testDrivers())('on %s', (driver) => {
    let database: TestDatabase;
    beforeAll(async () => {
      ensureTestSecret();
      database = await createTestDatabase(driver);
    });
    afterAll(async () => {
      await database?.dispose();
    });

    it('signs in with the right password, whatever the email case', async () => {
      const user = await createUser(database.db, { email: 'Right@Example.test' });
      const result = await checkPassword(database.db, { email: '  RIGHT@example.TEST ', password: PASSWORD, ip: '10.0.0.1' });
      expect(result).toMatchObject({ kind: 'ok', user: { id: user.id } });
      const events = await database.db.select().from(auditEvents).where(eq(auditEvents.userId, user.id));
      expect(events.map((e) => e.action)).toContain('sign_in.success');
    });

    it('fails identically for an unknown email and a wrong password, and hashes once for the unknown email', async () => {
      await createUser(database.db, { email: 'known@example.test' });
      const verify = vi.fn(verifyPassword);
      const verifyDummy = vi.fn(verifyAgainstDummy);
      const wrong = await checkPassword(database.db, { email: 'known@example.test', password: 'not the password', ip: '10.0.0.2' }, { verify, verifyDummy });
      const unknown = await checkPassword(database.db, { email: 'nobody@example.test', password: 'not the password', ip: '10.0.0.2' }, { verify, verifyDummy });
      expect(unknown).toEqual(wrong);
      expect(wrong).toEqual({ kind: 'invalid' });
      expect(verify).toHaveBeenCalledTimes(1);
      expect(verifyDummy).toHaveBeenCalledTimes(1);
    });

    it('refuses a disabled account with the same failure', async () => {
      const user = await createUser(database.db);
      await database.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
      expect(await checkPassword(database.db, { email: user.email, password: PASSWORD, ip: '10.0.0.3' })).toEqual({ kind: 'invalid' });
    });

    it('locks an account after 10 failures in 15 minutes, even for the right password, then lets it in after the window', async () => {
      const user = await createUser(database.db);
      for (let i = 0; i < 10; i++) {
        expect((await checkPassword(database.db, { email: user.email, password: `wrong guess ${i}`, ip: `10.1.0.${i}` })).kind).toBe('invalid');
      }
      const locked = await checkPassword(database.db, { email: user.email, password: PASSWORD, ip: '10.1.1.1' });
      expect(locked.kind).toBe('rate_limited');
      expect(locked.kind === 'rate_limited' && locked.retryAfterSeconds).toBeGreaterThan(14 * 60);
      await agePast(database.db, 'rate_limits', 15 * 60 + 1);
      expect((await checkPassword(database.db, { email: user.email, password: PASSWORD, ip: '10.1.1.1' })).kind).toBe('ok');
    });

    it('limits an IP to 50 failures in 15 minutes across accounts', async () => {
      const user = await createUser(database.db);
      // 49 earlier failures from this IP (counted directly, to spare 49 argon2 runs), then the 50th through sign-in.
      for (let i = 0; i < SIGN_IN_PER_IP.limit - 1; i++) await hitRateLimit(database.db, SIGN_IN_PER_IP, '10.9.9.9');
      expect((await checkPassword(database.db, { email: 'guess@example.test', password: 'some wrong password', ip: '10.9.9.9' })).kind).toBe('invalid');
      expect((await checkPassword(database.db, { email: user.email, password: PASSWORD, ip: '10.9.9.9' })).kind).toBe('rate_limited');
      expect((await checkPassword(database.db, { email: user.email, password: PASSWORD, ip: '10.9.9.10' })).kind).toBe('ok');
    });

    it('clears the account failure count after a success', async () => {
      const user = await createUser(database.db);
      for (let i = 0; i < 3; i++) await checkPassword(database.db, { email: user.email, password: `wrong ${i} guess`, ip: '10.2.0.1' });
      expect((await peekRateLimit(database.db, SIGN_IN_PER_ACCOUNT, user.email)).count).toBe(3);
      expect((await checkPassword(database.db, { email: user.email, password: PASSWORD, ip: '10.2.0.1' })).kind).toBe('ok');
      expect((await peekRateLimit(database.db, SIGN_IN_PER_ACCOUNT, user.email)).count).toBe(0);
    });

    it('rehashes at sign-in when the argon2 parameters changed', async () => {
      const user = await createUser(database.db);
      const old = await hash(PASSWORD, { memoryCost: 4096, timeCost: 1, parallelism: 1 });
      await database.db.update(users).set({ passwordHash: old }).where(eq(users.id, user.id));
      expect((await checkPassword(database.db, { email: user.email, password: PASSWORD, ip: '10.3.0.1' })).kind).toBe('ok');
      const [row] = await database.db.select().from(users).where(eq(users.id, user.id));
      expect(parseOptions(row!.passwordHash)).toMatchObject({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
      expect(await verifyPassword(row!.passwordHash, PASSWORD)).toBe(true);
    });

    it('asks for the second factor instead of granting a session when it is on', async () => {
      const user = await createUser(database.db, { emailOtpEnabled: true });
      expect(await checkPassword(database.db, { email: user.email, password: PASSWORD, ip: '10.4.0.1' })).toMatchObject({ kind: 'second_factor', user: { id: user.id } });
    });
  });
});
