import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNKER_PARAMS, chunkLengths, chunkWindow, findCut, gearTable, validateChunkerParams, type ChunkerParams } from './chunker';

/** Deterministic pseudo-random bytes: AES-256-CTR keystream under a key derived from `seed`. */
function pseudoRandom(length: number, seed: string): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

const SMALL: ChunkerParams = { min: 2048, avg: 8192, max: 65536 };

function cuts(lengths: number[]): number[] {
  const result: number[] = [];
  let offset = 0;
  for (const length of lengths) result.push((offset += length));
  return result;
}

describe('chunker', () => {
  const gear = gearTable();

  it('cuts the same bytes at the same places every time', () => {
    const data = pseudoRandom(4 << 20, 'determinism');
    const first = chunkLengths(data, SMALL, gear);
    expect(chunkLengths(data, SMALL, gearTable())).toEqual(first);
    expect(first.reduce((a, b) => a + b, 0)).toBe(data.length);
    expect(first.length).toBeGreaterThan(100);
  });

  it('derives a fixed unkeyed gear table that is frozen across versions', () => {
    const table = gearTable();
    expect(table).toHaveLength(256);
    const digest = createHash('sha256').update(Buffer.from(table.buffer, table.byteOffset, table.byteLength)).digest('hex');
    // Freezes chunk boundaries of plain repositories: changing the table would break dedup with old data.
    expect(digest).toBe('91719f11c691091571eb008dce0bca56892aea3a0457125c9a546c2859e1877b');
    expect(new Set(table).size).toBeGreaterThan(250);
  });

  it('keeps every chunk between min and max except the last', () => {
    for (const params of [SMALL, { min: 64, avg: 256, max: 1024 }, DEFAULT_CHUNKER_PARAMS]) {
      const data = pseudoRandom(params === DEFAULT_CHUNKER_PARAMS ? 24 << 20 : 2 << 20, `bounds-${params.avg}`);
      const lengths = chunkLengths(data, params, gear);
      for (const length of lengths.slice(0, -1)) {
        expect(length).toBeGreaterThanOrEqual(params.min);
        expect(length).toBeLessThanOrEqual(params.max);
      }
      expect(lengths.at(-1)).toBeGreaterThan(0);
      expect(lengths.at(-1)).toBeLessThanOrEqual(params.max);
    }
  });

  it('cuts at max on data without any boundary (zeros)', () => {
    const data = new Uint8Array(200_000);
    const lengths = chunkLengths(data, SMALL, gear);
    expect(lengths.slice(0, -1).every((length) => length === SMALL.max)).toBe(true);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(200_000);
  });

  it('returns end when at most min bytes remain, and never cuts past max', () => {
    const data = pseudoRandom(SMALL.max * 3, 'short');
    expect(findCut(data, 0, 0, SMALL, gear)).toBe(0);
    expect(findCut(data, 10, 11, SMALL, gear)).toBe(11);
    expect(findCut(data, 100, 100 + SMALL.min, SMALL, gear)).toBe(100 + SMALL.min);
    const cut = findCut(data, 100, data.length, SMALL, gear);
    expect(cut).toBeGreaterThan(100 + SMALL.min);
    expect(cut).toBeLessThanOrEqual(100 + SMALL.max);
  });

  it('gives the same cut whether it sees max bytes or the whole rest of the input', () => {
    const data = pseudoRandom(1 << 20, 'window');
    let start = 0;
    while (data.length - start > SMALL.max) {
      const whole = findCut(data, start, data.length, SMALL, gear);
      expect(findCut(data, start, start + SMALL.max, SMALL, gear)).toBe(whole);
      start = whole;
    }
  });

  it('changes only nearby chunks when bytes are inserted early', () => {
    const data = pseudoRandom(4 << 20, 'shift');
    const edited = Buffer.concat([data.subarray(0, 1000), Buffer.from('inserted bytes!'), data.subarray(1000)]);
    const before = cuts(chunkLengths(data, SMALL, gear));
    const after = new Set(cuts(chunkLengths(edited, SMALL, gear)).map((c) => c - 15));
    const kept = before.filter((c) => after.has(c)).length;
    // Only the first chunk or two may move; everything after resynchronises.
    expect(kept).toBeGreaterThanOrEqual(before.length - 2);
  });

  it('places boundaries differently under a different secret', () => {
    const data = pseudoRandom(4 << 20, 'secret');
    const plain = cuts(chunkLengths(data, SMALL, gear));
    const keyedA = cuts(chunkLengths(data, SMALL, gearTable(Buffer.alloc(32, 1))));
    const keyedB = cuts(chunkLengths(data, SMALL, gearTable(Buffer.alloc(32, 2))));
    expect(chunkLengths(data, SMALL, gearTable(Buffer.alloc(32, 1)))).toEqual(chunkLengths(data, SMALL, gearTable(Buffer.alloc(32, 1))));
    const shared = (a: number[], b: number[]) => a.filter((c) => b.includes(c)).length;
    expect(shared(plain, keyedA)).toBeLessThan(plain.length / 10);
    expect(shared(keyedA, keyedB)).toBeLessThan(keyedA.length / 10);
    expect(() => gearTable(Buffer.alloc(8))).toThrow(RangeError);
  });

  it('averages near avg on random data', () => {
    const data = pseudoRandom(16 << 20, 'average');
    const lengths = chunkLengths(data, SMALL, gear);
    const mean = data.length / lengths.length;
    // Normalised chunking with min = avg / 4 lands a little above avg.
    expect(mean).toBeGreaterThan(SMALL.avg * 0.8);
    expect(mean).toBeLessThan(SMALL.avg * 1.5);
  });

  it('rejects invalid parameters', () => {
    const bad: ChunkerParams[] = [
      { min: 0, avg: 8192, max: 65536 },
      { min: 32, avg: 8192, max: 65536 },
      { min: 2048, avg: 6000, max: 65536 },
      { min: 8192, avg: 8192, max: 65536 },
      { min: 2048, avg: 8192, max: 8192 },
      { min: 2048, avg: 8192, max: 128 << 20 },
      { min: 2048.5, avg: 8192, max: 65536 },
      { min: Number.NaN, avg: 8192, max: 65536 },
    ];
    for (const params of bad) {
      expect(() => validateChunkerParams(params)).toThrow(RangeError);
      expect(() => findCut(new Uint8Array(10), 0, 10, params, gear)).toThrow(RangeError);
    }
    expect(() => validateChunkerParams(DEFAULT_CHUNKER_PARAMS)).not.toThrow();
    expect(() => findCut(new Uint8Array(10), 5, 20, SMALL, gear)).toThrow(RangeError);
    expect(() => findCut(new Uint8Array(10), 0, 10, SMALL, new Uint32Array(3))).toThrow(RangeError);
  });

  describe('chunkWindow', () => {
    /** Every cut `window` makes over `data` from offset 0, feeding it `feed` bytes at a time as backup does. */
    function windowCuts(data: Buffer, params: ChunkerParams, table: Uint32Array, wasm?: boolean): number[] {
      const w = chunkWindow(2 * params.max, params, table, { wasm });
      const out: number[] = [];
      let base = 0;
      let start = 0;
      let filled = 0;
      for (;;) {
        if (base + filled < data.length && filled - start < params.max) {
          w.data.copyWithin(0, start, filled);
          filled -= start;
          base += start;
          start = 0;
          filled += data.copy(w.data, filled, base + filled);
        }
        if (start >= filled) return out;
        start = w.cut(start, filled);
        out.push(base + start);
      }
    }

    it('cuts where findCut does, with WebAssembly and without', () => {
      const zeros = Buffer.alloc(300_000);
      const mixed = Buffer.concat([pseudoRandom(150_000, 'mixed'), zeros, Buffer.from('a'.repeat(70_000)), pseudoRandom(99_999, 'tail')]);
      const cases: [Buffer, ChunkerParams, Uint32Array][] = [
        [pseudoRandom(3 << 20, 'window'), SMALL, gear],
        [pseudoRandom(3 << 20, 'window'), SMALL, gearTable(Buffer.alloc(32, 7))],
        [mixed, SMALL, gear],
        [zeros, SMALL, gear],
        [pseudoRandom(SMALL.min, 'exactly min'), SMALL, gear],
        [pseudoRandom(SMALL.min + 1, 'min + 1'), SMALL, gear],
        [pseudoRandom(20 << 20, 'default params'), DEFAULT_CHUNKER_PARAMS, gear],
        [Buffer.alloc(0), SMALL, gear],
      ];
      for (const [data, params, table] of cases) {
        const expected = cuts(chunkLengths(data, params, table));
        expect(windowCuts(data, params, table)).toEqual(expected);
        expect(windowCuts(data, params, table, false)).toEqual(expected);
      }
      // The random cases do cut inside their windows, in both loops (not only at max or at the end).
      expect(cuts(chunkLengths(pseudoRandom(3 << 20, 'window'), SMALL, gear)).length).toBeGreaterThan(100);
    });

    it('checks its window and parameters like findCut', () => {
      const w = chunkWindow(4096, SMALL, gear);
      expect(w.data.length).toBe(4096);
      expect(w.cut(10, 11)).toBe(11);
      expect(() => w.cut(5, 5000)).toThrow(RangeError);
      expect(() => w.cut(-1, 10)).toThrow(RangeError);
      expect(() => w.cut(20, 10)).toThrow(RangeError);
      expect(() => chunkWindow(4096, { min: 2048, avg: 6000, max: 65536 }, gear)).toThrow(RangeError);
      expect(() => chunkWindow(4096, SMALL, new Uint32Array(3))).toThrow(RangeError);
    });
  });
});
