/**
 * An in-process lock per key (a repository id): whoever holds a key's lock runs alone on that key, and
 * waiters are served in the order they asked. Each job takes exactly one key, so no lock cycle can form.
 */

/** Call to let the next waiter in; calling it twice is harmless. */
export type Release = () => void;

/** A FIFO mutex per string key. */
export class KeyedMutex {
  private readonly queues = new Map<string, (() => void)[]>();

  /**
   * Resolves once the caller holds `key`'s lock. The caller must call the returned release exactly once
   * (extra calls are ignored). With `signal`, an abort while waiting rejects with its reason and leaves
   * the queue as if the caller had never asked.
   */
  acquire(key: string, signal?: AbortSignal): Promise<Release> {
    return new Promise<Release>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let queue = this.queues.get(key);
      if (!queue) {
        queue = [];
        this.queues.set(key, queue);
      }
      let released = false;
      const release: Release = () => {
        if (released) return;
        released = true;
        this.next(key);
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(release);
      };
      const onAbort = () => {
        const q = this.queues.get(key);
        const i = q ? q.indexOf(grant) : -1;
        // Only a waiter can be withdrawn; index 0 is the current holder.
        if (q && i > 0) {
          q.splice(i, 1);
          reject(signal?.reason);
        }
      };
      queue.push(grant);
      if (queue.length === 1) grant();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** True when someone holds `key`'s lock. */
  isLocked(key: string): boolean {
    return (this.queues.get(key)?.length ?? 0) > 0;
  }

  private next(key: string): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    queue.shift();
    const following = queue[0];
    if (following) following();
    else this.queues.delete(key);
  }
}
