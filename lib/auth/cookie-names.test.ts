import { describe, expect, it } from 'vitest';
import { cookieName, cookieOptions, isSecureDeployment, sessionCookieName } from './cookie-names';

describe('cookie-names', () => {
  it('uses __Host- names and Secure only when the public URL is https', () => {
    expect(isSecureDeployment({ COFFER_PUBLIC_URL: 'https://backup.example.com' })).toBe(true);
    expect(isSecureDeployment({ COFFER_PUBLIC_URL: 'http://localhost:3000' })).toBe(false);
    expect(isSecureDeployment({})).toBe(false);
    expect(sessionCookieName(true)).toBe('__Host-coffer.session');
    expect(sessionCookieName(false)).toBe('coffer.session');
    expect(cookieName('flow', true)).toBe('__Host-coffer.flow');
  });

  it('makes every cookie HttpOnly, SameSite=Lax and Path=/ (as __Host- requires)', () => {
    expect(cookieOptions(true)).toEqual({ httpOnly: true, sameSite: 'lax', path: '/', secure: true });
    expect(cookieOptions(false)).toEqual({ httpOnly: true, sameSite: 'lax', path: '/', secure: false });
  });
});
