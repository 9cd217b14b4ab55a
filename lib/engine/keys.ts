/**
 * Key management (docs/format.md "Key slots"): list, add, change and remove passphrases of an
 * encrypted repository. Only `keys/` objects are written or deleted; the master key, and so every
 * data, tree, index and snapshot object, stays as it is. The caller holds the exclusive lock.
 */
import crypto from 'node:crypto';
import { deriveKeys } from './crypto';
import { EngineError, NotFoundError, WrongPassphraseError } from './errors';
import { createKeySlot, openKeySlot, parseKeySlot } from './key-slot';
import type { RepositoryCore } from './repository';

/** One key slot as `listKeys` reports it. */
export interface KeyInfo {
  /** The slot id (32 hex chars), the name after `keys/`. */
  id: string;
  /** When the slot was created (ISO 8601, as recorded in the slot; '' when absent). */
  created: string;
}

/** What `changePassphrase` did. */
export interface PassphraseChange {
  /** The new slot. */
  added: string;
  /** The slot that opened with the old passphrase and was removed. */
  removed: string;
}

const SLOT_NAME = /^keys\/[0-9a-f]{32}$/;

function requireEncrypted(repo: RepositoryCore): void {
  if (repo.config.encryption === 'none' || !repo.crypto.keys) {
    throw new EngineError('This repository is not encrypted: it has no passphrases to manage');
  }
}

async function slotIds(repo: RepositoryCore): Promise<string[]> {
  return (await repo.storage.list('keys')).filter((e) => SLOT_NAME.test(e.name)).map((e) => e.name.slice(5)).sort();
}

/**
 * Finds the slot `passphrase` opens and returns its id and the master key. The master key must be the
 * one this handle was opened with (a slot of a foreign master key cannot pass the config MAC, but a
 * planted one could still wrap another key: refuse it). Throws WrongPassphraseError when none opens.
 */
async function unlock(repo: RepositoryCore, passphrase: string): Promise<{ slot: string; master: Buffer }> {
  for (const id of await slotIds(repo)) {
    let master: Buffer;
    try {
      master = await openKeySlot(await repo.storage.read(`keys/${id}`), passphrase, repo.crypto.repoId, id);
    } catch (e) {
      if (e instanceof WrongPassphraseError || e instanceof NotFoundError) continue;
      throw e;
    }
    const keys = deriveKeys(master, repo.crypto.repoId);
    if (!crypto.timingSafeEqual(keys.configKey, repo.crypto.keys!.configKey)) {
      throw new EngineError(`keys/${id} opens with this passphrase but holds a different master key; refusing to use it`);
    }
    return { slot: id, master };
  }
  throw new WrongPassphraseError('The passphrase does not open this repository');
}

/** Writes a new slot for `master` under `passphrase` and reads it back before returning its id. */
async function addSlot(repo: RepositoryCore, master: Buffer, passphrase: string): Promise<string> {
  const id = crypto.randomBytes(16).toString('hex');
  const slot = await createKeySlot(master, passphrase, repo.crypto.repoId, id);
  await repo.storage.write(`keys/${id}`, Buffer.from(JSON.stringify(slot, null, 2) + '\n'), { exclusive: true });
  // Read back through the normal open path: only a slot proven to open may replace another.
  const back = await openKeySlot(await repo.storage.read(`keys/${id}`), passphrase, repo.crypto.repoId, id);
  if (!crypto.timingSafeEqual(back, master)) {
    await repo.storage.delete(`keys/${id}`);
    throw new EngineError(`keys/${id} did not read back correctly; it was removed and nothing else changed`);
  }
  return id;
}

function checkNewPassphrase(p: string): void {
  if (typeof p !== 'string' || p.length === 0) throw new EngineError('The new passphrase must not be empty');
}

/** Lists the key slots, sorted by id. Throws EngineError for a plain repository. */
export async function listKeys(repo: RepositoryCore): Promise<KeyInfo[]> {
  requireEncrypted(repo);
  const out: KeyInfo[] = [];
  for (const id of await slotIds(repo)) {
    let created = '';
    try {
      created = parseKeySlot(await repo.storage.read(`keys/${id}`), `keys/${id}`).slot.created;
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
    }
    out.push({ id, created });
  }
  return out;
}

/**
 * Adds a slot opening with `newPassphrase`; `currentPassphrase` must open an existing slot
 * (WrongPassphraseError otherwise). Returns the new slot id.
 */
export async function addKey(repo: RepositoryCore, currentPassphrase: string, newPassphrase: string): Promise<string> {
  requireEncrypted(repo);
  checkNewPassphrase(newPassphrase);
  const { master } = await unlock(repo, currentPassphrase);
  return addSlot(repo, master, newPassphrase);
}

/**
 * Replaces the slot `oldPassphrase` opens by one opening with `newPassphrase`: the new slot is
 * written and read back first, and only then is the old one deleted, so a crash leaves both or the
 * old one. Throws WrongPassphraseError when `oldPassphrase` opens no slot (nothing is written).
 */
export async function changePassphrase(repo: RepositoryCore, oldPassphrase: string, newPassphrase: string): Promise<PassphraseChange> {
  requireEncrypted(repo);
  checkNewPassphrase(newPassphrase);
  const { slot, master } = await unlock(repo, oldPassphrase);
  const added = await addSlot(repo, master, newPassphrase);
  await repo.storage.delete(`keys/${slot}`);
  return { added, removed: slot };
}

/**
 * Removes the slot `id` (a full id or a unique prefix). Throws EngineError when nothing matches, the
 * prefix is ambiguous or the slot is the last one (the repository would become
 * unreadable).
 */
export async function removeKey(repo: RepositoryCore, id: string): Promise<string> {
  requireEncrypted(repo);
  const ids = await slotIds(repo);
  const matches = /^[0-9a-f]{1,32}$/.test(id) ? ids.filter((s) => s.startsWith(id)) : [];
  if (matches.length === 0) throw new EngineError(`No key slot matches "${id}"`);
  if (matches.length > 1) throw new EngineError(`"${id}" matches ${matches.length} key slots; give more characters`);
  if (ids.length === 1) throw new EngineError('This is the only key slot: removing it would make the repository unreadable');
  await repo.storage.delete(`keys/${matches[0]}`);
  return matches[0]!;
}
