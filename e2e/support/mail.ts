/** Reading the mail the server sent through the local Resend stand-in (see mail-catcher.mjs). */

export interface CaughtMail {
  id: string;
  time: number;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

const mailUrl = () => process.env.E2E_MAIL_URL ?? '';

/** All messages received so far. */
export async function listEmails(): Promise<CaughtMail[]> {
  const res = await fetch(`${mailUrl()}/__messages`);
  return (await res.json()) as CaughtMail[];
}

/**
 * Waits (up to `timeoutMs`) for a message to `to` received after `after` (ms since epoch) whose subject
 * matches; returns the newest such message.
 */
export async function waitForEmail(
  to: string,
  opts: { subject?: RegExp; after?: number; timeoutMs?: number } = {},
): Promise<CaughtMail> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const found = (await listEmails())
      .filter((m) => m.to.some((t) => t.toLowerCase() === to.toLowerCase()))
      .filter((m) => (opts.after === undefined ? true : m.time >= opts.after))
      .filter((m) => (opts.subject ? opts.subject.test(m.subject) : true));
    const last = found.at(-1);
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`No email to ${to} arrived in time`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Makes the next send fail with a 500, as Resend would on an outage. */
export async function failNextEmail(): Promise<void> {
  await fetch(`${mailUrl()}/__fail`, { method: 'POST' });
}

/** The 6-digit code in a message body. */
export function extractOtp(text: string): string {
  const m = /\b(\d{6})\b/.exec(text);
  if (!m?.[1]) throw new Error('No 6-digit code in the message');
  return m[1];
}
