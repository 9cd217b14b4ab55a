import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditEvents, rateLimits, users } from '@/lib/db/schema';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import type { MailMessage } from '@/lib/mail';
import { requestPasswordReset, resetPassword, verifyResetCode } from './password-reset';
import { verifyPassword } from './password';
import { CODE_REQUESTS_PER_IP, hitRateLimit, peekRateLimit, SIGN_IN_PER_ACCOUNT } from './rate-limit';
import { checkPassword } from './sign-in';
import { agePast, createUser, ensureTestSecret } from './test-support';

const codeIn = (m: MailMessage) => /\b(\d{6})\b/.exec(m.text)?.[1] ?? '';
const NEW_PASSWORD = 'a brand new passphrase';

describe('password-reset', () => {
  describe.each(testDrivers())('on %s', (driver) => {
    let database: TestDatabase;
    beforeAll(async () => {
      ensureTestSecret();
      database = await createTestDatabase(driver);
    });
    afterAll(async () => {
      await database?.dispose();
    });

    async function requestCode(email: string, ip = '10.0.0.1'): Promise<string> {
      const deliver = vi.fn(async (_m: MailMessage) => {});
      await requestPasswordReset(database.db, { email, ip }, deliver);
      await vi.waitFor(() => expect(deliver).toHaveBeenCalledTimes(1));
      return codeIn(deliver.mock.calls[0]![0]);
    }

    it('answers an unknown email exactly as a known one and does the same bookkeeping, without waiting for the mail', async () => {
      const user = await createUser(database.db, { email: 'known-reset@example.test' });
      // A transport that never answers: the request must not wait for it.
      const known = vi.fn(() => new Promise<never>(() => {}));
      const unknown = vi.fn(() => new Promise<never>(() => {}));
      const a = await requestPasswordReset(database.db, { email: user.email, ip: '10.5.0.1' }, known);
      const b = await requestPasswordReset(database.db, { email: 'unknown-reset@example.test', ip: '10.5.0.2' }, unknown);
      expect(b).toEqual(a);
      await vi.waitFor(() => expect(known).toHaveBeenCalledTimes(1));
      expect(unknown).not.toHaveBeenCalled();
      const counters = await database.db.select().from(rateLimits);
      const countOf = (bucket: string, key: string) => counters.find((r) => r.bucket === bucket && r.key === key)?.count;
      expect(countOf('code-email:account', user.email)).toBe(1);
      expect(countOf('code-email:account', 'unknown-reset@example.test')).toBe(1);
      expect(countOf('code-request:ip', '10.5.0.1')).toBe(1);
      expect(countOf('code-request:ip', '10.5.0.2')).toBe(1);
    });

    it('logs and audits a failed code email but still answers the same', async () => {
      const user = await createUser(database.db);
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
      const result = await requestPasswordReset(database.db, { email: user.email, ip: '10.5.1.1' }, () => Promise.reject(new Error('provider down')));
      expect(result).toEqual({ ok: true });
      await vi.waitFor(async () => {
        const events = await database.db.select().from(auditEvents).where(and(eq(auditEvents.userId, user.id), eq(auditEvents.action, 'code.send_failed')));
        expect(events).toHaveLength(1);
      });
      expect(errors.mock.calls.flat().join(' ')).not.toMatch(/\b\d{6}\b/);
      errors.mockRestore();
    });

    it('sends at most 3 code emails per account per 15 minutes', async () => {
      const user = await createUser(database.db);
      const deliver = vi.fn(async (_m: MailMessage) => {});
      for (let i = 0; i < 5; i++) expect(await requestPasswordReset(database.db, { email: user.email, ip: `10.6.0.${i}` }, deliver)).toEqual({ ok: true });
      await new Promise((r) => setTimeout(r, 50));
      expect(deliver).toHaveBeenCalledTimes(3);
      await agePast(database.db, 'rate_limits', 15 * 60 + 1);
      await requestPasswordReset(database.db, { email: user.email, ip: '10.6.1.0' }, deliver);
      await vi.waitFor(() => expect(deliver).toHaveBeenCalledTimes(4));
    });

    it('refuses code requests past 20 per IP in 15 minutes', async () => {
      for (let i = 0; i < CODE_REQUESTS_PER_IP.limit; i++) await hitRateLimit(database.db, CODE_REQUESTS_PER_IP, '10.7.0.1');
      await expect(requestPasswordReset(database.db, { email: 'x@example.test', ip: '10.7.0.1' }, async () => {})).rejects.toThrow(/Too many attempts, try again in 15 minutes/);
    });

    it('resets the password once with a verified code, ends sessions, clears the lockout and sends a notice', async () => {
      const user = await createUser(database.db);
      for (let i = 0; i < 10; i++) await checkPassword(database.db, { email: user.email, password: `wrong ${i} password`, ip: '10.8.0.1' });
      expect((await peekRateLimit(database.db, SIGN_IN_PER_ACCOUNT, user.email)).limited).toBe(true);

      const code = await requestCode(user.email);
      expect(await verifyResetCode(database.db, { email: 'nobody@example.test', code, ip: '10.8.0.2' })).toEqual({ ok: false });
      const verified = await verifyResetCode(database.db, { email: user.email, code, ip: '10.8.0.2' });
      expect(verified.ok).toBe(true);
      if (!verified.ok) return;
      expect(await verifyResetCode(database.db, { email: user.email, code, ip: '10.8.0.2' })).toEqual({ ok: false });

      const notices: MailMessage[] = [];
      await expect(resetPassword(database.db, { token: verified.token, password: 'password123', ip: '10.8.0.3' }, async (m) => void notices.push(m))).rejects.toThrow(/too common/);
      await resetPassword(database.db, { token: verified.token, password: NEW_PASSWORD, ip: '10.8.0.3' }, async (m) => void notices.push(m));
      await expect(resetPassword(database.db, { token: verified.token, password: 'yet another passphrase', ip: '10.8.0.3' }, async () => {})).rejects.toThrow(/already used/);

      const [row] = await database.db.select().from(users).where(eq(users.id, user.id));
      expect(row!.sessionVersion).toBe(user.sessionVersion + 1);
      expect(await verifyPassword(row!.passwordHash, NEW_PASSWORD)).toBe(true);
      expect((await peekRateLimit(database.db, SIGN_IN_PER_ACCOUNT, user.email)).limited).toBe(false);
      expect(notices).toHaveLength(1);
      expect(notices[0]!.subject).toMatch(/password was reset/);
      expect(notices[0]!.html).toContain('<');
      const actions = (await database.db.select().from(auditEvents).where(eq(auditEvents.userId, user.id))).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['sign_in.failure', 'code.sent', 'code.used', 'password.reset']));
    });

    it('lets the reset right lapse 15 minutes after the code was verified', async () => {
      const user = await createUser(database.db);
      const code = await requestCode(user.email, '10.9.0.1');
      const verified = await verifyResetCode(database.db, { email: user.email, code, ip: '10.9.0.1' });
      if (!verified.ok) throw new Error('code refused');
      await agePast(database.db, 'password_reset_grants', 15 * 60 + 1);
      await expect(resetPassword(database.db, { token: verified.token, password: NEW_PASSWORD, ip: '10.9.0.1' }, async () => {})).rejects.toThrow(/expired/);
    });
  });
});
