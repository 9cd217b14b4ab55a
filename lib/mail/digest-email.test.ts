import { describe, expect, it } from 'vitest';
import { dailyDigestEmail, describeCounts, type DigestPlan } from './digest-email';

const fine: DigestPlan = { name: 'Photos', schedule: 'Every day at 02:00', next: 'Mon 30 Nov 2026, 02:00 (UTC)', counts: { succeeded: 1 }, withWarnings: 0, problem: null };

describe('dailyDigestEmail', () => {
  it('says all is fine when no plan had a problem, with each plan, its runs and its next run', () => {
    const m = dailyDigestEmail({ to: 'a@example.test', day: '2026-11-29', plans: [fine, { ...fine, name: 'Mail', schedule: 'Manual', next: null, counts: {} }], dashboardUrl: 'https://backup.example.com/dashboard' });
    expect(m.subject).toBe('Coffer daily summary: all backups fine');
    expect(m.text).toContain('- Photos — 1 succeeded\n  Every day at 02:00; next Mon 30 Nov 2026, 02:00 (UTC)');
    expect(m.text).toContain('- Mail — no runs\n  Manual');
    expect(m.text).toContain('Dashboard: https://backup.example.com/dashboard');
    expect(m.html).toContain('<a href="https://backup.example.com/dashboard">Open the dashboard</a>');
  });

  it('counts plans that need attention and links to the failed job', () => {
    const broken: DigestPlan = { ...fine, name: 'Server', counts: { succeeded: 2, failed: 1 }, withWarnings: 1, problem: { status: 'failed', error: 'disk full', jobUrl: '/jobs/j1' } };
    const m = dailyDigestEmail({ to: 'a@example.test', day: '2026-11-29', plans: [fine, broken], dashboardUrl: '/dashboard' });
    expect(m.subject).toBe('Coffer daily summary: 1 plan needs attention');
    expect(m.text).toContain('- Server — 2 succeeded, 1 failed (1 with warnings)');
    expect(m.text).toContain('Latest problem (failed): disk full (open /jobs/j1 in Coffer)');
    expect(m.html).toContain('(open <code>/jobs/j1</code> in Coffer)');
    expect(dailyDigestEmail({ to: 'a@example.test', day: 'd', plans: [broken, broken], dashboardUrl: '/dashboard' }).subject).toBe('Coffer daily summary: 2 plans need attention');
  });

  it('escapes names and errors in HTML and replaces control characters in both bodies', () => {
    const evil: DigestPlan = { ...fine, name: '<script>x</script>\u001b[31m', problem: { status: 'interrupted', error: 'a\nb <b>', jobUrl: 'https://h/jobs/1?a=1&b=2' } };
    const m = dailyDigestEmail({ to: 'a@example.test', day: '2026-11-29', plans: [evil], dashboardUrl: '/dashboard' });
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&lt;script&gt;x&lt;/script&gt;?[31m');
    expect(m.html).toContain('a?b &lt;b&gt;');
    expect(m.html).toContain('href="https://h/jobs/1?a=1&amp;b=2"');
    expect(m.text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('describes counts in a fixed order', () => {
    expect(describeCounts({ cancelled: 1, succeeded: 3, interrupted: 2 })).toBe('3 succeeded, 2 interrupted, 1 cancelled');
    expect(describeCounts({})).toBe('no runs');
  });
});
