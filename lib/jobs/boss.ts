/**
 * pg-boss on Coffer's own database connection, on either driver. PGlite goes through pg-boss's
 * `fromPglite` adapter (multi-statement SQL through PGlite's `exec`, rows of every statement returned);
 * PostgreSQL through a small adapter over the app's postgres-js pool, which runs parameterless
 * (possibly multi-statement, BEGIN…COMMIT) SQL on a reserved connection with the simple protocol, as
 * postgres-js refuses transactions on pooled connections.
 *
 * pg-boss 12 declares node >= 22.12 but runs on Node 20.20 here (its test of start, send, work, group
 * concurrency and cancel passes on both drivers), so it is used rather than 10.x.
 */
import { PgBoss, fromPglite } from 'pg-boss';
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import type { Database } from '@/lib/db';

/** pg-boss's database interface (the part Coffer implements). */
interface BossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** An adapter over a postgres-js pool. */
export function fromPostgresJs(sql: Sql): BossDb {
  return {
    async executeSql(text, values) {
      if (values && values.length > 0) {
        // postgres-js serialises by the server's parameter type; a Date bound to text needs a string. Do as
        // pg (pg-boss's usual driver) does for the rest: undefined is NULL, a plain object is its JSON
        // (schedule() passes its data and options objects that way).
        const params = values.map((v) =>
          v instanceof Date ? v.toISOString() : v === undefined ? null : v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) ? JSON.stringify(v) : v,
        );
        return { rows: [...(await sql.unsafe(text, params as never[]))] };
      }
      const reserved = await sql.reserve();
      try {
        const result = (await reserved.unsafe(text).simple()) as unknown as unknown[];
        // A multi-statement query answers one result per statement; pg-boss wants all their rows.
        const rows = result.length > 0 && result.every((r) => Array.isArray(r)) ? (result as unknown[][]).flatMap((r) => [...r]) : [...result];
        return { rows };
      } catch (err) {
        // A failed statement inside BEGIN leaves the session aborted; clean it before the pool reuses it.
        await reserved.unsafe('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        reserved.release();
      }
    },
  };
}

/** The schema pg-boss keeps its tables in. */
export const BOSS_SCHEMA = 'pgboss';

/** A pg-boss instance on `database` (not started). The caller starts and stops it. */
export function createBoss(database: Database): PgBoss {
  const client = (database.db as unknown as { $client: unknown }).$client;
  const db = database.driver === 'pglite' ? fromPglite(client as PGlite) : fromPostgresJs(client as Sql);
  const boss = new PgBoss({
    db: db as never,
    schema: BOSS_SCHEMA,
    ...(database.driver === 'pglite' ? { backend: 'pglite' as never } : {}),
  });
  // An 'error' event without a listener would throw and take the server down; pg-boss retries by itself.
  boss.on('error', (err: unknown) => console.error('Job queue error (pg-boss):', err));
  return boss;
}
