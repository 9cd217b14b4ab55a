/**
 * Sending mail. With RESEND_API_KEY set, messages go through Resend's API (at RESEND_BASE_URL when set,
 * which tests point at a local catcher). Without it, the dev outbox: each message is printed to the server
 * log and written to `$COFFER_DATA_DIR/outbox/<time>-<id>.json` as `{to, subject, text, html}`, so a
 * fresh install can complete every flow without a mail provider.
 */
import 'server-only';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Resend } from 'resend';
import { getConfig } from '@/lib/config';

/** One message, with both a plain-text and an HTML body. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** A message could not be handed to the mail provider. The message never includes the body. */
export class MailError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MailError';
  }
}

/** Where the message went: Resend (with its id) or the outbox file. */
export type MailReceipt = { via: 'resend'; id: string } | { via: 'outbox'; file: string };

/** Sends `message`; throws MailError when the provider refuses it or cannot be reached. */
export async function sendMail(message: MailMessage): Promise<MailReceipt> {
  const config = getConfig();
  if (config.RESEND_API_KEY) {
    const resend = new Resend(config.RESEND_API_KEY, config.RESEND_BASE_URL ? { baseUrl: config.RESEND_BASE_URL.replace(/\/$/, '') } : undefined);
    let result;
    try {
      result = await resend.emails.send({ from: config.MAIL_FROM, to: [message.to], subject: message.subject, text: message.text, html: message.html });
    } catch (err) {
      throw new MailError(`The mail provider could not be reached: ${(err as Error).message}`, { cause: err });
    }
    if (result.error || !result.data) {
      throw new MailError(`The mail provider refused the message: ${result.error?.message ?? 'no answer'}`);
    }
    return { via: 'resend', id: result.data.id };
  }
  return writeToOutbox(path.join(config.COFFER_DATA_DIR, 'outbox'), message);
}

/** Writes the message to the outbox folder (mode 0600: it may hold a live code) and prints it to the log. */
export async function writeToOutbox(dir: string, message: MailMessage): Promise<MailReceipt> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(dir, `${stamp}-${crypto.randomBytes(4).toString('hex')}.json`);
    await fs.writeFile(file, JSON.stringify(message, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    // The dev outbox is the one place a code is printed: without a mail provider, the log is the mailbox.
    console.log(`[mail] To: ${message.to}\n[mail] Subject: ${message.subject}\n${message.text.replace(/^/gm, '[mail] ')}\n[mail] (saved to ${file})`);
    return { via: 'outbox', file };
  } catch (err) {
    throw new MailError(`The message could not be written to the outbox ${dir}: ${(err as Error).message}`, { cause: err });
  }
}
