/**
 * Runs before every request (Next's proxy, formerly middleware): sets the security headers with a fresh
 * CSP nonce (passed to Next in the request so it nonces its own scripts), refuses cross-site state-changing
 * requests to route handlers (server actions get Next's own Origin check), and sends requests for app pages
 * without a session cookie to /login?next=…. The cookie check here is only a shortcut: every page, action
 * and route handler checks the session against the database itself.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { sessionCookieName } from '@/lib/auth/cookie-names';
import { loginUrlFor } from '@/lib/auth/safe-next';
import { contentSecurityPolicy, createNonce, isCrossSiteWrite, isProtectedPath, staticSecurityHeaders } from '@/lib/security/headers';

const PATH_HEADER = 'x-coffer-path';

function isHttps(request: NextRequest): boolean {
  if ((process.env.COFFER_PUBLIC_URL ?? '').toLowerCase().startsWith('https://')) return true;
  if (process.env.COFFER_TRUST_PROXY === 'true') return request.headers.get('x-forwarded-proto') === 'https';
  return request.nextUrl.protocol === 'https:';
}

function ownOrigins(request: NextRequest): string[] {
  const out = [request.nextUrl.origin];
  const host = request.headers.get('host');
  if (host) out.push(`${request.nextUrl.protocol}//${host}`);
  if (process.env.COFFER_PUBLIC_URL) out.push(process.env.COFFER_PUBLIC_URL);
  return out;
}

function withHeaders(response: NextResponse, csp: string, https: boolean): NextResponse {
  response.headers.set('Content-Security-Policy', csp);
  for (const [name, value] of Object.entries(staticSecurityHeaders({ https }))) response.headers.set(name, value);
  return response;
}

/** The proxy: headers on every response, cross-site refusal for /api, session shortcut for app pages. */
export function proxy(request: NextRequest): NextResponse {
  const https = isHttps(request);
  const nonce = createNonce();
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === 'development', https });
  const { pathname, search } = request.nextUrl;

  if (pathname.startsWith('/api/')) {
    const refused = isCrossSiteWrite({
      method: request.method,
      origin: request.headers.get('origin'),
      secFetchSite: request.headers.get('sec-fetch-site'),
      ownOrigins: ownOrigins(request),
      allowedOrigins: (process.env.COFFER_ALLOWED_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    });
    if (refused) {
      const res = NextResponse.json({ error: 'forbidden', message: 'Cross-site requests are not allowed.' }, { status: 403 });
      return withHeaders(res, csp, https);
    }
  }

  if (isProtectedPath(pathname)) {
    const hasCookie = request.cookies.has(sessionCookieName(true)) || request.cookies.has(sessionCookieName(false));
    if (!hasCookie) {
      const res = NextResponse.redirect(new URL(loginUrlFor(`${pathname}${search}`), request.url));
      return withHeaders(res, csp, https);
    }
  }

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', csp);
  // Overwrites anything the client sent: requireUser() trusts this header for its `next=` value.
  requestHeaders.set(PATH_HEADER, `${pathname}${search}`);
  return withHeaders(NextResponse.next({ request: { headers: requestHeaders } }), csp, https);
}

export const config = {
  matcher: [
    {
      // /api/uploads streams large bodies, which the proxy would buffer; it checks cross-site requests itself.
      source: '/((?!_next/static|_next/image|favicon.ico|api/uploads/).*)',
    },
  ],
};
