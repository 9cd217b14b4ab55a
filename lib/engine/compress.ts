/**
 * Per-blob compression. Codecs are named by stable string ids stored with every blob; an id, once
 * released, is never removed or given another meaning, so old repositories always read. Compression
 * runs through async node:zlib, i.e. on libuv's thread pool, so several blobs compress on all cores
 * while the main thread chunks and hashes.
 *
 * Measured on the 2-core target machine (docs/benchmarks.md): zstd level 1 and brotli quality 1 both
 * beat deflate level 1 clearly on speed and ratio; zstd is smallest and costs the main thread least
 * per call, so `auto` uses zstd (brotli where the zstd binding is missing). Incompressible data is
 * detected by a cheap byte-entropy estimate on samples and stored raw without a compressor call.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { zstdBinding, zstdOutputBound } from './compress-zstd';
import { IntegrityError, UnsupportedFormatError } from './errors';
import { ZSTD_BATCH_BLOB_MAX, type ZstdBatcher } from './zstd-batch';

/**
 * A codec id. `none`: stored bytes are the raw bytes. `deflate`: raw DEFLATE (RFC 1951, no zlib or
 * gzip wrapper). `brotli`: a Brotli stream (RFC 7932). `zstd`: one Zstandard frame (RFC 8878) without
 * dictionary. Levels are not part of the id: any level decodes with the same decoder.
 */
export type Codec = 'none' | 'deflate' | 'brotli' | 'zstd';

/** Every codec this version knows, in the order they were introduced. */
export const CODECS: readonly Codec[] = Object.freeze(['none', 'deflate', 'brotli', 'zstd']);

/** True when the zstd binding is installed for this platform (it ships as prebuilt npm packages). */
export function zstdAvailable(): boolean {
  return zstdBinding() !== null;
}

/**
 * The codec `auto` compresses with: zstd (fastest, smallest, and cheapest for the main thread per
 * call in our measurements), or brotli where the zstd binding is not available.
 */
export const DEFAULT_CODEC: Codec = zstdAvailable() ? 'zstd' : 'brotli';

/** A compression setting: `auto` (default codec, skipping incompressible data), `off`, or a codec. */
export type CompressionMode = 'auto' | 'off' | Codec;

/** A blob is stored raw unless compression saves at least this fraction of its size. */
export const MIN_SAVING = 0.03;

const deflateRaw = promisify(zlib.deflateRaw);
const inflateRaw = promisify(zlib.inflateRaw);
const brotliCompress = promisify(zlib.brotliCompress);
const brotliDecompress = promisify(zlib.brotliDecompress);

/**
 * The output buffer size for one zlib call. node:zlib's default of 16 KiB makes a 1 MiB blob take
 * dozens of round trips between the thread pool and the main thread, each allocating a buffer;
 * one buffer large enough for the whole result makes it a single round trip. Pages of the buffer that
 * are never written are never touched, so a generous size costs address space, not memory.
 */
function outputChunk(length: number): number {
  return Math.max(16 * 1024, length + 1024);
}

/** Returns true when `value` names a codec this version knows. */
export function isCodec(value: unknown): value is Codec {
  return typeof value === 'string' && (CODECS as readonly string[]).includes(value);
}

function unknownCodec(codec: string): never {
  throw new UnsupportedFormatError(`unknown compression codec "${codec}": this repository was written by a newer Coffer`);
}

function requireZstd() {
  const zstd = zstdBinding();
  if (!zstd) throw new UnsupportedFormatError('this data is zstd-compressed but the @mongodb-js/zstd package is not installed for this platform');
  return zstd;
}

/**
 * Compresses with zstd (small blobs through `batcher` when given, see zstd-batch.ts); falls back to
 * brotli if the frame would not pass the read-side check.
 */
async function compressZstd(data: Buffer, batcher?: ZstdBatcher): Promise<StoredForm> {
  try {
    if (batcher && data.length <= ZSTD_BATCH_BLOB_MAX) {
      const { frame, release } = await batcher.compress(data);
      zstdOutputBound(frame, data.length, 'new blob');
      return { codec: 'zstd', data: frame, release };
    }
    return { codec: 'zstd', data: await compress('zstd', data) };
  } catch (error) {
    if (!(error instanceof IntegrityError)) throw error;
    return { codec: 'brotli', data: await compress('brotli', data) };
  }
}

/**
 * Compresses `data` with `codec` on the thread pool. `none` returns `data` itself (no copy). The
 * result is a new buffer; `data` is not modified. Throws `UnsupportedFormatError` for an unknown codec.
 */
export async function compress(codec: Codec, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case 'none':
      return data;
    case 'deflate':
      return deflateRaw(data, { level: 1, chunkSize: outputChunk(data.length) });
    case 'brotli':
      return brotliCompress(data, {
        chunkSize: outputChunk(data.length),
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 1,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      });
    case 'zstd': {
      const frame = await requireZstd().compress(data, 1);
      zstdOutputBound(frame, data.length, 'new blob');
      return frame;
    }
    default:
      return unknownCodec(codec);
  }
}

/**
 * Decompresses `data` that must expand to exactly `rawLength` bytes. The decoder is capped at
 * `rawLength` bytes of output (`maxOutputLength`), so a decompression bomb never allocates more than
 * that; output that would be longer, is shorter, or fails to decode is an `IntegrityError`. For
 * `none` the input is returned as is after its length is checked. `object` names the blob in errors.
 */
