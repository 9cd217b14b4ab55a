import { describe, expect, it } from 'vitest';
import { BufferPool, MAX_IDLE_BYTES } from './buffer-pool';

describe('BufferPool', () => {
  it('reuses a returned buffer of the same size class', () => {
    const pool = new BufferPool();
    const a = pool.take(300_000);
    expect(a.length).toBe(300_000);
    pool.give(a);
    const b = pool.take(400_000);
    expect(b.buffer).toBe(a.buffer);
    expect(pool.take(400_000).buffer).not.toBe(a.buffer);
  });

  it('does not pool views it did not hand out', () => {
    const pool = new BufferPool();
    const foreign = Buffer.alloc(1 << 20).subarray(10);
    pool.give(foreign);
    expect(pool.take(1 << 20).buffer).not.toBe(foreign.buffer);
  });

  it('does not pool a whole buffer it did not allocate, even of a pooled size', () => {
    const pool = new BufferPool();
    const foreign = Buffer.allocUnsafeSlow(1 << 20);
    pool.give(foreign);
    expect(pool.take(1 << 20).buffer).not.toBe(foreign.buffer);
  });

  it(`keeps at most ${MAX_IDLE_BYTES >> 20} MiB idle`, () => {
    const pool = new BufferPool();
    const taken = Array.from({ length: 8 }, () => pool.take(4 << 20));
    for (const b of taken) pool.give(b);
    const again = Array.from({ length: 8 }, () => pool.take(4 << 20));
    const reused = again.filter((b) => taken.some((t) => t.buffer === b.buffer));
    expect(reused).toHaveLength(Math.min(8, Math.floor(MAX_IDLE_BYTES / (4 << 20))));
    expect(reused.length).toBeLessThan(8);
  });
});
