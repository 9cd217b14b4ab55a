/**
 * Application errors: an `AppError` carries a code from a closed set, which route handlers map to an HTTP
 * status and forms turn into a message. Anything that is not an AppError is logged server-side and shown
 * as a generic message, so internal details never reach a browser.
 */

/** The kinds of failure a person or a client can act upon. */
export type AppErrorCode = 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'rate_limited' | 'invalid';

/** The HTTP status each code answers with in route handlers. */
export const APP_ERROR_STATUS: Record<AppErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  invalid: 400,
};

/** A failure whose `message` is written for people and safe to show them. */
export class AppError extends Error {
  /** For `rate_limited`: seconds until the caller may try again. */
  readonly retryAfterSeconds?: number;

  constructor(
    readonly code: AppErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return APP_ERROR_STATUS[this.code];
  }
}

/** True when `err` is an AppError (also across module copies, by name and code). */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError || (err instanceof Error && err.name === 'AppError' && 'code' in err && typeof err.code === 'string' && err.code in APP_ERROR_STATUS);
}

/**
 * Turns any thrown value into a JSON response: AppErrors with their status and message, anything else as a
 * logged 500 with a generic message.
 */
export function errorResponse(err: unknown): Response {
  if (isAppError(err)) {
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
    return Response.json({ error: err.code, message: err.message }, { status: err.status, headers });
  }
  console.error('Unexpected error in a route handler:', err);
  return Response.json(
    { error: 'internal', message: 'Something went wrong on the server. Try again, and check the server log if it persists.' },
    { status: 500, headers: { 'cache-control': 'no-store' } },
  );
}
