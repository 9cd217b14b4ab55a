import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { users } from './schema';
import { assertLocalDatabaseUrl, createTestDatabase, testDrivers, type TestDatabase } from './testing';

const EXPECTED_TABLES = ['app_settings', 'audit_events', 'jobs', 'one_time_codes', 'plans', 'rate_limits', 'repositories', 'snapshots', 'users'];

describe.each(testDrivers())('migrations on %s', (driver) => {
  const opened: TestDatabase[] = [];
  afterAll(async () => {
    for (const d of opened) await d.dispose();
  });

  it('apply to an empty database and create every table', async () => {
    const database = await createTestDatabase(driver, { migrate: false });
    opened.push(database);
    await database.migrate();
    const rows = await database.db.execute<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    const names = (Array.isArray(rows) ? rows : (rows as { rows: { table_name: string }[] }).rows).map((r) => r.table_name);
    for (const t of EXPECTED_TABLES) expect(names).toContain(t);
  });

  it('are idempotent: applying them again changes nothing and keeps data', async () => {
    const database = await createTestDatabase(driver);
    opened.push(database);
    await database.db.insert(users).values({ email: 'a@example.com', name: 'A', passwordHash: 'x' });
    await database.migrate();
    await database.migrate();
    const all = await database.db.select().from(users);
    expect(all.map((u) => u.email)).toEqual(['a@example.com']);
  });

  it('enforce lower-case unique emails', async () => {
    const database = await createTestDatabase(driver);
    opened.push(database);
    await expect(database.db.insert(users).values({ email: 'Upper@example.com', name: 'U', passwordHash: 'x' })).rejects.toThrow();
    await database.db.insert(users).values({ email: 'b@example.com', name: 'B', passwordHash: 'x' });
    await expect(database.db.insert(users).values({ email: 'b@example.com', name: 'B2', passwordHash: 'y' })).rejects.toThrow();
  });
});

describe('test database guard', () => {
  it('refuses a non-local database URL', () => {
    expect(() => assertLocalDatabaseUrl('postgres://u@db.example.com:5432/prod')).toThrow(/non-local database/);
    expect(() => assertLocalDatabaseUrl('postgres://postgres@127.0.0.1:5432/postgres')).not.toThrow();
  });
});
