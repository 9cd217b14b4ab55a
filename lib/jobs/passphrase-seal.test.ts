import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openPassphrase, sealPassphrase } from './passphrase-seal';

const key = crypto.randomBytes(32).toString('hex');

describe('passphrase-seal', () => {
  it('round-trips a passphrase for the same repository and key', () => {
    const sealed = sealPassphrase('correct horse ✓', 'repo-1', key);
    expect(sealed).not.toContain('correct');
    expect(openPassphrase(sealed, 'repo-1', key)).toBe('correct horse ✓');
  });

  it('refuses another repository, another key, or an altered value', () => {
    const sealed = sealPassphrase('pw', 'repo-1', key);
    expect(() => openPassphrase(sealed, 'repo-2', key)).toThrow(/cannot be opened/);
    expect(() => openPassphrase(sealed, 'repo-1', crypto.randomBytes(32).toString('hex'))).toThrow(/cannot be opened/);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[2]!, 'base64url');
    body[0]! ^= 1;
    expect(() => openPassphrase(`${parts[0]}.${parts[1]}.${body.toString('base64url')}`, 'repo-1', key)).toThrow(/cannot be opened/);
    expect(() => openPassphrase('v2.x.y', 'repo-1', key)).toThrow(/unknown format/);
  });

  it('uses a fresh nonce each time', () => {
    expect(sealPassphrase('pw', 'r', key)).not.toBe(sealPassphrase('pw', 'r', key));
  });
});
