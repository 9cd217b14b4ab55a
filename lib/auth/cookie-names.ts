/**
 * Cookie names and flags. Behind HTTPS (COFFER_PUBLIC_URL starts with https://) cookies are named
 * `__Host-…`, which browsers accept only with Secure, Path=/ and no Domain, so no sibling subdomain or
 * plain-http page can set or shadow them. Browsers refuse `__Host-` cookies without Secure, and Secure
 * cookies are not kept for plain http (except on localhost in some browsers), so on a plain-http start
 * the same cookies carry unprefixed names instead. Kept free of heavy imports: proxy.ts reads it.
 */

/** True when the deployment is reached over HTTPS, judged from COFFER_PUBLIC_URL. */
export function isSecureDeployment(env: Record<string, string | undefined> = process.env): boolean {
  return (env.COFFER_PUBLIC_URL ?? '').trim().toLowerCase().startsWith('https://');
}

/** The name of a Coffer cookie for this deployment (`__Host-coffer.<base>` or `coffer.<base>`). */
export function cookieName(base: string, secure = isSecureDeployment()): string {
  return `${secure ? '__Host-' : ''}coffer.${base}`;
}

/** Name of the session cookie (next-auth's encrypted JWT). */
export function sessionCookieName(secure = isSecureDeployment()): string {
  return cookieName('session', secure);
}

/** Flags shared by every Coffer cookie: HttpOnly, SameSite=Lax, Path=/, Secure behind HTTPS. */
export function cookieOptions(secure = isSecureDeployment()): { httpOnly: true; sameSite: 'lax'; path: '/'; secure: boolean } {
  return { httpOnly: true, sameSite: 'lax', path: '/', secure };
}
