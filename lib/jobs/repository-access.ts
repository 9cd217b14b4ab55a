/**
 * Opening repositories for people: which passphrase to use (one just entered, one entered in the last
 * 15 minutes and kept in this process's memory, or the remembered one sealed with the server key), and
 * open handles kept for browsing and downloads so each folder click does not run the key derivation again.
 * Passphrases live only in memory here; nothing is written anywhere.
 */
import 'server-only';
import type { Repository as RepositoryRow } from '@/lib/db/schema';
import type { Storage } from '@/lib/engine';
import { openRepositoryAt, storageFor, type Repository } from './engine-adapter';
import { openPassphrase } from './passphrase-seal';

/** How long an entered passphrase and an open handle stay after their last use. */
export const UNLOCK_IDLE_MS = 15 * 60 * 1000;

/** The repository is encrypted and no passphrase is at hand: the page must ask for it. */
export class PassphraseNeededError extends Error {
  constructor() {
    super('Enter the passphrase of this backup to continue.');
    this.name = 'PassphraseNeededError';
  }
}

interface Entry {
  passphrase?: string;
  handle?: Promise<Repository>;
  touched: number;
}

type Opener = (location: string | Storage, passphrase: string | undefined) => Promise<Repository>;

/** Per-process access to repositories; see the module comment. */
export class RepositoryAccess {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly serverKey: () => string,
    private readonly open: Opener = openRepositoryAt,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The passphrase to open `repo` with: `entered`, else one entered recently, else the remembered one;
   * undefined for an unencrypted repository. Throws PassphraseNeededError when none is available.
   */
  passphraseFor(repo: RepositoryRow, entered?: string): string | undefined {
    if (!repo.encrypted) return undefined;
    if (entered) return entered;
    const kept = this.live(repo.id)?.passphrase;
    if (kept) return kept;
    if (repo.sealedPassphrase) return openPassphrase(repo.sealedPassphrase, repo.id, this.serverKey());
    throw new PassphraseNeededError();
  }

  /** The storage `repo` lives in: its folder, or its S3 bucket (credentials opened with the server key). */
  storage(repo: RepositoryRow): Storage | string {
    return repo.kind === 'local' ? repo.location : storageFor(repo, this.serverKey);
  }

  /** True when `repo` can be opened without asking. */
  isUnlocked(repo: RepositoryRow): boolean {
    return !repo.encrypted || repo.sealedPassphrase !== null || this.live(repo.id)?.passphrase !== undefined;
  }

  /**
   * Opens `repo` with `passphrase` to prove it (WrongPassphraseError otherwise), then keeps the passphrase
   * and the open handle for UNLOCK_IDLE_MS.
   */
  async unlock(repo: RepositoryRow, passphrase: string): Promise<void> {
    const handle = await this.open(this.storage(repo), passphrase);
    this.drop(repo.id);
    this.entries.set(repo.id, { passphrase, handle: Promise.resolve(handle), touched: this.now() });
  }

  /** An open handle on `repo`, shared by callers; do not close it. Throws like passphraseFor and open. */
  async handle(repo: RepositoryRow): Promise<Repository> {
    this.sweep();
    const entry = this.live(repo.id);
    if (entry?.handle) return entry.handle;
    const passphrase = this.passphraseFor(repo);
    const opening = this.open(this.storage(repo), passphrase);
    const next: Entry = { ...(entry ?? {}), handle: opening, touched: this.now() };
    this.entries.set(repo.id, next);
    opening.catch(() => {
      if (this.entries.get(repo.id) === next) this.entries.delete(repo.id);
    });
    return opening;
  }

  /** Closes the open handle of a repository (it changed, e.g. a backup added a snapshot); keeps the passphrase. */
  invalidate(repositoryId: string): void {
    const entry = this.entries.get(repositoryId);
    if (!entry?.handle) return;
    const old = entry.handle;
    entry.handle = undefined;
    old.then((h) => h.close()).catch(() => {});
  }

  /** Forgets everything about a repository (deleted plan, changed passphrase). */
  drop(repositoryId: string): void {
    this.invalidate(repositoryId);
    this.entries.delete(repositoryId);
  }

  private live(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (this.now() - entry.touched > UNLOCK_IDLE_MS) {
      this.drop(id);
      return undefined;
    }
    entry.touched = this.now();
    return entry;
  }

  private sweep(): void {
    for (const [id, entry] of this.entries) if (this.now() - entry.touched > UNLOCK_IDLE_MS) this.drop(id);
  }
}
