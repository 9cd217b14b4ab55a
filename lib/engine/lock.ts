/**
 * Repository locks: one small JSON file per holder under `locks/<random id>`. Shared locks (backup,
 * restore, check) coexist; an exclusive lock (prune, key changes) excludes every other lock. A holder
 * writes its own lock first and only then looks at the others, so of two racing processes at least
 * one sees the other and backs off (both may back off; neither proceeds wrongly). Locks are
 * refreshed on a timer while held; a lock not refreshed within `staleMs`, or held by a process on
 * this host that no longer exists, is stale and removed by whoever finds it.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { AbortedError, RepositoryLockedError } from './errors';
import type { Storage } from './storage/storage';

/** The contents of a lock file. */
export interface LockInfo {
  version: 1;
  host: string;
  pid: number;
  username: string;
  exclusive: boolean;
  /** ISO time the lock was taken. */
  time: string;
  /** ISO time the lock was last refreshed. */
  refreshed: string;
}

/** Options for `acquireLock`. */
export interface LockOptions {
  exclusive: boolean;
  /** A lock not refreshed for this long is stale (default 30 minutes). */
  staleMs?: number;
  /** How often a held lock is refreshed (default 5 minutes). */
  refreshMs?: number;
  /** Keep retrying for this long while the repository is locked (default 0: fail at once). */
  waitMs?: number;
  host?: string;
  pid?: number;
  username?: string;
  signal?: AbortSignal;
  /** Called when a background refresh fails (the lock may then go stale for others). */
  onRefreshError?: (error: unknown) => void;
  /** Clock, for tests. */
  now?: () => number;
}

/** A held lock. The holder must call `release()` when done; until then it is refreshed in the background. */
export interface RepositoryLock {
  readonly id: string;
  readonly exclusive: boolean;
  /** Rewrites the lock file with a new `refreshed` time. */
  refresh(): Promise<void>;
  /** Stops refreshing and deletes the lock file. Safe to call twice. */
  release(): Promise<void>;
}

const DEFAULT_STALE_MS = 30 * 60 * 1000;
const DEFAULT_REFRESH_MS = 5 * 60 * 1000;

function parseLock(data: Buffer): LockInfo | undefined {
  try {
    const value = JSON.parse(data.toString('utf8')) as Partial<LockInfo>;
    if (typeof value.host !== 'string' || typeof value.pid !== 'number' || typeof value.exclusive !== 'boolean') return undefined;
    if (typeof value.time !== 'string' || typeof value.refreshed !== 'string') return undefined;
    return { version: 1, username: '', ...value } as LockInfo;
  } catch {
    return undefined;
  }
}

/** True unless `pid` certainly does not exist on this host (EPERM means it exists under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return '';
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Takes a shared or exclusive lock on the repository behind `storage`. Throws `RepositoryLockedError`
 * (naming the holder's host, pid and start time) when a conflicting live lock exists and `waitMs` runs
 * out, and `AbortedError` when `signal` aborts; in both cases no lock of ours is left behind. Stale
 * locks found on the way are deleted.
 */
export async function acquireLock(storage: Storage, options: LockOptions): Promise<RepositoryLock> {
  const now = options.now ?? Date.now;
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
  const host = options.host ?? os.hostname();
  const pid = options.pid ?? process.pid;
  const deadline = now() + (options.waitMs ?? 0);
  const id = randomBytes(16).toString('hex');
  const key = `locks/${id}`;
  const time = new Date(now()).toISOString();
  const info = (): LockInfo => ({ version: 1, host, pid, username: options.username ?? currentUser(), exclusive: options.exclusive, time, refreshed: new Date(now()).toISOString() });

  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw new AbortedError();
    await storage.write(key, Buffer.from(JSON.stringify(info())), { exclusive: true, signal: options.signal });
    let conflict: LockInfo | undefined;
    try {
      conflict = await findConflict(storage, id, options.exclusive, { staleMs, host, now });
    } catch (error) {
      await storage.delete(key);
      throw error;
    }
    if (!conflict) break;
    await storage.delete(key);
    if (now() >= deadline) {
      const kind = conflict.exclusive ? 'exclusively ' : '';
      throw new RepositoryLockedError(
        `repository ${storage.location} is locked ${kind}by host ${conflict.host} pid ${conflict.pid} since ${conflict.time}; try again later, or remove the lock if that process is gone`,
        { host: conflict.host, pid: conflict.pid, time: conflict.time, exclusive: conflict.exclusive },
      );
    }
    // Jittered backoff so two waiters that keep seeing each other eventually separate.
    const delay = Math.min(5000, 200 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random());
    await sleep(Math.max(1, Math.min(delay, deadline - now())), options.signal);
  }

  let released = false;
  let pending: Promise<void> = Promise.resolve();
  const refresh = (): Promise<void> => {
    pending = pending.then(async () => {
      if (!released) await storage.write(key, Buffer.from(JSON.stringify(info())));
    });
    return pending;
  };
  const timer = setInterval(() => {
    refresh().catch((error: unknown) => options.onRefreshError?.(error));
  }, refreshMs);
  timer.unref();
  return {
    id,
    exclusive: options.exclusive,
    refresh,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await pending.catch(() => undefined);
      await storage.delete(key);
    },
  };
}

/** Returns the first live lock that conflicts with ours; every stale lock found is deleted. */
async function findConflict(storage: Storage, ownId: string, exclusive: boolean, ctx: { staleMs: number; host: string; now: () => number }): Promise<LockInfo | undefined> {
  let conflict: LockInfo | undefined;
  for (const entry of await storage.list('locks')) {
    if (entry.name === `locks/${ownId}`) continue;
    let data: Buffer;
    try {
      data = await storage.read(entry.name);
    } catch {
      continue; // Released while we looked.
    }
    const other = parseLock(data);
    if (!other) continue;
    const refreshed = Date.parse(other.refreshed);
    const expired = !Number.isFinite(refreshed) || ctx.now() - refreshed > ctx.staleMs;
    const dead = other.host === ctx.host && !processAlive(other.pid);
    if (expired || dead) {
      await storage.delete(entry.name);
      continue;
    }
    if ((exclusive || other.exclusive) && !conflict) conflict = other;
  }
  return conflict;
}
