import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import { formDataToObject, runParsed } from './safe-action';

const schema = z.object({ email: z.email('Enter a valid email.'), password: z.string().min(10, 'Too short.') });

function form(entries: [string, string][]): FormData {
  const fd = new FormData();
  for (const [k, v] of entries) fd.append(k, v);
  return fd;
}

describe('safe-action', () => {
  it('turns FormData into an object, keeping repeated names and dropping Next fields', () => {
    const fd = form([['a', '1'], ['b', '2'], ['b', '3'], ['$ACTION_ID_x', '']]);
    fd.append('file', new Blob(['x']));
    expect(formDataToObject(fd)).toEqual({ a: '1', b: ['2', '3'] });
  });

  it('returns per-field errors without echoing what was submitted', async () => {
    const body = vi.fn();
    const result = await runParsed(schema, form([['email', 'nope'], ['password', 'sekrit1']]), body);
    expect(body).not.toHaveBeenCalled();
    expect(result).toEqual({ ok: false, message: 'Check the highlighted fields.', fieldErrors: { email: ['Enter a valid email.'], password: ['Too short.'] } });
    expect(JSON.stringify(result)).not.toContain('sekrit1');
  });

  it('shows an AppError message and hides anything else behind a generic one', async () => {
    const ok = form([['email', 'a@example.test'], ['password', 'long enough password']]);
    expect(await runParsed(schema, ok, async () => Promise.reject(new AppError('conflict', 'Already there.')))).toEqual({ ok: false, message: 'Already there.' });
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const hidden = await runParsed(schema, ok, async () => Promise.reject(new Error('database password is hunter2')));
    expect(hidden.ok).toBe(false);
    expect(JSON.stringify(hidden)).not.toContain('hunter2');
    errors.mockRestore();
    expect(await runParsed(schema, ok, async (input) => ({ ok: true, message: `hi ${input.email}` }))).toEqual({ ok: true, message: 'hi a@example.test' });
  });
});
