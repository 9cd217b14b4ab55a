/**
 * `next=` values: only same-site paths are honoured, so a link such as /login?next=https://evil.example
 * cannot send a person elsewhere after signing in.
 */

/** Where to go when `next` is missing or unsafe. */
export const DEFAULT_AFTER_SIGN_IN = '/dashboard';

/**
 * Returns `next` when it is a path on this site (starts with a single "/", no scheme, no backslash, no
 * control characters), else `fallback`.
 */
export function safeNextPath(next: unknown, fallback = DEFAULT_AFTER_SIGN_IN): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return fallback;
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return fallback;
  if (/[\u0000-\u001f\u007f]/.test(next)) return fallback;
  try {
    const base = 'http://coffer.invalid';
    const url = new URL(next, base);
    if (url.origin !== base) return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}

/** `/login?next=<path>`, for redirects of requests without a session. */
export function loginUrlFor(path: string | null | undefined): string {
  const next = safeNextPath(path ?? '', '');
  return next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
}
