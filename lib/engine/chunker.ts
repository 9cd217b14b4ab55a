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

/** The strict mask (before `avg`) and the loose one (after it); see the file comment. */
function gearMasks(avg: number): { maskS: number; maskL: number } {
  const bits = 31 - Math.clz32(avg);
  return { maskS: highMask(bits + 2), maskL: highMask(bits - 2) };
}

/**
 * Where the gear hash rolls for the chunk that starts at `start` in `[start, end)`: from `start + min`,
 * with the strict mask up to `normal` and the loose one up to `limit`. Null when at most `min` bytes
 * remain: the chunk then ends at `end`.
 */
function gearRange(start: number, end: number, { min, avg, max }: ChunkerParams): { from: number; normal: number; limit: number } | null {
  const length = end - start;
  if (length <= min) return null;
  return { from: start + min, normal: length > avg ? start + avg : end, limit: length > max ? start + max : end };
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
  const range = gearRange(start, end, params);
  if (!range) return end;
  const { normal, limit } = range;
  const { maskS, maskL } = gearMasks(avg);

  let hash = 0;
  let i = range.from;
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
 * A buffer to read file data into, with `findCut` over it. The gear loop is the first backup's largest
 * single cost on its busiest thread; compiled to WebAssembly it runs at ~2.6 GB/s here against ~1.1 GB/s
 * for the JavaScript loop (random data, default parameters), and gives the same cuts (chunker.test.ts
 * compares them). `data` is a view of the module's memory, so nothing is copied.
 */
export interface ChunkWindow {
  /** Read input here; `cut` looks at it. */
  readonly data: Buffer;
  /** `findCut(data, start, end, params, gear)`. */
  cut(start: number, end: number): number;
}

/** Where the gear table (256 little-endian u32) and the data start in the module's memory. */
const GEAR_AT = 0;
const DATA_AT = 1024;

/**
 * The loop as a WebAssembly module, assembled here (there is no toolchain to build it). In text form:
 *
 *   (import "env" "memory" (memory 1))
 *   (func (export "cut") (param $i i32) (param $normal i32) (param $limit i32) (param $maskS i32)
 *       (param $maskL i32) (result i32) (local $h i32)
 *     ;; twice: with $normal and $maskS, then with $limit and $maskL
 *     (block (loop
 *       (br_if 1 (i32.ge_u (local.get $i) (local.get $normal)))
 *       (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
 *                              (i32.load (i32.shl (i32.load8_u (local.get $i)) (i32.const 2)))))
 *       (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *       (if (i32.eqz (i32.and (local.get $h) (local.get $maskS))) (then (return (local.get $i))))
 *       (br 0)))
 *     (local.get $limit))
 *
 * Addresses are absolute: data bytes at DATA_AT + offset, the gear table at GEAR_AT = 0.
 */
function cutModule(): WebAssembly.Module {
  const uleb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n) byte |= 0x80;
      out.push(byte);
    } while (n);
    return out;
  };
  const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
  const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s)];
  const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
  const [I32, I, NORMAL, LIMIT, MASK_S, MASK_L, H] = [0x7f, 0, 1, 2, 3, 4, 5];
  const get = (x: number) => [0x20, x];
  const set = (x: number) => [0x21, x];
  const one = [0x41, 1];
  const loop = (end: number, mask: number) => [
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(I), ...get(end), 0x4f, 0x0d, 1, // i32.ge_u, br_if 1
    ...get(H), ...one, 0x74, // h << 1
    ...get(I), 0x2d, 0, 0, 0x41, 2, 0x74, 0x28, 2, GEAR_AT, 0x6a, ...set(H), // + gear[load8_u(i)]
    ...get(I), ...one, 0x6a, ...set(I), // i += 1
    ...get(H), ...get(mask), 0x71, 0x45, 0x04, 0x40, ...get(I), 0x0f, 0x0b, // if !(h & mask) return i
    0x0c, 0, 0x0b, 0x0b, // br 0, end, end
  ];
  const body = [...vec([[1, I32]]), ...loop(NORMAL, MASK_S), ...loop(LIMIT, MASK_L), ...get(LIMIT), 0x0b];
  return new WebAssembly.Module(
    new Uint8Array([
      ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
      ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([[I32]])]])),
      ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 1]])),
      ...section(3, vec([[0]])),
      ...section(7, vec([[...name('cut'), 0x00, 0]])),
      ...section(10, vec([[...uleb(body.length), ...body]])),
    ]),
  );
}

let compiled: WebAssembly.Module | null | undefined;

/**
 * Makes a ChunkWindow of `size` bytes. Without WebAssembly (`node --jitless`) or with `wasm: false`,
 * `data` is a plain buffer and `cut` is `findCut` itself.
 */
export function chunkWindow(size: number, params: ChunkerParams, gear: Uint32Array, opts: { wasm?: boolean } = {}): ChunkWindow {
  validateChunkerParams(params);
  if (gear.length !== 256) throw new RangeError('gear table must have 256 entries');
  if (compiled === undefined) {
    try {
      compiled = cutModule();
    } catch {
      compiled = null;
    }
  }
  if (!compiled || opts.wasm === false || !(size >= 0 && size <= MAX_CHUNK_LIMIT * 2)) {
    const data = Buffer.allocUnsafeSlow(size);
    return { data, cut: (start, end) => findCut(data, start, end, params, gear) };
  }
  const memory = new WebAssembly.Memory({ initial: Math.ceil((DATA_AT + size) / 65536) });
  const wasmCut = (new WebAssembly.Instance(compiled, { env: { memory } }).exports as { cut: (...a: number[]) => number }).cut;
  const table = new DataView(memory.buffer, GEAR_AT, 1024);
  for (let b = 0; b < 256; b++) table.setUint32(b * 4, gear[b]!, true); // WebAssembly memory is little-endian
  const data = Buffer.from(memory.buffer, DATA_AT, size);
  const { maskS, maskL } = gearMasks(params.avg);
  return {
    data,
    cut(start, end) {
      if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= size)) {
        throw new RangeError(`findCut window [${start}, ${end}) is outside the data (length ${size})`);
      }
      const range = gearRange(start, end, params);
      if (!range) return end;
      return wasmCut(DATA_AT + range.from, DATA_AT + range.normal, DATA_AT + range.limit, maskS, maskL) - DATA_AT;
    },
  };
}

/**
 * Splits a whole in-memory buffer into chunk lengths (a convenience for tests and small inputs; the
 * backup path reads into a ChunkWindow).
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