export async function decompress(codec: Codec, data: Buffer, rawLength: number, object?: string): Promise<Buffer> {
  const what = object ?? 'blob';
  if (!Number.isSafeInteger(rawLength) || rawLength < 0) {
    throw new IntegrityError(`${what} records an invalid length ${String(rawLength)}`, object);
  }
  let output: Buffer;
  try {
    // maxOutputLength must be at least 1; a 0-byte blob that decodes to 1 byte is caught below.
    const options = { maxOutputLength: Math.max(1, rawLength), chunkSize: outputChunk(rawLength) };
    switch (codec) {
      case 'none':
        output = data;
        break;
      case 'deflate':
        output = await inflateRaw(data, options);
        break;
      case 'brotli':
        output = await brotliDecompress(data, options);
        break;
      case 'zstd':
        // Checked first: the binding itself has no output limit.
        zstdOutputBound(data, rawLength, what, object);
        output = await requireZstd().decompress(data);
        break;
      default:
        return unknownCodec(codec);
    }
  } catch (error) {
    if (error instanceof UnsupportedFormatError || error instanceof IntegrityError) throw error;
    const tooLong = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new IntegrityError(
      tooLong
        ? `${what} decompresses to more than its recorded ${rawLength} bytes (damaged or hostile data)`
        : `${what} does not decompress with ${codec}: the data is damaged`,
      object,
      { cause: error },
    );
  }
  if (output.length !== rawLength) {
    throw new IntegrityError(`${what} decompresses to ${output.length} bytes instead of the recorded ${rawLength}`, object);
  }
  return output;
}

const SAMPLE_SIZE = 4096;
/** zstd blobs smaller than this are compressed without sampling them first (see chooseCodec). */
export const ZSTD_TRY_BELOW = 64 * 1024;
const SAMPLES = 4;
/** Order-0 entropy (bits per byte) above which data is treated as already compressed or random. */
const ENTROPY_LIMIT = 7.5;

/**
 * A cheap guess whether compressing `data` is worth the time: estimates the byte entropy of up to
 * four 4 KiB samples spread across the buffer. Random, encrypted and already-compressed data (JPEG,
 * zip, video) measure close to 8 bits per byte and return false; text, code and most binaries
 * return true. Costs a few microseconds per call regardless of `data`'s size.
 */
export function worthCompressing(data: Buffer): boolean {
  if (data.length < 64) return false;
  const counts = new Uint32Array(256);
  let total = 0;
  if (data.length <= SAMPLE_SIZE * SAMPLES) {
    for (let i = 0; i < data.length; i++) counts[data[i]!]!++;
    total = data.length;
  } else {
    const stride = Math.floor((data.length - SAMPLE_SIZE) / (SAMPLES - 1));
    for (let s = 0; s < SAMPLES; s++) {
      const from = s * stride;
      for (let i = from; i < from + SAMPLE_SIZE; i++) counts[data[i]!]!++;
    }
    total = SAMPLE_SIZE * SAMPLES;
  }
  let entropy = 0;
  for (let b = 0; b < 256; b++) {
    const c = counts[b]!;
    if (c !== 0) {
      const p = c / total;
      entropy -= p * Math.log2(p);
    }
  }
  // Small samples underestimate entropy; scale the limit so tiny random inputs still count as random.
  const bias = 255 / (2 * total * Math.LN2);
  return entropy < ENTROPY_LIMIT - bias;
}

/**
 * Picks the codec for one blob: `off` → `none`; `auto` → the default codec when the data looks
 * compressible, else `none`; an explicit codec → that codec when the data looks compressible, else
 * `none`. Throws `UnsupportedFormatError` for an unknown mode.
 */
export function chooseCodec(mode: CompressionMode, data: Buffer): Codec {
  if (mode === 'off' || mode === 'none') return 'none';
  const codec = mode === 'auto' ? DEFAULT_CODEC : mode;
  if (!isCodec(codec)) return unknownCodec(codec);
  // zstd gives up on incompressible input at ~1.7 GB/s, so a small blob is cheaper to try than to
  // sample: sampling reads every byte of blobs under 16 KiB, and with 17.5k small files it was the
  // largest item of the main thread's own work. The 3 % rule still stores such blobs raw.
  if (codec === 'zstd' && data.length < ZSTD_TRY_BELOW) return codec;
  return worthCompressing(data) ? codec : 'none';
}

/** What a blob is stored as: its codec and the stored bytes (`data` itself when `codec` is `none`). */
export interface StoredForm {
  codec: Codec;
  data: Buffer;
  /** When set, the stored bytes are a batcher's frame: call once done with them (see zstd-batch.ts). */
  release?: () => void;
}

/**
 * Compresses a blob for storage under `mode` (small zstd blobs through `batcher` when given) and
 * keeps the result only when it saves at least 3 %; otherwise returns `{ codec: 'none', data }` with
 * the original buffer.
 */
export async function toStoredForm(mode: CompressionMode, data: Buffer, batcher?: ZstdBatcher): Promise<StoredForm> {
  const chosen = chooseCodec(mode, data);
  if (chosen === 'none') return { codec: chosen, data };
  const stored = chosen === 'zstd' ? await compressZstd(data, batcher) : { codec: chosen, data: await compress(chosen, data) };
  if (stored.data.length > data.length * (1 - MIN_SAVING)) {
    stored.release?.();
    return { codec: 'none', data };
  }
  return stored;
}
