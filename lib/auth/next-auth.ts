/**
 * next-auth, configured for Coffer: one credentials provider that accepts only a sign-in grant (see
 * sign-in-grant.ts), JWT sessions carrying the user id, `sessionVersion` and the sign-in time, at most
 * 12 hours long. No next-auth route handler is mounted: sessions are minted and ended only by Coffer's own
 * server actions, which run the rate limits, password and second-factor checks first.
 */
import 'server-only';
import { eq } from 'drizzle-orm';
import NextAuth, { type NextAuthConfig } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { getDb } from '@/lib/db';
import { users } from '@/lib/db/schema';
import { SESSION_MAX_AGE_SECONDS } from './session-claims';
import { cookieName, cookieOptions, isSecureDeployment, sessionCookieName } from './cookie-names';
import { readSignInGrant } from './sign-in-grant';

function buildConfig(): NextAuthConfig {
  const secure = isSecureDeployment();
  return {
    secret: process.env.AUTH_SECRET,
    // Host comes from Next's own request handling; URLs built from it are never used as redirect targets.
    trustHost: true,
    useSecureCookies: secure,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
    jwt: { maxAge: SESSION_MAX_AGE_SECONDS },
    cookies: {
      sessionToken: { name: sessionCookieName(secure), options: cookieOptions(secure) },
      callbackUrl: { name: cookieName('auth-callback', secure), options: cookieOptions(secure) },
      csrfToken: { name: cookieName('auth-csrf', secure), options: cookieOptions(secure) },
    },
    pages: { signIn: '/login', error: '/login' },
    providers: [
      Credentials({
        id: 'credentials',
        credentials: { grant: {} },
        async authorize(credentials) {
          const grant = readSignInGrant(credentials?.grant);
          if (!grant) return null;
          const db = await getDb();
          const [user] = await db
            .select({ id: users.id, sessionVersion: users.sessionVersion, disabledAt: users.disabledAt })
            .from(users)
            .where(eq(users.id, grant.userId))
            .limit(1);
          if (!user || user.disabledAt || user.sessionVersion !== grant.sessionVersion) return null;
          return { id: user.id, sessionVersion: user.sessionVersion } as { id: string };
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          // Only what Coffer needs; name and email are read from the database on each request.
          return {
            sub: user.id,
            uid: user.id,
            sv: (user as { sessionVersion?: number }).sessionVersion ?? -1,
            sat: Math.floor(Date.now() / 1000),
          };
        }
        const sat = typeof token.sat === 'number' ? token.sat : 0;
        if (Date.now() / 1000 - sat > SESSION_MAX_AGE_SECONDS) return null;
        return token;
      },
      session({ session, token }) {
        return { expires: session.expires, uid: token.uid, sv: token.sv, sat: token.sat } as unknown as typeof session;
      },
    },
    logger: {
      // Failed credentials are expected (and audited by Coffer); anything else is worth a log line.
      error(error) {
        if (error.name === 'CredentialsSignin') return;
        console.error(`[auth] ${error.name}: ${error.message}`);
      },
      warn() {},
      debug() {},
    },
  };
}

const nextAuth = NextAuth(() => buildConfig());

/** Reads the session token of the current request (server components, actions, route handlers). */
export const auth = nextAuth.auth;
/** Sets a session cookie; only call with a grant from issueSignInGrant, and with `redirect: false`. */
export const signIn = nextAuth.signIn;
/** Clears the session cookie of the current request. */
export const signOut = nextAuth.signOut;
