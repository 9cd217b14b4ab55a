/**
 * How S3Storage reads the AWS SDK's errors: which are transient (worth a retry), which mean "no such
 * key", and how to say the rest in words that help an operator fix the settings. Messages never carry
 * credentials; `redact` is the last guard for anything echoed back by a server.
 */

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: unknown;
}

const RETRYABLE_NAMES = new Set([
  'InternalError',
  'ServiceUnavailable',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  // AWS answers 409 to two conditional writes of one key at once and asks the client to retry.
  'ConditionalRequestConflict',
]);
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
]);

function status(error: unknown): number | undefined {
  return (error as SdkError | undefined)?.$metadata?.httpStatusCode;
}

function codes(error: unknown): string[] {
  const out: string[] = [];
  for (
    let e = error as SdkError | undefined, depth = 0;
    e && depth < 4;
    e = e.cause as SdkError | undefined, depth++
  ) {
    if (typeof e.code === 'string') out.push(e.code);
    if (typeof e.name === 'string') out.push(e.name);
  }
  return out;
}

/** True for 5xx, 429, throttling, timeouts and dropped or refused connections. */
export function isRetryable(error: unknown): boolean {
  const s = status(error);
  if (s !== undefined && (s >= 500 || s === 429)) return true;
  if (codes(error).some((c) => RETRYABLE_NAMES.has(c) || RETRYABLE_CODES.has(c))) return true;
  return /socket hang up|timed? ?out/i.test((error as SdkError | undefined)?.message ?? '');
}

/** True when the object does not exist (but not when the bucket does not: that is a settings error). */
export function isNotFound(error: unknown): boolean {
  const names = codes(error);
  if (names.includes('NoSuchBucket')) return false;
  return names.includes('NoSuchKey') || names.includes('NotFound') || status(error) === 404;
}

/** True when a conditional write (`If-None-Match: *`) found the object already there. */
export function isPreconditionFailed(error: unknown): boolean {
  return status(error) === 412 || codes(error).includes('PreconditionFailed');
}

/** True when the request was cancelled through its AbortSignal. */
export function isAbort(error: unknown): boolean {
  return codes(error).includes('AbortError');
}

/** A short explanation of an SDK error for people, with a hint where the cause is a setting. */
export function describeS3Error(error: unknown, bucket: string): string {
  const names = codes(error);
  const s = status(error);
  const detail = (error as SdkError | undefined)?.message || names[0] || 'unknown error';
  if (names.includes('NoSuchBucket'))
    return `the bucket ${bucket} does not exist; create it or correct the bucket name`;
  if (
    names.some((n) =>
      [
        'InvalidAccessKeyId',
        'SignatureDoesNotMatch',
        'AccessDenied',
        'InvalidToken',
        'ExpiredToken',
      ].includes(n),
    ) ||
    s === 403
  ) {
    return `access denied to bucket ${bucket} (${names[0] ?? s}); check the access key, the secret key and the key's permissions`;
  }
  if (names.some((n) => ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(n))) {
    return `cannot reach the S3 endpoint (${names.find((n) => n.startsWith('E'))}); check the endpoint URL and the network`;
  }
  return s !== undefined ? `${detail} (HTTP ${s})` : detail;
}

/** Replaces every occurrence of the given secrets in `text` with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * A copy of an SDK error fit to keep as a `cause`: name, code, HTTP status and redacted message only.
 * The SDK's own error carries the raw HTTP exchange, whose request headers name the access key.
 */
export function sanitize(error: unknown, secrets: readonly string[]): Error {
  const e = (error ?? {}) as SdkError;
  const copy = new Error(redact(String(e.message ?? error), secrets));
  copy.name = e.name ?? 'Error';
  return Object.assign(copy, {
    code: e.code,
    $metadata: e.$metadata ? { httpStatusCode: e.$metadata.httpStatusCode } : undefined,
  });
}
