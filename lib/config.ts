/**
 * Coffer's settings: every environment variable is parsed here, once, with zod.
 * A bad value stops the start with one line per problem, naming the setting and what is wrong.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const intInRange = (min: number, max: number, fallback: number) =>
  optionalString.pipe(
    z
      .string()
      .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
      .transform(Number)
      .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
      .optional()
      .transform((v) => v ?? fallback),
  );

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4, tib: 1024 ** 4 };

/** Parses "500", "200 MiB", "10G" into bytes; undefined for anything else. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.floor(Number(m[1]) * unit);
}

const size = (fallback: number) =>
  optionalString.transform((v, ctx) => {
    if (v === undefined) return fallback;
    const n = parseSize(v);
    if (n === undefined || n <= 0) {
      ctx.addIssue({ code: 'custom', message: 'must be a size such as 500MiB or 10GiB' });
      return z.NEVER;
    }
    return n;
  });

const url = (protocols: string[], what: string) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a ${what} URL` },
  );

const absolutePaths = optionalString.transform((v, ctx) => {
  if (v === undefined) return [os.homedir()];
  const parts = v.split(':').filter(Boolean);
  const bad = parts.find((p) => !path.isAbsolute(p));
  if (parts.length === 0 || bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `must be absolute paths separated by ":"${bad ? ` ("${bad}" is not absolute)` : ''}` });
    return z.NEVER;
  }
  return parts.map((p) => path.resolve(p));
});

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: intInRange(1, 65535, 3000),
  COFFER_DATA_DIR: optionalString.transform((v) => path.resolve(/*turbopackIgnore: true*/ v ?? './data')),
  DATABASE_URL: url(['postgres:', 'postgresql:'], 'postgres://'),
  COFFER_PUBLIC_URL: url(['http:', 'https:'], 'http(s)://'),
  AUTH_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, { message: 'must be at least 32 characters (try: openssl rand -base64 33)' }),
  COFFER_SERVER_KEY: optionalString.refine((v) => v === undefined || /^[0-9a-f]{64}$/i.test(v), {
    message: 'must be 64 hexadecimal characters (32 bytes; try: openssl rand -hex 32)',
  }),
  RESEND_API_KEY: optionalString,
  RESEND_BASE_URL: url(['http:', 'https:'], 'http(s)://'),
  MAIL_FROM: optionalString.transform((v) => v ?? 'Coffer <coffer@localhost>').refine((v) => /<?[^\s<>@]+@[^\s<>@]+>?$/.test(v), {
    message: 'must be an address such as "Coffer <backup@example.com>"',
  }),
  COFFER_BACKUP_ROOTS: absolutePaths,
  COFFER_ALLOWED_ORIGINS: optionalString.transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
  COFFER_JOB_CONCURRENCY: intInRange(1, 16, 2),
  /** How often a running job shows it is alive (and looks for a cancel request from another instance). */
  COFFER_JOB_HEARTBEAT_SECONDS: intInRange(1, 300, 5),
  /** A running job with no heartbeat for this long is marked interrupted by any instance (its server died). */
  COFFER_JOB_STALE_SECONDS: intInRange(3, 86_400, 60),
  /** A repository lock not refreshed for this long is stale (its holder died on another host). */
  COFFER_LOCK_STALE_SECONDS: intInRange(10, 86_400, 1800),
  /** When the optional daily digest email goes out, HH:MM in UTC; unset: no digest. */
  COFFER_DIGEST_TIME: optionalString.refine((v) => v === undefined || /^([01]\d|2[0-3]):[0-5]\d$/.test(v), { message: 'must be a time such as 07:30 (24-hour, UTC)' }),
  COFFER_UPLOAD_LIMIT: size(10 * 1024 ** 3),
  COFFER_TRUST_PROXY: optionalString.pipe(z.enum(['true', 'false']).optional()).transform((v) => v === 'true'),
});

/** The parsed settings. */
export type Config = z.infer<typeof envSchema>;

/** Thrown when the environment holds a bad value; `problems` has one line per setting. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (process.env by default); throws ConfigError listing every bad setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? 'environment');
      const raw = env[key];
      const shown = key.includes('SECRET') || key.includes('KEY') || key === 'DATABASE_URL' ? '' : raw === undefined ? '' : ` (got "${raw}")`;
      return `${key}: ${issue.message}${shown}`;
    });
    throw new ConfigError([...new Set(problems)]);
  }
  if (result.data.RESEND_API_KEY === undefined && result.data.RESEND_BASE_URL !== undefined) {
    throw new ConfigError(['RESEND_BASE_URL: is set but RESEND_API_KEY is not; set both to send mail through Resend']);
  }
  if (result.data.COFFER_JOB_STALE_SECONDS < 3 * result.data.COFFER_JOB_HEARTBEAT_SECONDS) {
    throw new ConfigError([
      `COFFER_JOB_STALE_SECONDS: must be at least 3 times COFFER_JOB_HEARTBEAT_SECONDS (${3 * result.data.COFFER_JOB_HEARTBEAT_SECONDS}), or a slow heartbeat makes another instance interrupt a live job`,
    ]);
  }
  return result.data;
}

let cached: Config | undefined;

/** The settings of this process, parsed on first use. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}
