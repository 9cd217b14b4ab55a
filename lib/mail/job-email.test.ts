import { describe, expect, it } from 'vitest';
import { jobProblemEmail } from './job-email';

describe('jobProblemEmail', () => {
  it('lists the warnings of a run that finished with warnings, escaped, with a relative link when no public URL is set', () => {
    const warnings = Array.from({ length: 25 }, (_, i) => ({ path: `/srv/a/file-${i}\u001b[31m.txt`, message: 'permission denied' }));
    const mail = jobProblemEmail({ to: 'o@example.test', planName: 'Photos & <videos>', kind: 'backup', status: 'succeeded', error: null, warnings, jobUrl: '/jobs/abc' });
    expect(mail.subject).toBe('Coffer: the scheduled backup of "Photos & <videos>" finished with 25 warning(s)');
    expect(mail.text).toContain('- /srv/a/file-0?[31m.txt: permission denied');
    expect(mail.text).not.toContain('\u001b');
    expect(mail.text).toContain('…and 5 more.');
    expect(mail.text).toContain('Open /jobs/abc in Coffer');
    expect(mail.html).toContain('Photos &amp; &lt;videos&gt;');
    expect(mail.html).not.toContain('<videos>');
    expect(mail.html.match(/<li>/g)).toHaveLength(20);
  });

  it('says an interrupted run was interrupted and links to the job', () => {
    const mail = jobProblemEmail({ to: 'o@example.test', planName: 'Docs', kind: 'check', status: 'interrupted', error: 'The server stopped.', warnings: [], jobUrl: 'https://coffer.example.test/jobs/x' });
    expect(mail.subject).toMatch(/scheduled check of "Docs" was interrupted/);
    expect(mail.text).toContain('Error: The server stopped.');
    expect(mail.html).toContain('href="https://coffer.example.test/jobs/x"');
  });
});
