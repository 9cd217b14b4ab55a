/**
 * FastCDC content-defined chunking with normalised chunking (Xia et al., "The Design of Fast
 * Content-Defined Chunking for Data Deduplication Based Storage Systems", 2020), normalisation level 2.
 *
 * A 32-bit gear hash rolls over the bytes: `h = (h << 1) + gear[byte]`. Because of the left shift,
 * bit k of `h` depends on the last k + 1 bytes only, so the masks test the *high* bits (the ones that
 * depend on the longest window, 32 bytes). Between `min` and `avg` a strict mask (log2(avg) + 2 bits)
 * makes an early cut unlikely; between `avg` and `max` a loose mask (log2(avg) - 2 bits) makes a cut
 * likely, which pulls the chunk-size distribution towards `avg`.
 *
 * The chunker is stateless: `findCut` looks at a window of bytes and returns where the chunk that
 * starts there ends, so callers can feed it from any buffer strategy (a reused ring buffer, mmap, …).
 */
import { createHash, hkdfSync } from 'node:crypto';

/** Chunk-size parameters in bytes. `avg` must be a power of two; `min < avg < max`. */
export interface ChunkerParams {
  min: number;
  avg: number;
  max: number;
}

/**
 * The default parameters, 512 KiB / 1 MiB / 8 MiB. Larger chunks keep the index small (16 bytes of
 * per-chunk overhead matter little at 1 MiB) and the per-chunk costs (a cipher, an HMAC, a compressor
 * call, an index entry) negligible next to the bytes; smaller chunks dedup slightly better on edited
 * files but the benchmark's 2 % change step gains little below 1 MiB. See docs/benchmarks.md.
 */
export const DEFAULT_CHUNKER_PARAMS: Readonly<ChunkerParams> = Object.freeze({
  min: 512 * 1024,
  avg: 1024 * 1024,
  max: 8 * 1024 * 1024,
});

/** The gear hash looks at the last 32 bytes; a minimum below that would not be content-defined. */
const MIN_MIN = 64;
/** Upper bound on `max`, so a hostile config cannot make a reader allocate absurd buffers. */
export const MAX_CHUNK_LIMIT = 64 * 1024 * 1024;

/**
 * Checks chunker parameters (from code or from a repository's config). Throws `RangeError` naming the
 * problem when they are not integers, `avg` is not a power of two, `min < avg < max` does not hold,
 * `min` is below 64 bytes or `max` above 64 MiB.
 */
export function validateChunkerParams(params: ChunkerParams): void {
  const { min, avg, max } = params;
  for (const [name, value] of [
    ['min', min],
    ['avg', avg],
    ['max', max],
  ] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`chunker ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  if ((avg & (avg - 1)) !== 0 || avg > 2 ** 30) {
    throw new RangeError(`chunker avg must be a power of two, got ${avg}`);
  }
  if (min < MIN_MIN) throw new RangeError(`chunker min must be at least ${MIN_MIN} bytes, got ${min}`);
  if (!(min < avg && avg < max)) {
    throw new RangeError(`chunker parameters must satisfy min < avg < max, got ${min} / ${avg} / ${max}`);
  }
  if (max > MAX_CHUNK_LIMIT) throw new RangeError(`chunker max must be at most ${MAX_CHUNK_LIMIT} bytes, got ${max}`);
}

const GEAR_INFO = Buffer.from('coffer/v1/chunker-gear-table');
const FIXED_GEAR_LABEL = Buffer.from('coffer/v1/chunker-gear-table/unkeyed');

/**
 * Returns the 256-entry gear table. With `secret` (the chunker secret derived from an encrypted
 * repository's master key) the table is HKDF-SHA-256(secret, info = label) so chunk boundaries reveal
 * nothing about content to someone without the key. Without a secret the table is a fixed one
 * derived from a constant label (plain repositories); it never changes, since boundaries must stay
 * stable for dedup across versions.
 */
export function gearTable(secret?: Buffer): Uint32Array {
  const ikm = secret ?? createHash('sha256').update(FIXED_GEAR_LABEL).digest();
  if (secret !== undefined && secret.length < 16) throw new RangeError('chunker secret must be at least 16 bytes');
  const bytes = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), GEAR_INFO, 256 * 4));
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) table[i] = bytes.readUInt32LE(i * 4);
  return table;
}

/** Top `n` bits of a 32-bit word set (1 ≤ n ≤ 32). */
function highMask(n: number): number {
  return n >= 32 ? -1 : (-1 << (32 - n)) | 0;
}

/**
 * Returns the end offset (exclusive) of the chunk that starts at `start` in `data[start, end)`.
 *
 * The caller supplies at least `params.max` bytes (`end - start >= max`) unless `end` is the end of
 * the input, in which case the returned cut may be `end` (the last chunk may be shorter than `min`).
 * The result is in `(start, end]`, at most `start + max`; it is `end` whenever `end - start <= min`.
 * Deterministic: the same bytes, params and gear table give the same cut. Throws `RangeError` on
 * invalid params or a window outside `data`.
 */
export function findCut(data: Uint8Array, start: number, end: number, params: ChunkerParams, gear: Uint32Array): number {
  const { min, avg, max } = params;
  const valid = (min | 0) === min && (max | 0) === max && min >= MIN_MIN && min < avg && avg < max && max <= MAX_CHUNK_LIMIT;
  if (!valid || (avg & (avg - 1)) !== 0) validateChunkerParams(params);
  if (!(start >= 0 && start <= end && end <= data.length)) {
    throw new RangeError(`findCut window [${start}, ${end}) is outside the data (length ${data.length})`);
  }
  if (gear.length !== 256) throw new RangeError('gear table must have 256 entries');
  const length = end - start;
  if (length <= min) return end;
  const limit = length > max ? start + max : end;
  const normal = length > avg ? start + avg : end;
  const bits = 31 - Math.clz32(avg);
  const maskS = highMask(bits + 2);
  const maskL = highMask(bits - 2);

  let hash = 0;
  let i = start + min;
  for (; i < normal; i++) {
    hash = ((hash << 1) + gear[data[i]!]!) | 0;
    if ((hash & maskS) === 0) return i + 1;
  }
  for (; i < limit; i++) {
    hash = ((hash << 1) + gear[data[i]!]!) | 0;
    if ((hash & maskL) === 0) return i + 1;
  }
  return limit;
}

/**
 * Splits a whole in-memory buffer into chunk lengths (a convenience for tests and small inputs; the
 * backup path calls `findCut` on its own buffers).
 */
export function chunkLengths(data: Uint8Array, params: ChunkerParams, gear: Uint32Array): number[] {
  const lengths: number[] = [];
  let start = 0;
  while (start < data.length) {
    const cut = findCut(data, start, data.length, params, gear);
    lengths.push(cut - start);
    start = cut;
  }
  return lengths;
}
