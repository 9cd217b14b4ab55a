import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_WARNINGS, ProgressWriter } from './progress-writer';

describe('ProgressWriter', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes the first update at once and coalesces a burst into one write per interval', async () => {
    const writes: { at: number; progress: Record<string, unknown> }[] = [];
    const writer = new ProgressWriter(async (progress) => void writes.push({ at: Date.now(), progress }), 500);
    for (let i = 1; i <= 100; i++) {
      writer.update({ filesDone: i });
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(1000);
    await writer.close();
    expect(writes[0]?.progress).toEqual({ filesDone: 1 });
    expect(writes.at(-1)?.progress).toEqual({ filesDone: 100 });
    for (let i = 1; i < writes.length; i++) expect(writes[i]!.at - writes[i - 1]!.at).toBeGreaterThanOrEqual(500);
    expect(writes.length).toBeLessThanOrEqual(4);
  });

  it('keeps warnings up to the cap and counts the rest', async () => {
    let saved: { progress: Record<string, unknown>; warnings: unknown[] } | undefined;
    const writer = new ProgressWriter(async (progress, warnings) => void (saved = { progress, warnings }), 500);
    for (let i = 0; i < MAX_WARNINGS + 5; i++) writer.warn({ path: `/f${i}`, message: 'unreadable' });
    await vi.advanceTimersByTimeAsync(600);
    await writer.close();
    expect(writer.warnings).toHaveLength(MAX_WARNINGS);
    expect(writer.droppedWarnings).toBe(5);
    expect(saved?.progress).toEqual({ droppedWarnings: 5 });
  });

  it('writes nothing after close', async () => {
    const save = vi.fn(async () => {});
    const writer = new ProgressWriter(save, 500);
    writer.update({ a: 1 });
    writer.update({ a: 2 });
    await writer.close();
    writer.update({ a: 3 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(save).toHaveBeenCalledTimes(1);
  });
});
