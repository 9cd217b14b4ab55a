import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BLOB_DATA, deriveKeys, openBlobPayload, openBlobPayloadInto, packKey, sealBlob, sealBlobInto, sealedLength, type RepoCrypto } from './crypto';
import { IntegrityError } from './errors';

const repoId = crypto.randomBytes(32);
const enc: RepoCrypto = { repoId, keys: deriveKeys(crypto.randomBytes(64), repoId) };
const plainRepo: RepoCrypto = { repoId, keys: null };
const key = packKey(enc, BLOB_DATA, crypto.randomBytes(32))!;

// Sizes around the 64 KiB slice the `…Into` variants work in, and empty.
const SIZES = [0, 1, 65_535, 65_536, 65_537, 3 * 65_536 + 7];

describe('sealing into and opening into caller buffers', () => {
  it.each(SIZES)('sealBlobInto and sealBlob are interchangeable (%i bytes)', (n) => {
    const payload = crypto.randomBytes(n);
    const ref = { type: BLOB_DATA, id: crypto.randomBytes(32), rawLength: n, codec: 'none' } as const;
    const out = Buffer.alloc(sealedLength(enc, n) + 10, 0xee);
    const length = sealBlobInto(enc, key, ref, payload, out, 5);
    expect(length).toBe(n + 28);
    expect(out.subarray(0, 5).every((b) => b === 0xee)).toBe(true);
    expect(out.subarray(5 + length).every((b) => b === 0xee)).toBe(true);
    const stored = out.subarray(5, 5 + length);
    expect(openBlobPayload(enc, key, ref, stored, 'blob').equals(payload)).toBe(true);
    const into = openBlobPayloadInto(enc, key, ref, Buffer.concat(sealBlob(enc, key, ref, payload)), Buffer.alloc(n + 3), 'blob');
    expect(into.equals(payload)).toBe(true);
  });

  it('refuses a flipped byte in any slice, and a wrong associated length', () => {
    const n = 3 * 65_536 + 7;
    const payload = crypto.randomBytes(n);
    const ref = { type: BLOB_DATA, id: crypto.randomBytes(32), rawLength: n, codec: 'none' } as const;
    const stored = Buffer.alloc(sealedLength(enc, n));
    sealBlobInto(enc, key, ref, payload, stored, 0);
    for (const at of [0, 12, 70_000, n + 12, stored.length - 1]) {
      const bad = Buffer.from(stored);
      bad[at]! ^= 1;
      expect(() => openBlobPayloadInto(enc, key, ref, bad, Buffer.alloc(n), 'blob x')).toThrow(IntegrityError);
    }
    expect(() => openBlobPayloadInto(enc, key, { ...ref, rawLength: n + 1 }, stored, Buffer.alloc(n), 'blob x')).toThrow(/blob x failed authentication/);
  });

  it('copies the payload as is in plain repositories and refuses a buffer that is too small', () => {
    const payload = crypto.randomBytes(1000);
    const ref = { type: BLOB_DATA, id: crypto.randomBytes(32), rawLength: 1000, codec: 'none' } as const;
    const out = Buffer.alloc(1000);
    expect(sealBlobInto(plainRepo, null, ref, payload, out, 0)).toBe(1000);
    expect(out.equals(payload)).toBe(true);
    expect(openBlobPayloadInto(plainRepo, null, ref, out, Buffer.alloc(0), 'blob')).toBe(out);
    expect(() => sealBlobInto(enc, key, ref, payload, Buffer.alloc(1027), 0)).toThrow(RangeError);
  });
});

describe('nonces', () => {
  it('gives every sealed blob a fresh nonce, across the batches they are drawn in', () => {
    const ref = { type: BLOB_DATA, id: crypto.randomBytes(32), rawLength: 1, codec: 'none' } as const;
    const seen = new Set<string>();
    // 3000 blobs span three batches of 1024 nonces.
    for (let i = 0; i < 3000; i++) seen.add(sealBlob(enc, key, ref, Buffer.from([i & 0xff]))[0]!.subarray(0, 12).toString('hex'));
    expect(seen.size).toBe(3000);
  });
});
