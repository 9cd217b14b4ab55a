'use server';
/** Administrator: make a single-use invitation link (valid 7 days). */
import { headers } from 'next/headers';
import { adminAction } from '@/lib/actions/safe-action';
import { createInvitation } from '@/lib/auth/registration';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/db';
import { emptySchema } from '@/lib/validations/auth';

async function siteOrigin(): Promise<string> {
  const configured = getConfig().COFFER_PUBLIC_URL;
  if (configured) return new URL(configured).origin;
  const h = await headers();
  const proto = h.get('x-forwarded-proto') === 'https' ? 'https' : 'http';
  return `${proto}://${h.get('host') ?? 'localhost'}`;
}

/** Settings (administrator) form action; `data.link` is the invitation URL, shown once. */
export const createInvitationAction = adminAction(emptySchema, async (_input, admin) => {
  const token = await createInvitation(await getDb(), admin.id);
  const link = `${await siteOrigin()}/register?invite=${encodeURIComponent(token)}`;
  return { ok: true, message: 'Invitation link created. It works once, for 7 days.', data: { link } };
});
