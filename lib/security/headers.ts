/**
 * Security headers and the cross-site check applied by proxy.ts to every request. Pure functions of the
 * request's method, path, headers and the configuration, so they are tested without a server.
 */

/** Pages anyone may open; every other page of the app needs a session. */
export const PUBLIC_PAGES = new Set(['/', '/login', '/register', '/forgot-password', '/verify-otp', '/reset-password']);

/**
 * True when `pathname` is an app page that requires a session (proxy.ts then sends requests without a
 * session cookie to /login). Deny by default: any page not listed in PUBLIC_PAGES, so a new page is
 * protected without anyone remembering to add it. Route handlers (/api) answer 401 themselves; Next's
 * assets and files with an extension (public/) pass.
 */
export function isProtectedPath(pathname: string): boolean {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (PUBLIC_PAGES.has(path)) return false;
  if (path.startsWith('/api/') || path === '/api' || path.startsWith('/_next/')) return false;
  return !/\.[A-Za-z0-9]+$/.test(path);
}

/** A fresh CSP nonce: 16 random bytes, base64. */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The Content-Security-Policy for one response: scripts only from this origin with the request's nonce
 * (`'strict-dynamic'` lets Next's nonced loader pull in its chunks), no plugins, no `<base>`, no framing,
 * no third-party origins. Style attributes stay allowed (progress bars set a width); style elements need
 * the nonce. Development adds what React's dev tooling needs (eval, the HMR websocket).
 */
export function contentSecurityPolicy(nonce: string, options: { dev: boolean; https: boolean }): string {
  const directives = [
    `default-src 'self'`,
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? ` 'unsafe-eval'` : ''}`,
    `style-src 'self' 'nonce-${nonce}'`,
    `style-src-attr 'unsafe-inline'`,
    `img-src 'self' data: blob:`,
    `font-src 'self'`,
    `connect-src 'self'${options.dev ? ' ws: wss:' : ''}`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
    ...(options.https ? ['upgrade-insecure-requests'] : []),
  ];
  return directives.join('; ');
}

/** The headers every response carries besides the CSP. */
export function staticSecurityHeaders(options: { https: boolean }): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    ...(options.https ? { 'Strict-Transport-Security': 'max-age=63072000; includeSubDomains' } : {}),
  };
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * True when a request to a route handler must be refused as cross-site: a state-changing method whose
 * `Origin` is not this site (or an origin named in COFFER_ALLOWED_ORIGINS), or, without an Origin, whose
 * `Sec-Fetch-Site` says another site sent it. Requests without either header (curl, the CLI) pass: they
 * carry no browser's cookies unless their author put them there.
 */
export function isCrossSiteWrite(input: {
  method: string;
  origin: string | null;
  secFetchSite: string | null;
  /** Origins of this deployment: the request's own (from Host) and COFFER_PUBLIC_URL's. */
  ownOrigins: string[];
  allowedOrigins: string[];
}): boolean {
  if (!STATE_CHANGING.has(input.method.toUpperCase())) return false;
  const trusted = new Set([...input.ownOrigins, ...input.allowedOrigins].map(normaliseOrigin).filter(Boolean));
  if (input.origin !== null && input.origin !== '') {
    return !trusted.has(normaliseOrigin(input.origin));
  }
  const site = (input.secFetchSite ?? '').toLowerCase();
  return site === 'cross-site' || site === 'same-site';
}

/** `scheme://host[:port]` in lower case, or '' when `value` is not a URL (an opaque "null" origin). */
export function normaliseOrigin(value: string): string {
  try {
    const candidate = value.includes('://') ? value : `https://${value}`;
    const url = new URL(candidate);
    return url.origin === 'null' ? '' : url.origin.toLowerCase();
  } catch {
    return '';
  }
}
