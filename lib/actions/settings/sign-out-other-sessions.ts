'use server';
/** "Sign out of all other sessions": bump the session version and re-grant this browser's session. */
import { authedAction } from '@/lib/actions/safe-action';
import { bumpSessionVersion } from '@/lib/auth/account-settings';
import { recordAudit } from '@/lib/auth/audit';
import { grantSession, requestIp } from '@/lib/auth/grant-session';
import { getDb } from '@/lib/db';
import { emptySchema } from '@/lib/validations/auth';

/** Settings form action. */
export const signOutOtherSessionsAction = authedAction(emptySchema, async (_input, user) => {
  const db = await getDb();
  const sessionVersion = await bumpSessionVersion(db, user.id);
  await grantSession(user.id, sessionVersion);
  await recordAudit(db, { userId: user.id, action: 'sessions.revoked', ip: await requestIp() });
  return { ok: true, message: 'Every other session was signed out.' };
});
