/**
 * Key slots (docs/format.md "Key slots"): the master key wrapped under a key derived from a passphrase.
 * KDF parameters are read only from an allow-list, checked before the KDF runs, so a tampered slot can
 * neither weaken the KDF nor make opening cost unbounded time or memory.
 *
 * New slots use argon2id (m = 64 MiB, t = 3, p = 1: RFC 9106's recommendation for 64 MiB, and borg's
 * choice for its key files) through `@node-rs/argon2`; slots made with scrypt (N = 2^17, r = 8, p = 1)
 * still open. Both are memory-hard at the level OWASP recommends; on this project's machines argon2id
 * derived in 0.06-0.12 s where scrypt took 0.75 s, a cost every command and every web request that
 * opens a repository paid, and it holds 64 MiB instead of 128 while it runs.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { Algorithm, Version } from '@node-rs/argon2';
import { IntegrityError, UnsupportedFormatError, WrongPassphraseError } from './errors';

const scrypt = promisify(crypto.scrypt) as (
  pw: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  len: number,
  opts: crypto.ScryptOptions,
) => Promise<Buffer>;

/** A KDF and its parameters, as a slot names them. */
export type KdfSpec =
  | { kdf: 'argon2id'; params: { m: number; t: number; p: number } }
  | { kdf: 'scrypt'; params: { N: number; r: number; p: number } };

/** The KDF parameter sets a slot may name; new slots use the first. */
export const KDF_ALLOW_LIST: readonly KdfSpec[] = [
  { kdf: 'argon2id', params: { m: 64 * 1024, t: 3, p: 1 } },
  { kdf: 'scrypt', params: { N: 2 ** 17, r: 8, p: 1 } },
];
const SCRYPT_MAXMEM = 256 * 1024 * 1024;

/** The stored JSON form of a key slot. */
export type KeySlotFile = {
  version: 1;
  salt: string;
  nonce: string;
  wrapped: string;
  commitment: string;
  created: string;
} & KdfSpec;

/** The three parameters of a spec in the order the associated data lists them. */
function paramWords(spec: KdfSpec): [number, number, number] {
  return spec.kdf === 'scrypt' ? [spec.params.N, spec.params.r, spec.params.p] : [spec.params.m, spec.params.t, spec.params.p];
}

function slotAd(slot: KeySlotFile, salt: Buffer, repoId: Buffer, slotId: string): Buffer {
  const s = (x: string) => {
    const b = Buffer.from(x, 'utf8');
    const l = Buffer.alloc(2);
    l.writeUInt16LE(b.length);
    return Buffer.concat([l, b]);
  };
  const nums = Buffer.alloc(16);
  nums.writeUInt32LE(slot.version, 0);
  paramWords(slot).forEach((word, i) => nums.writeUInt32LE(word, 4 + 4 * i));
  return Buffer.concat([
    Buffer.from('coffer-key-slot v1\0', 'ascii'),
    nums.subarray(0, 4),
    s(slot.kdf),
    nums.subarray(4),
    Buffer.from([salt.length]),
    salt,
    repoId,
    s(slotId),
  ]);
}

function commitment(commitKey: Buffer, ad: Buffer, nonce: Buffer, wrapped: Buffer): Buffer {
  return crypto
    .createHmac('sha256', commitKey)
    .update('coffer-key-commitment v1\0')
    .update(ad)
    .update(nonce)
    .update(wrapped)
    .digest();
}

async function kdf(passphrase: string, salt: Buffer, spec: KdfSpec) {
  const pw = Buffer.from(passphrase, 'utf8');
  let k: Buffer;
  if (spec.kdf === 'scrypt') {
    k = await scrypt(pw, salt, 64, { N: spec.params.N, r: spec.params.r, p: spec.params.p, maxmem: SCRYPT_MAXMEM });
  } else {
    // Loaded on first use: a repository with scrypt slots only never needs the native package.
    const { hashRaw } = await import('@node-rs/argon2');
    // `Algorithm` and `Version` are ambient const enums: 2 is Argon2id, 1 is version 0x13.
    const { m, t, p } = spec.params;
    k = await hashRaw(pw, { algorithm: 2 as Algorithm, version: 1 as Version, memoryCost: m, timeCost: t, parallelism: p, salt, outputLen: 64 });
  }
  return { kek: k.subarray(0, 32), commitKey: k.subarray(32) };
}

