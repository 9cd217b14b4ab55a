'use server';
/** Check the emailed code: for a reset it grants the right to set a new password; for a sign-in, the session. */
import { redirect } from 'next/navigation';
import { publicAction } from '@/lib/actions/safe-action';
import { clearFlowTicket, getFlowTicket, setResetToken } from '@/lib/auth/flow-cookies';
import { grantSession, requestIp } from '@/lib/auth/grant-session';
import { verifyResetCode } from '@/lib/auth/password-reset';
import { safeNextPath } from '@/lib/auth/safe-next';
import { verifySignInCode } from '@/lib/auth/second-factor';
import { getDb } from '@/lib/db';
import { verifyCodeSchema } from '@/lib/validations/auth';

/** The one message for a code that is wrong, used, expired or out of tries. */
const CODE_REFUSED = 'That code is not valid. Check the latest email, or request a new code.';

/** `/verify-otp` form action. */
export const verifyCodeAction = publicAction(verifyCodeSchema, async ({ code }) => {
  const ticket = await getFlowTicket();
  if (!ticket) return { ok: false, message: 'This step has expired. Start again from the sign-in page.' };
  const db = await getDb();
  const ip = await requestIp();
  if (ticket.p === 'reset') {
    const result = await verifyResetCode(db, { email: ticket.email, code, ip });
    if (!result.ok) return { ok: false, fieldErrors: { code: [CODE_REFUSED] }, message: CODE_REFUSED };
    await setResetToken(result.token);
    await clearFlowTicket();
    redirect('/reset-password');
  }
  const sessionVersion = await verifySignInCode(db, { userId: ticket.uid, sessionVersion: ticket.sv, code, ip });
  if (sessionVersion === null) return { ok: false, fieldErrors: { code: [CODE_REFUSED] }, message: CODE_REFUSED };
  await grantSession(ticket.uid, sessionVersion);
  await clearFlowTicket();
  redirect(safeNextPath(ticket.next));
});
