import { describe, expect, it } from 'vitest';
import { KeyedMutex } from './keyed-mutex';

describe('KeyedMutex', () => {
  it('serves waiters on one key in the order they asked', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const first = await mutex.acquire('repo');
    const second = mutex.acquire('repo').then((release) => {
      log.push('second');
      return release;
    });
    const third = mutex.acquire('repo').then((release) => {
      log.push('third');
      release();
    });
    await Promise.resolve();
    expect(log).toEqual([]);
    first();
    (await second)();
    await third;
    expect(log).toEqual(['second', 'third']);
    expect(mutex.isLocked('repo')).toBe(false);
  });

  it('lets different keys proceed independently', async () => {
    const mutex = new KeyedMutex();
    const a = await mutex.acquire('a');
    const b = await mutex.acquire('b');
    expect(mutex.isLocked('a') && mutex.isLocked('b')).toBe(true);
    a();
    b();
  });

  it('ignores a second release and withdraws an aborted waiter', async () => {
    const mutex = new KeyedMutex();
    const holder = await mutex.acquire('k');
    const controller = new AbortController();
    const aborted = mutex.acquire('k', controller.signal);
    const after = mutex.acquire('k');
    controller.abort(new Error('gave up'));
    await expect(aborted).rejects.toThrow('gave up');
    holder();
    holder();
    const next = await after;
    expect(mutex.isLocked('k')).toBe(true);
    next();
    expect(mutex.isLocked('k')).toBe(false);
  });
});
