/**
 * The messages Coffer sends, each with a plain-text and an HTML body. Values from users (names) are
 * escaped in HTML; codes are digits only.
 */
import type { MailMessage } from './transport';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function layout(title: string, paragraphs: string[]): string {
  const body = paragraphs.map((p) => `<p style="margin:0 0 16px">${p}</p>`).join('');
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;max-width:560px;margin:24px auto;padding:0 16px"><h1 style="font-size:20px">${escapeHtml(title)}</h1>${body}<p style="color:#64748b;font-size:12px">Coffer — self-hosted backups</p></body></html>`;
}

/** The code for a password reset. */
export function resetCodeEmail(to: string, code: string): MailMessage {
  const subject = `Your Coffer password reset code: ${code}`;
  const text = `Someone asked to reset the password of the Coffer account for ${to}.\n\nYour code: ${code}\n\nIt is valid for 10 minutes and can be used once. If you did not ask for it, ignore this message: your password stays as it is.`;
  const html = layout('Reset your password', [
    `Someone asked to reset the password of the Coffer account for ${escapeHtml(to)}.`,
    `Your code: <strong style="font-size:24px;letter-spacing:4px">${code}</strong>`,
    'It is valid for 10 minutes and can be used once. If you did not ask for it, ignore this message: your password stays as it is.',
  ]);
  return { to, subject, text, html };
}

/** The code that completes a sign-in with the second factor on. */
export function signInCodeEmail(to: string, code: string): MailMessage {
  const subject = `Your Coffer sign-in code: ${code}`;
  const text = `Your code to finish signing in to Coffer: ${code}\n\nIt is valid for 10 minutes and can be used once. If you did not just sign in, someone knows your password: change it in Settings.`;
  const html = layout('Finish signing in', [
    `Your code to finish signing in to Coffer: <strong style="font-size:24px;letter-spacing:4px">${code}</strong>`,
    'It is valid for 10 minutes and can be used once. If you did not just sign in, someone knows your password: change it in Settings.',
  ]);
  return { to, subject, text, html };
}

/** Tells the user their password was changed or reset, and that every session was ended. */
export function passwordChangedEmail(to: string, how: 'changed' | 'reset'): MailMessage {
  const subject = how === 'reset' ? 'Your Coffer password was reset' : 'Your Coffer password was changed';
  const sentence = `The password of your Coffer account (${to}) was just ${how}. Every other signed-in session has been signed out.`;
  const advice = 'If this was not you, reset your password now from the sign-in page ("Forgot password?") and tell your administrator.';
  return { to, subject, text: `${sentence}\n\n${advice}`, html: layout(subject, [escapeHtml(sentence), escapeHtml(advice)]) };
}
