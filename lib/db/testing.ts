/**
 * Test helpers: fresh, migrated databases on PGlite (always) and on the local PostgreSQL server (when
 * DATABASE_URL is set). A non-local DATABASE_URL is refused, so tests can never touch a real deployment.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, type Database } from './client';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '']);

/** Throws unless the URL points at this machine. */
export function assertLocalDatabaseUrl(url: string): void {
  const host = new URL(url).hostname;
  if (!LOCAL_HOSTS.has(host)) {
    throw new Error(`Refusing to run tests against a non-local database (${host}); point DATABASE_URL at 127.0.0.1.`);
  }
}

export interface TestDatabase extends Database {
  /** Drops what the test created; call in afterAll. */
  dispose(): Promise<void>;
}

/** The drivers this run tests: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function testDrivers(): ('pglite' | 'postgres')[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * Opens an empty database on the driver (a new in-memory PGlite, or a new database created on the local
 * server), migrated unless `migrate: false`.
 */
export async function createTestDatabase(driver: 'pglite' | 'postgres', options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (driver === 'pglite') {
    if (options.migrate === false) {
      const database = await openDatabase({ pgliteDir: 'memory://' });
      return { ...database, dispose: () => database.close() };
    }
    const database = await openDatabase({ pgliteDir: 'memory://', loadDataDir: await migratedPgliteTemplate() });
    await database.migrate();
    return { ...database, dispose: () => database.close() };
  }
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set');
  assertLocalDatabaseUrl(base);
  const name = `coffer_t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  if (options.migrate !== false) await database.migrate();
  return {
    ...database,
    dispose: async () => {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

const MIGRATIONS = path.join(process.cwd(), 'drizzle');

/**
 * Creating a PGlite cluster takes seconds (initdb in WASM); loading a dump of a migrated one takes about
 * one. The dump is made once per set of migrations and shared by every test process through a file.
 */
async function migratedPgliteTemplate(): Promise<Blob> {
  const hash = crypto.createHash('sha256');
  for (const name of fs.readdirSync(MIGRATIONS).filter((n) => n.endsWith('.sql')).sort()) {
    hash.update(name).update(fs.readFileSync(path.join(MIGRATIONS, name)));
  }
  const file = path.join(os.tmpdir(), `coffer-pglite-template-${hash.digest('hex').slice(0, 16)}.tar`);
  if (!fs.existsSync(file)) {
    const database = await openDatabase({ pgliteDir: 'memory://' });
    await database.migrate();
    const client = database.client;
    if (!client) throw new Error('PGlite client not exposed');
    const dump = Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer());
    await database.close();
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, dump);
    fs.renameSync(tmp, file);
  }
  return new Blob([fs.readFileSync(file)]);
}
