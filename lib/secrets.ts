/**
 * The server's secrets: AUTH_SECRET (signs session tokens) and the server key (seals remembered
 * repository passphrases). Taken from the configuration when set; otherwise generated once into
 * `$COFFER_DATA_DIR/secrets.json` with mode 0600.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Secrets {
  authSecret: string;
  /** 32 bytes, hex. */
  serverKey: string;
}

/**
 * Returns the secrets, generating and saving those the configuration lacks. `log` receives one line when
 * the file is written (never the secrets themselves).
 */
export function loadSecrets(
  dataDir: string,
  configured: { authSecret?: string; serverKey?: string },
  log: (line: string) => void = console.log,
): Secrets {
  if (configured.authSecret && configured.serverKey) {
    return { authSecret: configured.authSecret, serverKey: configured.serverKey };
  }
  const file = path.join(dataDir, 'secrets.json');
  let stored: Partial<Secrets> = {};
  try {
    stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Secrets>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`Cannot read ${file}: ${(err as Error).message}. Fix or remove the file (sessions and remembered passphrases depend on it).`, { cause: err });
    }
  }
  const secrets: Secrets = {
    authSecret: configured.authSecret ?? stored.authSecret ?? crypto.randomBytes(33).toString('base64url'),
    serverKey: configured.serverKey ?? stored.serverKey ?? crypto.randomBytes(32).toString('hex'),
  };
  const changed = secrets.authSecret !== stored.authSecret || secrets.serverKey !== stored.serverKey;
  if (changed && !(configured.authSecret && stored.serverKey) && !(configured.serverKey && stored.authSecret)) {
    fs.mkdirSync(dataDir, { recursive: true });
    const toStore: Partial<Secrets> = {};
    if (!configured.authSecret) toStore.authSecret = secrets.authSecret;
    if (!configured.serverKey) toStore.serverKey = secrets.serverKey;
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(toStore, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, file);
    log(`Generated ${Object.keys(toStore).join(' and ')} into ${file} (mode 0600); set AUTH_SECRET and COFFER_SERVER_KEY to manage them yourself.`);
  }
  return secrets;
}
