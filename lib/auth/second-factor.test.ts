import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import type { MailMessage } from '@/lib/mail';
import { bumpSessionVersion } from './account-settings';
import { CODE_NOT_SENT_MESSAGE, sendSignInCode, verifySignInCode } from './second-factor';
import { createUser, ensureTestSecret } from './test-support';

const codeIn = (m: MailMessage) => /\b(\d{6})\b/.exec(m.text)?.[1] ?? '';

describe('second-factor', () => {
  describe.each(testDrivers())('on %s', (driver) => {
    let database: TestDatabase;
    beforeAll(async () => {
      ensureTestSecret();
      database = await createTestDatabase(driver);
    });
    afterAll(async () => {
      await database?.dispose();
    });

    it('grants the session only for the emailed code', async () => {
      const user = await createUser(database.db, { emailOtpEnabled: true });
      const sent: MailMessage[] = [];
      await sendSignInCode(database.db, user, '10.0.0.1', async (m) => void sent.push(m));
      const code = codeIn(sent[0]!);
      const wrong = code === '000000' ? '000001' : '000000';
      expect(await verifySignInCode(database.db, { userId: user.id, sessionVersion: user.sessionVersion, code: wrong, ip: '10.0.0.1' })).toBeNull();
      expect(await verifySignInCode(database.db, { userId: user.id, sessionVersion: user.sessionVersion, code, ip: '10.0.0.1' })).toBe(user.sessionVersion);
      expect(await verifySignInCode(database.db, { userId: user.id, sessionVersion: user.sessionVersion, code, ip: '10.0.0.1' })).toBeNull();
    });

    it('tells the user when the code could not be sent', async () => {
      const user = await createUser(database.db, { emailOtpEnabled: true });
      vi.spyOn(console, 'error').mockImplementation(() => {});
      await expect(sendSignInCode(database.db, user, '10.0.0.2', () => Promise.reject(new Error('down')))).rejects.toThrow(CODE_NOT_SENT_MESSAGE);
      vi.restoreAllMocks();
    });

    it('sends at most 3 codes per account per 15 minutes', async () => {
      const user = await createUser(database.db, { emailOtpEnabled: true });
      const send = vi.fn(async () => {});
      for (let i = 0; i < 3; i++) await sendSignInCode(database.db, user, '10.0.0.3', send);
      await expect(sendSignInCode(database.db, user, '10.0.0.3', send)).rejects.toThrow(/Too many codes were sent, try again in 15 minutes/);
      expect(send).toHaveBeenCalledTimes(3);
    });

    it('refuses the code after the password changed in the meantime', async () => {
      const user = await createUser(database.db, { emailOtpEnabled: true });
      const sent: MailMessage[] = [];
      await sendSignInCode(database.db, user, '10.0.0.4', async (m) => void sent.push(m));
      await bumpSessionVersion(database.db, user.id);
      expect(await verifySignInCode(database.db, { userId: user.id, sessionVersion: user.sessionVersion, code: codeIn(sent[0]!), ip: '10.0.0.4' })).toBeNull();
    });
  });
});
