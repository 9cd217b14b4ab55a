/**
 * The message sent to a plan's owner when a scheduled job fails, is interrupted or finishes with warnings.
 * Plan names, errors and file paths come from users and file systems: escaped in HTML, and control
 * characters (terminal escapes, newlines in names) replaced in both bodies.
 */
import { escapeHtml } from './templates';
import type { MailMessage } from './transport';

/** What the message says about the job. */
export interface JobEmailInput {
  to: string;
  planName: string;
  kind: string;
  status: 'failed' | 'interrupted' | 'succeeded' | 'cancelled';
  error: string | null;
  warnings: { path: string; message: string }[];
  /** Absolute link to the job page, or a path such as `/jobs/<id>` when no public URL is configured. */
  jobUrl: string;
}

/** Shown warnings at most; the job page lists them all. */
const MAX_WARNINGS = 20;

const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, '?');

/** The notification for a scheduled job that did not simply succeed. */
export function jobProblemEmail(input: JobEmailInput): MailMessage {
  const name = clean(input.planName);
  const what = input.kind === 'check' ? 'check' : input.kind === 'backup' ? 'backup' : input.kind;
  const failed = input.status !== 'succeeded';
  const subject = failed ? `Coffer: the scheduled ${what} of "${name}" ${input.status === 'interrupted' ? 'was interrupted' : 'failed'}` : `Coffer: the scheduled ${what} of "${name}" finished with ${input.warnings.length} warning(s)`;
  const lead = failed
    ? `The scheduled ${what} of your plan "${name}" ${input.status === 'interrupted' ? 'was interrupted' : 'failed'}. Earlier snapshots are untouched.`
    : `The scheduled ${what} of your plan "${name}" finished, but some files could not be backed up as they were.`;
  const shown = input.warnings.slice(0, MAX_WARNINGS).map((w) => `${clean(w.path)}: ${clean(w.message)}`);
  const more = input.warnings.length > MAX_WARNINGS ? `…and ${input.warnings.length - MAX_WARNINGS} more.` : null;
  const linkLine = input.jobUrl.startsWith('/') ? `Open ${input.jobUrl} in Coffer for the details.` : `Details: ${input.jobUrl}`;
  const text = [lead, input.error ? `Error: ${clean(input.error)}` : null, shown.length > 0 ? `Warnings:\n${shown.map((l) => `- ${l}`).join('\n')}` : null, more, linkLine]
    .filter((x): x is string => x !== null)
    .join('\n\n');
  const link = input.jobUrl.startsWith('/') ? `Open <code>${escapeHtml(input.jobUrl)}</code> in Coffer for the details.` : `<a href="${escapeHtml(input.jobUrl)}">Open the job in Coffer</a> for the details.`;
  const parts = [
    `<p>${escapeHtml(lead)}</p>`,
    input.error ? `<p><strong>Error:</strong> ${escapeHtml(clean(input.error))}</p>` : '',
    shown.length > 0 ? `<p><strong>Warnings:</strong></p><ul>${shown.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>` : '',
    more ? `<p>${escapeHtml(more)}</p>` : '',
    `<p>${link}</p>`,
  ].join('');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;max-width:560px;margin:24px auto;padding:0 16px"><h1 style="font-size:20px">${escapeHtml(subject)}</h1>${parts}<p style="color:#64748b;font-size:12px">Coffer — self-hosted backups</p></body></html>`;
  return { to: input.to, subject, text, html };
}