/** Wraps `master` under `passphrase` into a new slot for repository `repoId` stored as `keys/<slotId>`. */
export async function createKeySlot(master: Buffer, passphrase: string, repoId: Buffer, slotId: string): Promise<KeySlotFile> {
  const spec = KDF_ALLOW_LIST[0]!;
  const salt = crypto.randomBytes(32);
  const nonce = crypto.randomBytes(12);
  const slot: KeySlotFile = {
    version: 1,
    ...spec,
    salt: salt.toString('base64'),
    nonce: nonce.toString('base64'),
    wrapped: '',
    commitment: '',
    created: new Date().toISOString(),
  };
  const { kek, commitKey } = await kdf(passphrase, salt, slot);
  const ad = slotAd(slot, salt, repoId, slotId);
  const cipher = crypto.createCipheriv('aes-256-gcm', kek, nonce);
  cipher.setAAD(ad);
  const wrapped = Buffer.concat([cipher.update(master), cipher.final(), cipher.getAuthTag()]);
  slot.wrapped = wrapped.toString('base64');
  slot.commitment = commitment(commitKey, ad, nonce, wrapped).toString('base64');
  return slot;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
function b64(v: unknown, object: string, min: number, max: number): Buffer {
  if (typeof v !== 'string' || !B64.test(v) || v.length > 4 * max) throw new IntegrityError(`${object} is malformed`, object);
  const b = Buffer.from(v, 'base64');
  if (b.length < min || b.length > max) throw new IntegrityError(`${object} has a field of the wrong length`, object);
  return b;
}

/**
 * Parses and validates a stored slot without running the KDF. Throws UnsupportedFormatError for
 * unknown versions or KDF parameters outside the allow-list, IntegrityError for malformed slots.
 */
export function parseKeySlot(raw: Buffer, object: string): { slot: KeySlotFile; salt: Buffer; nonce: Buffer; wrapped: Buffer; commit: Buffer } {
  let j: unknown;
  try {
    j = JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw new IntegrityError(`${object} is not valid JSON`, object, { cause });
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new IntegrityError(`${object} is malformed`, object);
  const o = j as Record<string, unknown>;
  if (o.version !== 1) throw new UnsupportedFormatError(`${object} has key slot version ${String(o.version)}, which this Coffer does not know`);
  const params = o.params as Record<string, unknown> | null;
  if (typeof params !== 'object' || params === null) throw new IntegrityError(`${object} has no KDF parameters`, object);
  const spec = KDF_ALLOW_LIST.find(
    (a) =>
      a.kdf === o.kdf &&
      Object.keys(params).length === Object.keys(a.params).length &&
      Object.entries(a.params).every(([name, value]) => params[name] === value),
  );
  if (!spec) {
    throw new UnsupportedFormatError(
      `${object} names KDF parameters that are not allowed (${String(o.kdf)} ${JSON.stringify(params)}); refusing to use it`,
    );
  }
  const salt = b64(o.salt, object, 16, 64);
  const nonce = b64(o.nonce, object, 12, 12);
  const wrapped = b64(o.wrapped, object, 80, 80);
  const commit = b64(o.commitment, object, 32, 32);
  const slot: KeySlotFile = {
    version: 1,
    ...spec,
    salt: o.salt as string,
    nonce: o.nonce as string,
    wrapped: o.wrapped as string,
    commitment: o.commitment as string,
    created: typeof o.created === 'string' ? o.created : '',
  };
  return { slot, salt, nonce, wrapped, commit };
}

/**
 * Unwraps the master key from a stored slot. Throws WrongPassphraseError when the commitment does not
 * match, IntegrityError when the slot is damaged, UnsupportedFormatError for disallowed parameters.
 */
export async function openKeySlot(raw: Buffer, passphrase: string, repoId: Buffer, slotId: string): Promise<Buffer> {
  const object = `keys/${slotId}`;
  const { slot, salt, nonce, wrapped, commit } = parseKeySlot(raw, object);
  const { kek, commitKey } = await kdf(passphrase, salt, slot);
  const ad = slotAd(slot, salt, repoId, slotId);
  if (!crypto.timingSafeEqual(commitment(commitKey, ad, nonce, wrapped), commit)) {
    throw new WrongPassphraseError('The passphrase does not open this repository');
  }
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', kek, nonce);
    d.setAAD(ad);
    d.setAuthTag(wrapped.subarray(64));
    return Buffer.concat([d.update(wrapped.subarray(0, 64)), d.final()]);
  } catch (cause) {
    throw new IntegrityError(`${object} is damaged: the passphrase matches but the key does not decrypt`, object, { cause });
  }
}
