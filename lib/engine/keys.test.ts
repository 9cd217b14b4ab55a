import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WrongPassphraseError } from './errors';
import { cleanup, tempDir, TEST_PASSPHRASE, testBackends, type TestStore } from './test-helpers';

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));

/** SHA-256 of every object outside keys/ (and locks/, which come and go). */
async function dataDigest(store: TestStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of await store.keys()) {
    if (name.startsWith('keys/') || name.startsWith('locks/')) continue;
    out.set(name, crypto.createHash('sha256').update(await store.storage.read(name)).digest('hex'));
  }
  return out;
}

// The key derivation (argon2id, 64 MiB) runs for every open and every new slot: seconds on a loaded machine.
for (const backend of testBackends()) describe(`keys (${backend.kind})`, { timeout: 180_000 }, () => {
  it('changes the passphrase: the new one opens, the old one is refused, data files are unchanged', async () => {
    const { store, repo } = await backend.makeRepo('aes-256-gcm');
    const src = tempDir('coffer-src');
    dirs.push(src);
    fs.writeFileSync(path.join(src, 'f.txt'), 'secret content\n'.repeat(1000));
    await repo.backup([src]);
    const before = await dataDigest(store);
    const [old] = await repo.listKeys();
    const change = await repo.changePassphrase(TEST_PASSPHRASE, 'a brand new passphrase');
    expect(change.removed).toBe(old!.id);
    expect((await repo.listKeys()).map((k) => k.id)).toEqual([change.added]);
    await expect(backend.reopen(store, TEST_PASSPHRASE)).rejects.toBeInstanceOf(WrongPassphraseError);
    const again = await backend.reopen(store, 'a brand new passphrase');
    expect(await again.listSnapshots()).toHaveLength(1);
    expect(await dataDigest(store)).toEqual(before);
    await expect(again.changePassphrase('not the passphrase', 'x')).rejects.toBeInstanceOf(WrongPassphraseError);
    expect((await again.listKeys()).map((k) => k.id)).toEqual([change.added]);
  });

  it('adds a second passphrase, removes a slot by prefix, and never removes the last one', async () => {
    const { store, repo } = await backend.makeRepo('aes-256-gcm');
    const added = await repo.addKey(TEST_PASSPHRASE, 'second passphrase');
    expect(await repo.listKeys()).toHaveLength(2);
    expect((await backend.reopen(store, 'second passphrase')).id).toBe(repo.id);
    await expect(repo.addKey('wrong', 'third')).rejects.toBeInstanceOf(WrongPassphraseError);
    const first = (await repo.listKeys()).find((k) => k.id !== added)!;
    expect(await repo.removeKey(first.id.slice(0, 8))).toBe(first.id);
    await expect(backend.reopen(store, TEST_PASSPHRASE)).rejects.toBeInstanceOf(WrongPassphraseError);
    await expect(repo.removeKey(added)).rejects.toThrow(/only key slot/);
    await expect(repo.removeKey('ffff')).rejects.toThrow(/No key slot matches/);
    expect((await repo.listKeys()).map((k) => k.id)).toEqual([added]);
  });

  it('refuses key operations on a plain repository', async () => {
    const { store, repo } = await backend.makeRepo('none');
    await expect(repo.listKeys()).rejects.toThrow(/not encrypted/);
    await expect(repo.addKey('', 'x')).rejects.toThrow(/not encrypted/);
    expect(await store.keys('keys')).toEqual([]);
  });
});
