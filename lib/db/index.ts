/**
 * lib/db: the database of plans, jobs, users and audit events. `getDatabase()` opens the one
 * configured for this process (PGlite or PostgreSQL) and applies migrations once.
 */
import 'server-only';
import path from 'node:path';
import { getConfig } from '../config';
import { openDatabase, type Database, type Db } from './client';

export type { Database, Db } from './client';

const globalForDb = globalThis as unknown as { cofferDatabase?: Promise<Database> };

/** The process-wide database, opened and migrated on first use. */
export function getDatabase(): Promise<Database> {
  globalForDb.cofferDatabase ??= (async () => {
    const config = getConfig();
    const database = await openDatabase({
      url: config.DATABASE_URL,
      pgliteDir: path.join(config.COFFER_DATA_DIR, 'pg'),
    });
    await database.migrate();
    return database;
  })().catch((err: unknown) => {
    globalForDb.cofferDatabase = undefined;
    throw err;
  });
  return globalForDb.cofferDatabase;
}

/** Shorthand for `(await getDatabase()).db`. */
export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}
