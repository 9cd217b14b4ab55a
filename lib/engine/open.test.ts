import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IntegrityError, NotARepositoryError, UnsupportedFormatError, WrongPassphraseError } from './errors';
import { initRepository, openRepository } from './index';
import { cleanup, makeRepo, reopen, tempDir, testStorage } from './test-helpers';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

const slotFile = (dir: string) => path.join(dir, 'keys', fs.readdirSync(path.join(dir, 'keys'))[0]!);

describe('opening a repository', () => {
  it('refuses a wrong passphrase with WrongPassphraseError and writes nothing', async () => {
    const { dir } = await makeRepo('aes-256-gcm');
    dirs.push(dir);
    const before = fs.readdirSync(dir).sort();
    await expect(reopen(dir, 'wrong passphrase')).rejects.toBeInstanceOf(WrongPassphraseError);
    await expect(openRepository(testStorage(dir))).rejects.toBeInstanceOf(WrongPassphraseError);
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });

  it('refuses weakened or absurd KDF parameters before running the KDF', async () => {
    const { dir } = await makeRepo('aes-256-gcm');
    dirs.push(dir);
    const original = fs.readFileSync(slotFile(dir), 'utf8');
    // N = 2^40 would need terabytes and hours if it ran; a refusal that fast proves it did not.
    for (const params of [{ N: 2 ** 10, r: 8, p: 1 }, { N: 2 ** 40, r: 8, p: 1 }, { N: 2 ** 17, r: 1, p: 1 }, { N: 2 ** 17, r: 8, p: 64 }]) {
      const slot = JSON.parse(original) as Record<string, unknown>;
      slot.params = params;
      fs.writeFileSync(slotFile(dir), JSON.stringify(slot));
      await expect(reopen(dir)).rejects.toBeInstanceOf(UnsupportedFormatError);
    }
    const slot = JSON.parse(original) as Record<string, unknown>;
    slot.kdf = 'pbkdf2';
    fs.writeFileSync(slotFile(dir), JSON.stringify(slot));
    await expect(reopen(dir)).rejects.toBeInstanceOf(UnsupportedFormatError);
  });

  it('reports a damaged key slot as an integrity error, not a wrong passphrase', async () => {
    const { dir } = await makeRepo('aes-256-gcm');
    dirs.push(dir);
    const slot = JSON.parse(fs.readFileSync(slotFile(dir), 'utf8')) as Record<string, string>;
    const wrapped = Buffer.from(slot.wrapped!, 'base64');
    wrapped[3] = wrapped[3]! ^ 1;
    slot.wrapped = wrapped.toString('base64');
    fs.writeFileSync(slotFile(dir), JSON.stringify(slot));
    // The commitment covers the wrapped key, so a changed ciphertext no longer matches it.
    await expect(reopen(dir)).rejects.toBeInstanceOf(WrongPassphraseError);
    slot.wrapped = 'not base64!';
    fs.writeFileSync(slotFile(dir), JSON.stringify(slot));
    await expect(reopen(dir)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('detects a config changed behind its MAC (encryption switched off)', async () => {
    const { dir } = await makeRepo('aes-256-gcm');
    dirs.push(dir);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config'), 'utf8')) as Record<string, unknown>;
    config.chunker = { algorithm: 'fastcdc-v1', min: 2048, avg: 4096, max: 16384 };
    fs.writeFileSync(path.join(dir, 'config'), JSON.stringify(config));
    await expect(reopen(dir)).rejects.toBeInstanceOf(IntegrityError);
    config.encryption = 'none';
    fs.writeFileSync(path.join(dir, 'config'), JSON.stringify(config));
    // Switching to "none" would make new backups unencrypted: the key slots give it away.
    await expect(reopen(dir)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('says when a folder is not a repository or is of a newer format', async () => {
    const empty = tempDir('coffer-empty');
    dirs.push(empty);
    await expect(openRepository(testStorage(empty))).rejects.toBeInstanceOf(NotARepositoryError);
    fs.writeFileSync(path.join(empty, 'config'), '{"hello": 1}');
    await expect(openRepository(testStorage(empty))).rejects.toBeInstanceOf(NotARepositoryError);
    fs.writeFileSync(path.join(empty, 'config'), 'not json');
    await expect(openRepository(testStorage(empty))).rejects.toBeInstanceOf(NotARepositoryError);
    const { dir } = await makeRepo('none');
    dirs.push(dir);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config'), 'utf8')) as Record<string, unknown>;
    config.version = 2;
    fs.writeFileSync(path.join(dir, 'config'), JSON.stringify(config));
    await expect(reopen(dir)).rejects.toBeInstanceOf(UnsupportedFormatError);
  });

  it('refuses to initialise over an existing repository or without a passphrase', async () => {
    const { dir } = await makeRepo('none');
    dirs.push(dir);
    await expect(initRepository(testStorage(dir), { encryption: 'none' })).rejects.toThrow(/already holds a repository/);
    const other = tempDir('coffer-repo');
    dirs.push(other);
    await expect(initRepository(testStorage(other), { encryption: 'aes-256-gcm' })).rejects.toThrow(/passphrase/);
  });
});
