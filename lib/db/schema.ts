/**
 * The database schema: one set of tables for both drivers (PGlite and PostgreSQL).
 * Every row a user can reach carries owner_id, and every query filters by it.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const ts = (name: string) => timestamp(name, { withTimezone: true });

export const userRole = pgEnum('user_role', ['admin', 'user']);
export const codePurpose = pgEnum('code_purpose', ['reset', 'login', 'verify']);
export const repositoryKind = pgEnum('repository_kind', ['local', 's3']);
export const jobKind = pgEnum('job_kind', ['backup', 'restore', 'check', 'prune']);
export const jobStatus = pgEnum('job_status', ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted']);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: userRole('role').notNull().default('user'),
    sessionVersion: integer('session_version').notNull().default(1),
    emailOtpEnabled: boolean('email_otp_enabled').notNull().default(false),
    disabledAt: ts('disabled_at'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_unique').on(t.email), check('users_email_lower', sql`${t.email} = lower(${t.email})`)],
);

export const oneTimeCodes = pgTable(
  'one_time_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: codePurpose('purpose').notNull(),
    codeHash: text('code_hash').notNull(),
    expiresAt: ts('expires_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    consumedAt: ts('consumed_at'),
    createdAt: createdAt(),
  },
  (t) => [index('one_time_codes_user_purpose').on(t.userId, t.purpose)],
);

export const repositories = pgTable(
  'repositories',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: repositoryKind('kind').notNull().default('local'),
    location: text('location').notNull(),
    encrypted: boolean('encrypted').notNull(),
    /** The passphrase sealed with the server key, or null when it is asked for each run. */
    sealedPassphrase: text('sealed_passphrase'),
    /** Where an `s3` repository lives (no secrets); null for local folders. */
    s3: jsonb('s3').$type<{ endpoint?: string; region: string; bucket: string; prefix: string; pathStyle: boolean }>(),
    /** The S3 access key and secret, sealed with the server key; null for local folders. */
    sealedCredentials: text('sealed_credentials'),
    engineRepositoryId: text('engine_repository_id'),
    createdAt: createdAt(),
  },
  (t) => [index('repositories_owner').on(t.ownerId)],
);

export const plans = pgTable(
  'plans',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    repositoryId: uuid('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    sources: jsonb('sources').$type<string[]>().notNull(),
    excludes: jsonb('excludes').$type<string[]>().notNull().default([]),
    compression: text('compression').notNull().default('auto'),
    schedule: text('schedule'),
    /** The IANA time zone the schedule's wall-clock times are in (the owner's browser zone when set). */
    timeZone: text('time_zone').notNull().default('UTC'),
    retention: jsonb('retention').$type<Record<string, number | string>>(),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('plans_owner').on(t.ownerId)],
);

export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    planId: uuid('plan_id').references(() => plans.id, { onDelete: 'set null' }),
    kind: jobKind('kind').notNull(),
    status: jobStatus('status').notNull().default('queued'),
    params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
    progress: jsonb('progress').$type<Record<string, unknown>>(),
    warnings: jsonb('warnings').$type<{ path: string; message: string }[]>().notNull().default([]),
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: text('error'),
    createdAt: createdAt(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    heartbeatAt: ts('heartbeat_at'),
    /** Set by "Cancel" on any instance; the instance running the job sees it at its next heartbeat. */
    cancelRequestedAt: ts('cancel_requested_at'),
    /** The schedule slot a scheduled job runs for; unique per plan and kind, so a slot runs once. */
    scheduledFor: ts('scheduled_for'),
  },
  (t) => [
    index('jobs_owner_created').on(t.ownerId, t.createdAt),
    index('jobs_status').on(t.status),
    uniqueIndex('jobs_plan_kind_slot').on(t.planId, t.kind, t.scheduledFor),
  ],
);

export const snapshots = pgTable(
  'snapshots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    repositoryId: uuid('repository_id')
      .notNull()
      .references(() => repositories.id, { onDelete: 'cascade' }),
    planId: uuid('plan_id').references(() => plans.id, { onDelete: 'set null' }),
    engineSnapshotId: text('engine_snapshot_id').notNull(),
    time: ts('time').notNull(),
    files: bigint('files', { mode: 'number' }).notNull().default(0),
    dirs: bigint('dirs', { mode: 'number' }).notNull().default(0),
    bytes: bigint('bytes', { mode: 'number' }).notNull().default(0),
    bytesAdded: bigint('bytes_added', { mode: 'number' }).notNull().default(0),
    durationMs: integer('duration_ms').notNull().default(0),
    forgottenAt: ts('forgotten_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('snapshots_repository_engine_id').on(t.repositoryId, t.engineSnapshotId),
    index('snapshots_owner_plan').on(t.ownerId, t.planId),
  ],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    target: text('target'),
    ip: text('ip'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index('audit_events_user_time').on(t.userId, t.createdAt)],
);

/** Fixed-window counters for rate limits, kept here so they hold across restarts and instances. */
export const rateLimits = pgTable(
  'rate_limits',
  {
    bucket: text('bucket').notNull(),
    key: text('key').notNull(),
    windowStart: ts('window_start').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.key] })],
);

/** Instance-wide settings the administrator changes (for example open registration). */
export const appSettings = pgTable('app_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/**
 * The right to set a new password, granted when a reset code is verified: usable once, for 15 minutes.
 * Only a hash of the token is stored; the token itself lives in an HttpOnly cookie of the verifying browser.
 */
export const passwordResetGrants = pgTable(
  'password_reset_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('password_reset_grants_token').on(t.tokenHash), index('password_reset_grants_user').on(t.userId)],
);

/** Invitation links made by the administrator: single use, until they expire. Only a hash of the token is stored. */
export const invitations = pgTable(
  'invitations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    usedBy: uuid('used_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('invitations_token').on(t.tokenHash)],
);

export type User = typeof users.$inferSelect;
export type Plan = typeof plans.$inferSelect;
export type Job = typeof jobs.$inferSelect;
export type Repository = typeof repositories.$inferSelect;
export type Snapshot = typeof snapshots.$inferSelect;
