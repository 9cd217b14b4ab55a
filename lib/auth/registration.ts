/**
 * Registration. The first account becomes the administrator. After that, registration is open only when
 * the administrator allows it (setting `registration.open`, off by default) or with an invitation link,
 * which is single use and expires after 7 days.
 */
import 'server-only';
import crypto from 'node:crypto';
import { and, count, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '@/lib/db';
import { appSettings, invitations, users } from '@/lib/db/schema';
import { AppError } from '@/lib/errors';
import { normalizeEmail } from './accounts';
import { recordAudit } from './audit';
import { hashPassword, passwordProblem } from './password';

/** How long an invitation link stays valid. */
export const INVITATION_TTL_SECONDS = 7 * 24 * 60 * 60;
const OPEN_REGISTRATION_KEY = 'registration.open';
// Serialises registrations so two people cannot both become "the first account".
const REGISTRATION_LOCK = 0x636f6666;

/** True when the administrator has opened registration to anyone. */
export async function isRegistrationOpen(db: Db): Promise<boolean> {
  const [row] = await db.select({ value: appSettings.value }).from(appSettings).where(eq(appSettings.key, OPEN_REGISTRATION_KEY)).limit(1);
  return row?.value === true;
}

/** Opens or closes registration (administrator only; the caller checks the role). */
export async function setRegistrationOpen(db: Db, open: boolean, adminId: string): Promise<void> {
  await db
    .insert(appSettings)
    .values({ key: OPEN_REGISTRATION_KEY, value: open })
    .onConflictDoUpdate({ target: appSettings.key, set: { value: open, updatedAt: sql`now()` } });
  await recordAudit(db, { userId: adminId, action: 'registration.changed', detail: { open } });
}

/** True when no account exists yet (the next one becomes the administrator). */
export async function hasNoUsers(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(users);
  return Number(row?.n ?? 0) === 0;
}

function hashInvitation(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** Creates an invitation and returns its token (shown once, as a link, to the administrator). */
export async function createInvitation(db: Db, adminId: string): Promise<string> {
  const token = crypto.randomBytes(24).toString('base64url');
  await db.insert(invitations).values({
    tokenHash: hashInvitation(token),
    createdBy: adminId,
    expiresAt: sql`now() + ${INVITATION_TTL_SECONDS}::int * interval '1 second'`,
  });
  await recordAudit(db, { userId: adminId, action: 'invitation.created' });
  return token;
}

/** True when `token` names an unused, unexpired invitation. */
export async function isInvitationLive(db: Db, token: string): Promise<boolean> {
  const [row] = await db
    .select({ id: invitations.id })
    .from(invitations)
    .where(and(eq(invitations.tokenHash, hashInvitation(token)), isNull(invitations.usedAt), gt(invitations.expiresAt, sql`now()`)))
    .limit(1);
  return row !== undefined;
}

/** Whether a registration form may be shown: first account, open registration, or a live invitation. */
export async function canRegister(db: Db, invite?: string): Promise<boolean> {
  return (await hasNoUsers(db)) || (await isRegistrationOpen(db)) || (invite !== undefined && invite !== '' && (await isInvitationLive(db, invite)));
}

/** A new account, as registerUser returns it. */
export interface RegisteredUser {
  id: string;
  email: string;
  role: 'admin' | 'user';
  sessionVersion: number;
}

/**
 * Creates an account. Throws AppError('forbidden') when registration is closed (and the invitation, if any,
 * is not live), AppError('conflict') when the email is taken, AppError('invalid') for a refused password.
 */
export async function registerUser(db: Db, input: { name: string; email: string; password: string; invite?: string; ip?: string }): Promise<RegisteredUser> {
  const problem = passwordProblem(input.password);
  if (problem) throw new AppError('invalid', problem);
  const email = normalizeEmail(input.email);
  const passwordHash = await hashPassword(input.password);
  const created = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${REGISTRATION_LOCK})`);
    const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(users);
    const first = Number(n) === 0;
    let invitationId: string | undefined;
    if (!first && !(await isRegistrationOpen(tx as unknown as Db))) {
      if (input.invite) {
        const [inv] = await tx
          .update(invitations)
          .set({ usedAt: sql`now()` })
          .where(and(eq(invitations.tokenHash, hashInvitation(input.invite)), isNull(invitations.usedAt), gt(invitations.expiresAt, sql`now()`)))
          .returning({ id: invitations.id });
        invitationId = inv?.id;
      }
      if (!invitationId) throw new AppError('forbidden', 'Registration is closed. Ask the administrator for an invitation link.');
    }
    const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
    if (taken) throw new AppError('conflict', 'An account with this email already exists. Sign in, or use "Forgot password?".');
    const [user] = await tx
      .insert(users)
      .values({ email, name: input.name.trim(), passwordHash, role: first ? 'admin' : 'user' })
      .returning({ id: users.id, email: users.email, role: users.role, sessionVersion: users.sessionVersion });
    if (!user) throw new Error('The new account was not returned by the database.');
    if (invitationId) await tx.update(invitations).set({ usedBy: user.id }).where(eq(invitations.id, invitationId));
    return user;
  });
  await recordAudit(db, { userId: created.id, action: 'user.registered', ip: input.ip ?? null, detail: { role: created.role } });
  return created;
}
