/**
 * The repository `config` object (docs/format.md "config"): parsing with typed errors, and the MAC that
 * binds it to the master key in encrypted repositories.
 */
import crypto from 'node:crypto';
import { validateChunkerParams, type ChunkerParams } from './chunker';
import { IntegrityError, NotARepositoryError, UnsupportedFormatError } from './errors';

/** Encryption modes a repository can use. */
export type Encryption = 'aes-256-gcm' | 'none';

/** The parsed repository configuration. */
export interface RepoConfig {
  format: 'coffer-repository';
  version: 1;
  id: string;
  encryption: Encryption;
  chunker: ChunkerParams & { algorithm: 'fastcdc-v1' };
  compression: string;
  packSize: number;
  mac?: string;
}

/** The bytes the config MAC covers: the config without `mac`, keys in a fixed order. */
function canonical(c: RepoConfig): string {
  return JSON.stringify({
    format: c.format,
    version: c.version,
    id: c.id,
    encryption: c.encryption,
    chunker: { algorithm: c.chunker.algorithm, min: c.chunker.min, avg: c.chunker.avg, max: c.chunker.max },
    compression: c.compression,
    packSize: c.packSize,
  });
}

/** Computes the config MAC under configKey. */
export function configMac(c: RepoConfig, configKey: Buffer): string {
  return crypto.createHmac('sha256', configKey).update(canonical(c)).digest('hex');
}

/** Serialises a config (with its MAC when present). */
export function serializeConfig(c: RepoConfig): Buffer {
  const o = JSON.parse(canonical(c)) as Record<string, unknown>;
  if (c.mac) o.mac = c.mac;
  return Buffer.from(JSON.stringify(o, null, 2) + '\n');
}

/** Checks the MAC of an encrypted repository's config; a mismatch is an IntegrityError. */
export function verifyConfigMac(c: RepoConfig, configKey: Buffer): void {
  const want = Buffer.from(configMac(c, configKey), 'hex');
  const got = Buffer.from(c.mac ?? '', 'hex');
  if (got.length !== 32 || !crypto.timingSafeEqual(want, got)) {
    throw new IntegrityError('The repository config was modified (its MAC does not match)', 'config');
  }
}

/** Parses stored config bytes. Throws NotARepositoryError or UnsupportedFormatError. */
export function parseConfig(raw: Buffer, location: string): RepoConfig {
  let j: unknown;
  try {
    j = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new NotARepositoryError(`${location} is not a Coffer repository (its config is not JSON)`);
  }
  const o = (typeof j === 'object' && j !== null ? j : {}) as Record<string, unknown>;
  if (o.format !== 'coffer-repository') throw new NotARepositoryError(`${location} is not a Coffer repository`);
  if (typeof o.version !== 'number' || o.version !== 1) {
    throw new UnsupportedFormatError(`${location} uses repository format version ${String(o.version)}; this Coffer reads version 1`);
  }
  if (o.encryption !== 'aes-256-gcm' && o.encryption !== 'none') {
    throw new UnsupportedFormatError(`${location} uses encryption "${String(o.encryption)}", which this Coffer does not know`);
  }
  const ch = (o.chunker ?? {}) as Record<string, unknown>;
  if (ch.algorithm !== 'fastcdc-v1') throw new UnsupportedFormatError(`${location} uses an unknown chunker "${String(ch.algorithm)}"`);
  const chunker = { algorithm: 'fastcdc-v1' as const, min: ch.min as number, avg: ch.avg as number, max: ch.max as number };
  try {
    validateChunkerParams(chunker);
  } catch (cause) {
    throw new NotARepositoryError(`${location} has invalid chunker parameters`, { cause });
  }
  if (typeof o.id !== 'string' || !/^[0-9a-f]{64}$/.test(o.id)) throw new NotARepositoryError(`${location} has an invalid repository id`);
  const packSize = o.packSize;
  if (typeof packSize !== 'number' || !Number.isInteger(packSize) || packSize < 1 << 16 || packSize > 256 << 20) {
    throw new NotARepositoryError(`${location} has an invalid pack size`);
  }
  if (typeof o.compression !== 'string') throw new NotARepositoryError(`${location} has an invalid compression setting`);
  if (o.mac !== undefined && (typeof o.mac !== 'string' || !/^[0-9a-f]{64}$/.test(o.mac))) {
    throw new NotARepositoryError(`${location} has an invalid config MAC`);
  }
  return {
    format: 'coffer-repository',
    version: 1,
    id: o.id,
    encryption: o.encryption,
    chunker,
    compression: o.compression,
    packSize,
    mac: o.mac as string | undefined,
  };
}
