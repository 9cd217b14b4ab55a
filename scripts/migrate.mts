/** `npm run db:migrate`: applies pending migrations to the configured database and exits. */
import path from 'node:path';
import { loadConfig } from '../lib/config';
import { openDatabase } from '../lib/db/client';

const config = loadConfig();
const database = await openDatabase({ url: config.DATABASE_URL, pgliteDir: path.join(config.COFFER_DATA_DIR, 'pg') });
await database.migrate();
await database.close();
console.log(`Migrations applied (${database.driver}).`);
