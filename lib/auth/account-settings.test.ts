import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, users } from '@/lib/db/schema';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import { changeName, changePassword, listUsers, setSecondFactor, setUserDisabled } from './account-settings';
import { verifyPassword } from './password';
import { peekRateLimit, SIGN_IN_PER_ACCOUNT } from './rate-limit';
import { createUser, ensureTestSecret } from './test-support';

const PASSWORD = 'a good long passphrase';

describe('account-settings', () => {
  describe.each(testDrivers())('on %s', (driver) => {
    let database: TestDatabase;
    beforeAll(async () => {
      ensureTestSecret();
      database = await createTestDatabase(driver);
    });
    afterAll(async () => {
      await database?.dispose();
    });

    const actionsOf = async (userId: string) =>
      (await database.db.select().from(auditEvents).where(eq(auditEvents.userId, userId))).map((e) => e.action);

    it('changes the password only with the current one, bumps the session version and audits it', async () => {
      const user = await createUser(database.db);
      await expect(changePassword(database.db, user.id, { currentPassword: 'not my password', newPassword: 'a newer passphrase', ip: '10.0.0.1' })).rejects.toThrow(/current password is wrong/);
      expect((await peekRateLimit(database.db, SIGN_IN_PER_ACCOUNT, user.email)).count).toBe(1);
      await expect(changePassword(database.db, user.id, { currentPassword: PASSWORD, newPassword: 'iloveyou12', ip: '10.0.0.1' })).rejects.toThrow(/too common/);
      const changed = await changePassword(database.db, user.id, { currentPassword: PASSWORD, newPassword: 'a newer passphrase', ip: '10.0.0.1' });
      expect(changed.sessionVersion).toBe(user.sessionVersion + 1);
      const [row] = await database.db.select().from(users).where(eq(users.id, user.id));
      expect(await verifyPassword(row!.passwordHash, 'a newer passphrase')).toBe(true);
      expect(await actionsOf(user.id)).toContain('password.changed');
    });

    it('renames and toggles the second factor', async () => {
      const user = await createUser(database.db);
      await changeName(database.db, user.id, '  Grace  ');
      await setSecondFactor(database.db, user.id, true, '10.0.0.2');
      const [row] = await database.db.select().from(users).where(eq(users.id, user.id));
      expect(row).toMatchObject({ name: 'Grace', emailOtpEnabled: true });
      expect(await actionsOf(user.id)).toEqual(expect.arrayContaining(['user.renamed', 'second_factor.enabled']));
    });

    it('lets the administrator disable and re-enable a user, and audits it', async () => {
      const admin = await createUser(database.db, { role: 'admin' });
      const user = await createUser(database.db);
      await setUserDisabled(database.db, admin.id, user.id, true);
      expect((await listUsers(database.db)).find((u) => u.id === user.id)?.disabled).toBe(true);
      await setUserDisabled(database.db, admin.id, user.id, false);
      expect((await listUsers(database.db)).find((u) => u.id === user.id)?.disabled).toBe(false);
      expect(await actionsOf(admin.id)).toEqual(expect.arrayContaining(['user.disabled', 'user.enabled']));
      await expect(setUserDisabled(database.db, admin.id, crypto.randomUUID(), true)).rejects.toThrow(/No such user/);
    });
  });
});
