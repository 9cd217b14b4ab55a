import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetCodeEmail } from './templates';
import { MailError, writeToOutbox } from './transport';

describe('transport', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes each message to the outbox as {to, subject, text, html}, readable by the owner only', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-outbox-'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const message = resetCodeEmail('ada@example.test', '012345');
    const receipt = await writeToOutbox(path.join(dir, 'outbox'), message);
    expect(receipt.via).toBe('outbox');
    const file = receipt.via === 'outbox' ? receipt.file : '';
    expect(path.basename(file)).toMatch(/^\d{4}-\d\d-\d\dT[\d-]+Z-[0-9a-f]{8}\.json$/);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ to: message.to, subject: message.subject, text: message.text, html: message.html });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(log.mock.calls.flat().join('\n')).toContain('012345');
  });

  it('fails with a MailError when the outbox cannot be written', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-outbox-')), 'a-file');
    fs.writeFileSync(file, '');
    await expect(writeToOutbox(path.join(file, 'outbox'), resetCodeEmail('a@example.test', '111111'))).rejects.toBeInstanceOf(MailError);
  });

  it('gives every message a plain-text and an HTML body, escaping names in HTML', async () => {
    const { passwordChangedEmail } = await import('./templates');
    const m = passwordChangedEmail('<script>@example.test', 'changed');
    expect(m.text).toContain('<script>@example.test');
    expect(m.html).toContain('&lt;script&gt;@example.test');
    expect(m.html).not.toContain('<script>');
  });
});
