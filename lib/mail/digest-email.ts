/**
 * The optional daily digest: one message per owner summarising the last 24 hours of each plan (runs by
 * outcome, the latest problem with a link) and when it runs next. Plan names and errors come from users
 * and file systems: escaped in HTML, control characters replaced in both bodies.
 */
import { escapeHtml } from './templates';
import type { MailMessage } from './transport';

/** One plan's lines in the digest. */
export interface DigestPlan {
  name: string;
  /** "Every day at 02:00" or "Manual". */
  schedule: string;
  /** The next run in words, or null. */
  next: string | null;
  /** Jobs of the period by status (succeeded, failed, interrupted, cancelled, queued, running). */
  counts: Record<string, number>;
  /** Succeeded jobs of the period that had warnings. */
  withWarnings: number;
  /** The latest failed or interrupted job of the period, if any. */
  problem: { status: string; error: string | null; jobUrl: string } | null;
}

/** What the digest covers. */
export interface DigestInput {
  to: string;
  /** The day it reports on, YYYY-MM-DD (UTC). */
  day: string;
  plans: DigestPlan[];
  /** Absolute link to the dashboard, or the path `/dashboard`. */
  dashboardUrl: string;
}

const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, '?');

const ORDER = ['succeeded', 'failed', 'interrupted', 'cancelled', 'running', 'queued'];

/** "2 succeeded, 1 failed" or "no runs". */
export function describeCounts(counts: Record<string, number>): string {
  const parts = ORDER.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'no runs';
}

/** The digest message. The subject says at once whether anything needs attention. */
export function dailyDigestEmail(input: DigestInput): MailMessage {
  const problems = input.plans.filter((p) => p.problem !== null).length;
  const subject = problems > 0 ? `Coffer daily summary: ${problems} plan${problems === 1 ? '' : 's'} need${problems === 1 ? 's' : ''} attention` : 'Coffer daily summary: all backups fine';
  const lines = input.plans.map((p) => {
    const head = `${clean(p.name)} — ${describeCounts(p.counts)}${p.withWarnings > 0 ? ` (${p.withWarnings} with warnings)` : ''}`;
    const when = `${p.schedule}${p.next ? `; next ${p.next}` : ''}`;
    const problem = p.problem ? { what: `Latest problem (${p.problem.status}): ${clean(p.problem.error ?? 'no message')}`, url: p.problem.jobUrl } : null;
    return { head, when, problem };
  });
  const lead = `What your backup plans did in the 24 hours up to ${input.day}:`;
  const dashboard = input.dashboardUrl.startsWith('/') ? `Open ${input.dashboardUrl} in Coffer for more.` : `Dashboard: ${input.dashboardUrl}`;
  const textLink = (url: string) => (url.startsWith('/') ? `(open ${url} in Coffer)` : url);
  const text = [lead, ...lines.map((l) => [`- ${l.head}`, `  ${l.when}`, l.problem ? `  ${l.problem.what} ${textLink(l.problem.url)}` : null].filter(Boolean).join('\n')), dashboard].join('\n\n');
  const htmlLink = (url: string) => (url.startsWith('/') ? ` (open <code>${escapeHtml(url)}</code> in Coffer)` : ` <a href="${escapeHtml(url)}">Open the job</a>`);
  const items = lines
    .map((l) => {
      const problem = l.problem ? `<br><span style="color:#b91c1c">${escapeHtml(l.problem.what)}</span>${htmlLink(l.problem.url)}` : '';
      return `<li style="margin-bottom:8px"><strong>${escapeHtml(l.head)}</strong><br>${escapeHtml(l.when)}${problem}</li>`;
    })
    .join('');
  const link = input.dashboardUrl.startsWith('/') ? `Open <code>${escapeHtml(input.dashboardUrl)}</code> in Coffer for more.` : `<a href="${escapeHtml(input.dashboardUrl)}">Open the dashboard</a>`;
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;max-width:560px;margin:24px auto;padding:0 16px"><h1 style="font-size:20px">${escapeHtml(subject)}</h1><p>${escapeHtml(lead)}</p><ul>${items}</ul><p>${link}</p><p style="color:#64748b;font-size:12px">Coffer — self-hosted backups. The administrator turns this summary on or off with COFFER_DIGEST_TIME.</p></body></html>`;
  return { to: input.to, subject, text, html };
}
