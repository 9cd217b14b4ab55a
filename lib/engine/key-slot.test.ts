import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { hashRaw, type Algorithm, type Version } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { EngineError, UnsupportedFormatError, WrongPassphraseError } from './errors';
import { KDF_ALLOW_LIST, createKeySlot, openKeySlot, parseKeySlot } from './key-slot';

/** A slot createKeySlot made, with the inputs that open it (see its "about"). */
const fixture = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'testdata/key-slot-argon2id.json'), 'utf8')) as {
  passphrase: string;
  repoId: string;
  slotId: string;
  master: string;
  slot: Record<string, unknown>;
};
const repoId = Buffer.from(fixture.repoId, 'hex');
const raw = (slot: Record<string, unknown>) => Buffer.from(JSON.stringify(slot));

describe('key slots', { timeout: 60_000 }, () => {
  it('computes argon2id as the reference implementation does', async () => {
    // The argon2id (version 0x13) vector of the reference implementation's tests: m = 64 MiB, t = 2.
    const tag = await hashRaw('password', {
      algorithm: 2 as Algorithm,
      version: 1 as Version,
      memoryCost: 65536,
      timeCost: 2,
      parallelism: 1,
      salt: Buffer.from('somesalt'),
      outputLen: 32,
    });
    expect(tag.toString('hex')).toBe('09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7');
  });

  it('opens a committed argon2id slot to its master key, and refuses another passphrase', async () => {
    const master = await openKeySlot(raw(fixture.slot), fixture.passphrase, repoId, fixture.slotId);
    expect(master.toString('hex')).toBe(fixture.master);
    await expect(openKeySlot(raw(fixture.slot), 'not the passphrase', repoId, fixture.slotId)).rejects.toBeInstanceOf(WrongPassphraseError);
    // The slot is bound to its repository and its name.
    await expect(openKeySlot(raw(fixture.slot), fixture.passphrase, crypto.randomBytes(32), fixture.slotId)).rejects.toBeInstanceOf(
      WrongPassphraseError,
    );
  });

  it('makes new slots with argon2id, m = 64 MiB, t = 3, p = 1', async () => {
    const master = crypto.randomBytes(64);
    const slot = await createKeySlot(master, 'a passphrase', repoId, 'f'.repeat(32));
    expect(slot.kdf).toBe('argon2id');
    expect(slot.params).toEqual({ m: 65536, t: 3, p: 1 });
    expect(KDF_ALLOW_LIST[0]).toEqual({ kdf: 'argon2id', params: { m: 65536, t: 3, p: 1 } });
    expect(await openKeySlot(raw(slot), 'a passphrase', repoId, 'f'.repeat(32))).toEqual(master);
  });

  it('refuses KDF parameters outside the allow-list before running the KDF', async () => {
    const refused: [string, Record<string, unknown>][] = [
      ['argon2id', { m: 2 ** 31, t: 3, p: 1 }], // 2 TiB: would never finish if it ran
      ['argon2id', { m: 8, t: 3, p: 1 }],
      ['argon2id', { m: 65536, t: 1, p: 1 }],
      ['argon2id', { m: 65536, t: 3, p: 4 }],
      ['argon2id', { m: 65536, t: 3, p: 1, extra: 1 }],
      ['argon2id', { N: 2 ** 17, r: 8, p: 1 }],
      ['argon2i', { m: 65536, t: 3, p: 1 }],
      ['scrypt', { m: 65536, t: 3, p: 1 }],
      ['scrypt', { N: 2 ** 40, r: 8, p: 1 }],
    ];
    for (const [kdf, params] of refused) {
      const slot = { ...fixture.slot, kdf, params };
      expect(() => parseKeySlot(raw(slot), 'keys/x')).toThrow(UnsupportedFormatError);
      await expect(openKeySlot(raw(slot), fixture.passphrase, repoId, fixture.slotId)).rejects.toBeInstanceOf(UnsupportedFormatError);
    }
  });

  it('does not open a slot whose KDF was switched to the other allowed one', async () => {
    const switched = { ...fixture.slot, kdf: 'scrypt', params: { N: 2 ** 17, r: 8, p: 1 } };
    expect(parseKeySlot(raw(switched), 'keys/x').slot.kdf).toBe('scrypt');
    // The KDF and its parameters are part of the slot's associated data and commitment.
    await expect(openKeySlot(raw(switched), fixture.passphrase, repoId, fixture.slotId)).rejects.toBeInstanceOf(EngineError);
  });
});
