/**
 * Wrappers that make the session check impossible to forget. A server action is a public POST endpoint and
 * a route handler a public URL: `authedAction` and `withUser` load the signed-in user before the body runs,
 * validate input with zod, and turn failures into results that never echo what was submitted (so
 * passwords, passphrases and codes never travel back in a form state).
 */
import 'server-only';
import { unstable_rethrow } from 'next/navigation';
import type { z } from 'zod';
import { getCurrentUser, requireUser, type SessionUser } from '@/lib/auth/session';
import { AppError, errorResponse, isAppError } from '@/lib/errors';

/** Per-field messages, keyed by the form field's name. */
export type FieldErrors = Partial<Record<string, string[]>>;

/**
 * What every form action returns: success with an optional message and data, or errors to show.
 * `values` may carry back non-secret fields (an email, a name) to refill the form; never a password or code.
 */
export type ActionResult<T = unknown> =
  | { ok: true; message?: string; data?: T }
  | { ok: false; message?: string; fieldErrors?: FieldErrors; values?: Record<string, string> };

/** A server action usable with `useActionState`. */
export type FormAction = (prevState: ActionResult | null | undefined, formData: FormData) => Promise<ActionResult>;

const GENERIC_FAILURE = 'Something went wrong on the server. Try again; if it keeps happening, check the server log.';

/**
 * FormData as a plain object. A name given more than once becomes an array; Next's own `$ACTION_…` fields
 * and file inputs are left out.
 */
export function formDataToObject(formData: FormData): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of formData.entries()) {
    if (name.startsWith('$ACTION') || typeof value !== 'string') continue;
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** Zod issues as per-field messages (first path segment as the field name; "form" for the rest). */
export function toFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const field = typeof issue.path[0] === 'string' ? issue.path[0] : 'form';
    (out[field] ??= []).push(issue.message);
  }
  return out;
}

/** Runs `body` on parsed input; maps AppErrors to messages and unknown errors to a logged generic one. */
export async function runParsed<S extends z.ZodType>(
  schema: S,
  formData: FormData,
  body: (input: z.infer<S>) => Promise<ActionResult>,
): Promise<ActionResult> {
  const parsed = schema.safeParse(formDataToObject(formData));
  if (!parsed.success) return { ok: false, fieldErrors: toFieldErrors(parsed.error), message: 'Check the highlighted fields.' };
  try {
    return await body(parsed.data);
  } catch (err) {
    // redirect() and notFound() work by throwing; they must reach Next untouched.
    unstable_rethrow(err);
    if (isAppError(err)) return { ok: false, message: err.message };
    console.error('Unexpected error in a server action:', err);
    return { ok: false, message: GENERIC_FAILURE };
  }
}

/**
 * A server action for signed-in users: calls requireUser() (redirecting to /login without a session),
 * validates the form with `schema`, then runs `body(input, user)`.
 */
export function authedAction<S extends z.ZodType>(
  schema: S,
  body: (input: z.infer<S>, user: SessionUser) => Promise<ActionResult>,
): FormAction {
  return async (_prevState, formData) => {
    const user = await requireUser();
    return runParsed(schema, formData, (input) => body(input, user));
  };
}

/** Like authedAction, for the administrator only; others get "Only the administrator can do this." */
export function adminAction<S extends z.ZodType>(
  schema: S,
  body: (input: z.infer<S>, user: SessionUser) => Promise<ActionResult>,
): FormAction {
  return async (_prevState, formData) => {
    const user = await requireUser();
    if (user.role !== 'admin') return { ok: false, message: 'Only the administrator can do this.' };
    return runParsed(schema, formData, (input) => body(input, user));
  };
}

/**
 * A server action open to anyone (sign-in, registration, password reset): validates the form and runs
 * `body`. The body is responsible for its own rate limits.
 */
export function publicAction<S extends z.ZodType>(schema: S, body: (input: z.infer<S>) => Promise<ActionResult>): FormAction {
  return async (_prevState, formData) => runParsed(schema, formData, body);
}

/** The signed-in user of a route handler's request; throws AppError('unauthorized') without one. */
export async function requireApiUser(_request?: Request): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) throw new AppError('unauthorized', 'Sign in to continue.');
  return user;
}

/**
 * Wraps a route handler: answers 401 JSON without a session, otherwise calls `handler(request, user, ctx)`
 * and maps thrown AppErrors to their status (unknown errors to a logged 500).
 */
export function withUser<C = unknown>(
  handler: (request: Request, user: SessionUser, context: C) => Promise<Response> | Response,
): (request: Request, context: C) => Promise<Response> {
  return async (request, context) => {
    try {
      const user = await requireApiUser(request);
      return await handler(request, user, context);
    } catch (err) {
      unstable_rethrow(err);
      return errorResponse(err);
    }
  };
}
