/**
 * What the server does once at start: check the configuration, make the data folder, load or generate
 * the secrets, open the database and apply migrations. Called from instrumentation.ts.
 */
import 'server-only';
import fs from 'node:fs';
import { ConfigError, getConfig } from '../config';
import { getDatabase } from '../db';
import { loadSecrets } from '../secrets';

export async function bootServer(): Promise<void> {
  let config;
  try {
    config = getConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  fs.mkdirSync(config.COFFER_DATA_DIR, { recursive: true });
  const secrets = loadSecrets(config.COFFER_DATA_DIR, { authSecret: config.AUTH_SECRET, serverKey: config.COFFER_SERVER_KEY });
  process.env.AUTH_SECRET ??= secrets.authSecret;
  const database = await getDatabase();
  console.log(`Coffer: database ready (${database.driver === 'pglite' ? `PGlite in ${config.COFFER_DATA_DIR}/pg` : 'PostgreSQL'}).`);
  await (await import('../jobs')).startJobs();
}
