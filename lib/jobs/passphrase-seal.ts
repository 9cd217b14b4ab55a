/**
 * Remembered passphrases (opt-in, for scheduled backups) are sealed with the server key: AES-256-GCM with
 * a random 96-bit nonce and the repository id as associated data, so a sealed value copied onto another
 * repository's row does not open. Format: `v1.<nonce b64url>.<ciphertext‖tag b64url>`.
 */
import crypto from 'node:crypto';

const VERSION = 'v1';

function keyFrom(serverKeyHex: string): Buffer {
  const key = Buffer.from(serverKeyHex, 'hex');
  if (key.length !== 32) throw new Error('The server key must be 32 bytes (64 hexadecimal characters).');
  return key;
}

/** Seals `passphrase` for the repository `repositoryId` under the server key (hex). */
export function sealPassphrase(passphrase: string, repositoryId: string, serverKeyHex: string): string {
  return sealSecret(passphrase, `coffer-passphrase:${repositoryId}`, serverKeyHex);
}

/**
 * Seals any secret under the server key, bound to `label` (associated data): the same label is needed to
 * open it, so a value sealed as one thing (S3 credentials) never opens as another (a passphrase).
 */
export function sealSecret(secret: string, label: string, serverKeyHex: string): string {
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', keyFrom(serverKeyHex), nonce);
  cipher.setAAD(Buffer.from(label));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

/**
 * Opens a value made by sealPassphrase for the same repository and key. Throws when it was made for
 * another repository, under another key, or was altered.
 */
export function openPassphrase(sealed: string, repositoryId: string, serverKeyHex: string): string {
  return openSecret(sealed, `coffer-passphrase:${repositoryId}`, serverKeyHex);
}

/** Opens a value made by sealSecret with the same label and key; throws like openPassphrase. */
export function openSecret(sealed: string, label: string, serverKeyHex: string): string {
  const [version, nonceText, bodyText] = sealed.split('.');
  if (version !== VERSION || !nonceText || !bodyText) throw new Error('The sealed secret is in an unknown format.');
  const nonce = Buffer.from(nonceText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (nonce.length !== 12 || body.length < 16) throw new Error('The sealed secret is damaged.');
  const decipher = crypto.createDecipheriv('aes-256-gcm', keyFrom(serverKeyHex), nonce);
  decipher.setAAD(Buffer.from(label));
  decipher.setAuthTag(body.subarray(body.length - 16));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new Error('A remembered secret (passphrase or storage credentials) cannot be opened with this server key (was the key changed?).', { cause: err });
  }
}
