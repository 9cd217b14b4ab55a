'use server';
/** Ask for a password reset code; the answer is the same whether or not the account exists. */
import { redirect } from 'next/navigation';
import { publicAction } from '@/lib/actions/safe-action';
import { normalizeEmail } from '@/lib/auth/accounts';
import { setFlowTicket } from '@/lib/auth/flow-cookies';
import { requestIp } from '@/lib/auth/grant-session';
import { requestPasswordReset } from '@/lib/auth/password-reset';
import { getDb } from '@/lib/db';
import { sendMail } from '@/lib/mail';
import { forgotPasswordSchema } from '@/lib/validations/auth';

/** `/forgot-password` form action: queues the code email (if the account exists) and goes to /verify-otp. */
export const forgotPasswordAction = publicAction(forgotPasswordSchema, async ({ email }) => {
  await requestPasswordReset(await getDb(), { email, ip: await requestIp() }, sendMail);
  await setFlowTicket({ p: 'reset', email: normalizeEmail(email) });
  redirect('/verify-otp');
});
