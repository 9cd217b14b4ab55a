import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import { canRegister, createInvitation, registerUser, setRegistrationOpen } from './registration';
import { ensureTestSecret } from './test-support';

const PASSWORD = 'a good long passphrase';

describe('registration', () => {
  describe.each(testDrivers())('on %s', (driver) => {
    let database: TestDatabase;
    beforeAll(async () => {
      ensureTestSecret();
      database = await createTestDatabase(driver);
    });
    afterAll(async () => {
      await database?.dispose();
    });

    it('makes the first account the administrator, then closes registration by default', async () => {
      expect(await canRegister(database.db)).toBe(true);
      const [a, b] = await Promise.allSettled([
        registerUser(database.db, { name: 'Ada', email: 'Ada@Example.test', password: PASSWORD }),
        registerUser(database.db, { name: 'Bob', email: 'bob@example.test', password: PASSWORD }),
      ]);
      // Registrations are serialised: exactly one becomes the administrator, the other finds registration closed.
      const admins = [a, b].filter((r) => r.status === 'fulfilled' && r.value.role === 'admin');
      expect(admins).toHaveLength(1);
      expect([a, b].filter((r) => r.status === 'rejected')).toHaveLength(1);
      expect(await canRegister(database.db)).toBe(false);
      await expect(registerUser(database.db, { name: 'Eve', email: 'eve@example.test', password: PASSWORD })).rejects.toThrow(/Registration is closed/);
    });

    it('admits one registration per invitation link', async () => {
      const admin = await registerUser(database.db, { name: 'x', email: 'x@example.test', password: PASSWORD }).catch(() => null);
      expect(admin).toBeNull();
      const token = await createInvitation(database.db, (await getAdminId(database))!);
      expect(await canRegister(database.db, token)).toBe(true);
      const invited = await registerUser(database.db, { name: 'Cleo', email: 'cleo@example.test', password: PASSWORD, invite: token });
      expect(invited.role).toBe('user');
      await expect(registerUser(database.db, { name: 'Dan', email: 'dan@example.test', password: PASSWORD, invite: token })).rejects.toThrow(/Registration is closed/);
    });

    it('opens registration to anyone when the administrator allows it, and refuses a taken email', async () => {
      await setRegistrationOpen(database.db, true, (await getAdminId(database))!);
      expect((await registerUser(database.db, { name: 'Fay', email: 'fay@example.test', password: PASSWORD })).role).toBe('user');
      await expect(registerUser(database.db, { name: 'Fay', email: 'FAY@example.test', password: PASSWORD })).rejects.toThrow(/already exists/);
      await expect(registerUser(database.db, { name: 'Gus', email: 'gus@example.test', password: 'qwertyuiop' })).rejects.toThrow(/too common/);
      await setRegistrationOpen(database.db, false, (await getAdminId(database))!);
      expect(await canRegister(database.db)).toBe(false);
    });
  });
});

async function getAdminId(database: TestDatabase): Promise<string | undefined> {
  const { users } = await import('@/lib/db/schema');
  const { eq } = await import('drizzle-orm');
  const [row] = await database.db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
  return row?.id;
}
