import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, createNonce, isCrossSiteWrite, isProtectedPath, staticSecurityHeaders } from './headers';

const own = ['http://127.0.0.1:3000'];

describe('headers', () => {
  it('builds a nonce-based CSP with no third-party origin and no framing', () => {
    const csp = contentSecurityPolicy('abc123==', { dev: false, https: true });
    expect(csp).toContain(`script-src 'self' 'nonce-abc123==' 'strict-dynamic'`);
    expect(csp).toContain(`object-src 'none'`);
    expect(csp).toContain(`base-uri 'none'`);
    expect(csp).toContain(`frame-ancestors 'none'`);
    expect(csp).toContain('upgrade-insecure-requests');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/https?:\/\//);
    expect(contentSecurityPolicy('n', { dev: true, https: false })).toContain(`'unsafe-eval'`);
  });

  it('makes a different nonce each time', () => {
    const seen = new Set(Array.from({ length: 100 }, createNonce));
    expect(seen.size).toBe(100);
    expect(createNonce()).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });

  it('sends HSTS only behind HTTPS', () => {
    expect(staticSecurityHeaders({ https: true })['Strict-Transport-Security']).toMatch(/max-age=\d+/);
    expect(staticSecurityHeaders({ https: false })['Strict-Transport-Security']).toBeUndefined();
    expect(staticSecurityHeaders({ https: false })['X-Content-Type-Options']).toBe('nosniff');
  });

  it('refuses state-changing requests from another origin or another site', () => {
    const base = { ownOrigins: own, allowedOrigins: [] as string[] };
    expect(isCrossSiteWrite({ ...base, method: 'POST', origin: 'https://evil.example', secFetchSite: 'cross-site' })).toBe(true);
    expect(isCrossSiteWrite({ ...base, method: 'DELETE', origin: null, secFetchSite: 'cross-site' })).toBe(true);
    expect(isCrossSiteWrite({ ...base, method: 'PUT', origin: null, secFetchSite: 'same-site' })).toBe(true);
    expect(isCrossSiteWrite({ ...base, method: 'PATCH', origin: 'null', secFetchSite: null })).toBe(true);
    expect(isCrossSiteWrite({ ...base, method: 'POST', origin: 'http://127.0.0.1:3000', secFetchSite: 'same-origin' })).toBe(false);
    expect(isCrossSiteWrite({ ...base, method: 'POST', origin: null, secFetchSite: null })).toBe(false);
    expect(isCrossSiteWrite({ ...base, method: 'GET', origin: 'https://evil.example', secFetchSite: 'cross-site' })).toBe(false);
    expect(isCrossSiteWrite({ ownOrigins: own, allowedOrigins: ['https://backup.example.com'], method: 'POST', origin: 'https://backup.example.com', secFetchSite: 'cross-site' })).toBe(false);
  });

  it('knows which pages need a session', () => {
    expect(isProtectedPath('/dashboard')).toBe(true);
    expect(isProtectedPath('/backups/123/snapshots/9')).toBe(true);
    expect(isProtectedPath('/settings')).toBe(true);
    expect(isProtectedPath('/login')).toBe(false);
    expect(isProtectedPath('/jobs/42')).toBe(true);
    expect(isProtectedPath('/some-future-page')).toBe(true);
    expect(isProtectedPath('/')).toBe(false);
    expect(isProtectedPath('/verify-otp')).toBe(false);
    expect(isProtectedPath('/register/')).toBe(false);
    expect(isProtectedPath('/api/health')).toBe(false);
    expect(isProtectedPath('/favicon.ico')).toBe(false);
    expect(isProtectedPath('/_next/static/chunks/x.js')).toBe(false);
  });
});
