/**
 * The database connection: PGlite in `$COFFER_DATA_DIR/pg` by default, PostgreSQL through postgres-js
 * when DATABASE_URL is set. Both speak the same schema and run the same migrations.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import * as schema from './schema';

/** A Drizzle database on either driver. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database with the means to migrate, probe and close it. */
export interface Database {
  db: Db;
  driver: 'pglite' | 'postgres';
  /** The PGlite instance (PGlite only). */
  client?: PGlite;
  /** Applies every pending migration from `drizzle/`; safe to run again. */
  migrate(): Promise<void>;
  /** Runs `select 1`; throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; without it PGlite is used. */
  url?: string;
  /** Folder for PGlite's files; `memory://` keeps them in memory (tests). */
  pgliteDir?: string;
  migrationsFolder?: string;
  /** A PGlite data-folder dump to start from (tests use a migrated template). */
  loadDataDir?: Blob;
}

const DEFAULT_MIGRATIONS = path.join(process.cwd(), 'drizzle');

/*
 * PGlite starts Postgres in single-user mode inside WASM. Its defaults size shared buffers and WAL
 * for a workstation; Coffer's database is small (users, plans, jobs), so a smaller footprint is kept.
 */
const PGLITE_START_PARAMS = [
  '-c', 'shared_buffers=16MB',
  '-c', 'work_mem=2MB',
  '-c', 'maintenance_work_mem=16MB',
  '-c', 'wal_buffers=1MB',
  '-c', 'temp_buffers=1MB',
];

/**
 * Creating a PGlite cluster (initdb) grows its WASM memory to ~700 MB, which a WASM instance never gives
 * back. So a new data folder is initialised in a short-lived child process, and the server then opens
 * the ready cluster at about a third of that.
 */
function initPgliteDir(dir: string): void {
  if (fs.existsSync(path.join(dir, 'PG_VERSION'))) return;
  fs.mkdirSync(dir, { recursive: true });
  const entry = pathToFileURL(createRequire(path.join(process.cwd(), 'package.json')).resolve('@electric-sql/pglite')).href;
  const script = `const { PGlite } = await import(${JSON.stringify(entry)});
const db = await PGlite.create(${JSON.stringify(dir)}); await db.query('select 1'); await db.close();`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Opens the database named by the options. The caller must call close(). */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const migrationsFolder = options.migrationsFolder ?? DEFAULT_MIGRATIONS;
  if (options.url) {
    const sql = postgres(options.url, { max: 10, onnotice: () => {}, connect_timeout: 10 });
    const db = drizzlePostgres(sql, { schema }) as unknown as Db;
    return {
      db,
      driver: 'postgres',
      migrate: () => migratePostgres(db as never, { migrationsFolder }),
      ping: async () => {
        await sql`select 1`;
      },
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const dir = options.pgliteDir ?? 'memory://';
  if (!dir.startsWith('memory://')) initPgliteDir(dir);
  const defaults = (PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams ?? [];
  const client = await PGlite.create(dir, {
    startParams: [...defaults, ...PGLITE_START_PARAMS],
    relaxedDurability: false,
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    client,
    driver: 'pglite',
    migrate: () => migratePglite(db as never, { migrationsFolder }),
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
  };
}
