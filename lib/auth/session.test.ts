import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '@/lib/db/schema';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import { bumpSessionVersion, setUserDisabled } from './account-settings';
import { SESSION_MAX_AGE_SECONDS } from './session-claims';
import { loadSessionUser } from './session-claims';
import { issueSignInGrant, readSignInGrant } from './sign-in-grant';
import { createUser, ensureTestSecret } from './test-support';

const now = () => Math.floor(Date.now() / 1000);

describe('session', () => {
  it('accepts only grants it signed, unexpired', () => {
    ensureTestSecret();
    const grant = issueSignInGrant('user-1', 3);
    expect(readSignInGrant(grant)).toEqual({ userId: 'user-1', sessionVersion: 3 });
    const [body, mac] = grant.split('.');
    const forged = Buffer.from(JSON.stringify({ uid: 'user-2', sv: 3, exp: Date.now() + 60_000 })).toString('base64url');
    expect(readSignInGrant(`${forged}.${mac}`)).toBeNull();
    expect(readSignInGrant(`${body}.${'A'.repeat(43)}`)).toBeNull();
    expect(readSignInGrant(undefined)).toBeNull();
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

    it('loads the user of a session at the current version', async () => {
      const user = await createUser(database.db, { name: 'Ada', role: 'admin' });
      expect(await loadSessionUser(database.db, { uid: user.id, sv: user.sessionVersion, sat: now() })).toEqual({ id: user.id, email: user.email, name: 'Ada', role: 'admin' });
    });

    it('ends every session granted before a session version bump', async () => {
      const user = await createUser(database.db);
      const before = { uid: user.id, sv: user.sessionVersion, sat: now() };
      const next = await bumpSessionVersion(database.db, user.id);
      expect(next).toBe(user.sessionVersion + 1);
      expect(await loadSessionUser(database.db, before)).toBeNull();
      expect(await loadSessionUser(database.db, { ...before, sv: next })).not.toBeNull();
    });

    it('ends the sessions of a disabled account', async () => {
      const admin = await createUser(database.db, { role: 'admin' });
      const user = await createUser(database.db);
      await setUserDisabled(database.db, admin.id, user.id, true);
      const [row] = await database.db.select().from(users).where(eq(users.id, user.id));
      expect(await loadSessionUser(database.db, { uid: user.id, sv: row!.sessionVersion, sat: now() })).toBeNull();
      await expect(setUserDisabled(database.db, admin.id, admin.id, true)).rejects.toThrow(/your own account/);
    });

    it('ends a session older than 12 hours', async () => {
      const user = await createUser(database.db);
      const claims = { uid: user.id, sv: user.sessionVersion, sat: now() - SESSION_MAX_AGE_SECONDS - 1 };
      expect(await loadSessionUser(database.db, claims)).toBeNull();
      expect(await loadSessionUser(database.db, { ...claims, sat: now() - SESSION_MAX_AGE_SECONDS + 60 })).not.toBeNull();
    });

    it('refuses a session for an account that no longer exists', async () => {
      expect(await loadSessionUser(database.db, { uid: crypto.randomUUID(), sv: 1, sat: now() })).toBeNull();
    });
  });
});
