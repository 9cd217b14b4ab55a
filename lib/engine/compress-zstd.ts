/**
 * Zstandard through the `@mongodb-js/zstd` binding (prebuilt per-platform packages from npm; it runs
 * on libuv's thread pool). The binding decodes without an output limit, so before any zstd data is
 * handed to it, `zstdOutputBound` walks the frame's block headers (RFC 8878) and bounds the output:
 * exactly one frame, no dictionary, a window of at most 8 MiB, no trailing bytes, and block sizes
 * that cannot add up to more than the recorded length plus one block. A decompression bomb is thus
 * refused before a byte is decoded. Blobs this module compresses are checked the same way, so
 * every blob Coffer writes passes the check that reading applies.
 */
import { createRequire } from 'node:module';
import { IntegrityError } from './errors';

interface ZstdBinding {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

let binding: ZstdBinding | null | undefined;

/**
 * The native binding, or null when it is not installed for this platform. The package's main module
 * wraps the binding in functions that drop the `level` argument (so every blob was compressed at
 * zstd's default level 3); its `bindings.js` is the napi-rs loader itself and honours the level.
 * The specifiers are literals so that bundlers (Next.js) see them and leave the package external.
 */
export function zstdBinding(): ZstdBinding | null {
  if (binding === undefined) {
    const require = createRequire(import.meta.url);
    binding = null;
    try {
      binding = require('@mongodb-js/zstd/bindings.js') as ZstdBinding;
    } catch {
      try {
        binding = require('@mongodb-js/zstd') as ZstdBinding;
      } catch {
        // Not installed for this platform: `auto` falls back to brotli; zstd blobs cannot be read.
      }
    }
  }
  return binding;
}

let bindingPath: string | null | undefined;

/**
 * The file of the binding, for worker threads (which load it themselves), or null when it cannot be
 * found; callers then leave zstd to the main thread. Resolved at run time through
 * `process.getBuiltinModule`, which bundlers do not treat as a module reference (Turbopack rewrote a
 * `require.resolve` here into paths of its build machine), from this module and then from the
 * program's own file.
 */
export function zstdBindingPath(): string | null {
  if (bindingPath === undefined) {
    bindingPath = null;
    if (!zstdBinding()) return bindingPath;
    const { createRequire: requireFrom } = process.getBuiltinModule('node:module');
    const bases = [import.meta.url, process.argv[1]].filter((b): b is string => typeof b === 'string' && b.length > 0);
    for (const base of bases) {
      try {
        const require = requireFrom(base);
        const path = require.resolve(['@mongodb-js', 'zstd', 'bindings.js'].join('/'));
        require(path);
        bindingPath = path;
        break;
      } catch {
        // Not resolvable from there: try the next base, else null.
      }
    }
  }
  return bindingPath;
}

const MAGIC = 0xfd2fb528;
/** Largest block output zstd allows (Block_Maximum_Size for windows ≥ 128 KiB). */
export const ZSTD_BLOCK_MAX = 128 * 1024;
/** Largest window accepted: the decoder allocates a buffer of this size. */
const WINDOW_MAX = 8 * 1024 * 1024;

/**
 * Returns an upper bound of the bytes `frame` decodes to, and throws IntegrityError (naming `what`)
 * when the frame is malformed, uses features Coffer never writes, or could decode to more than
 * `rawLength` + one block, or to less than `rawLength`.
 */
export function zstdOutputBound(frame: Buffer, rawLength: number, what: string, object?: string): number {
  const fail = (why: string): never => {
    throw new IntegrityError(`${what} is not a valid zstd blob (${why}): the data is damaged`, object);
  };
  if (frame.length < 6 || frame.readUInt32LE(0) !== MAGIC) fail('bad magic');
  const fhd = frame[4]!;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  if (fhd & 0x08) fail('reserved bit set');
  if (fhd & 0x03) fail('dictionaries are not used by Coffer');
  let pos = 5;
  let window = 0;
  if (!singleSegment) {
    const wd = frame[pos++]!;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  }
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  if (pos + fcsBytes > frame.length) fail('truncated header');
  let contentSize: number | undefined;
  if (fcsBytes === 1) contentSize = frame[pos]!;
  else if (fcsBytes === 2) contentSize = frame.readUInt16LE(pos) + 256;
  else if (fcsBytes === 4) contentSize = frame.readUInt32LE(pos);
  else if (fcsBytes === 8) contentSize = Number(frame.readBigUInt64LE(pos));
  pos += fcsBytes;
  if (contentSize !== undefined && contentSize !== rawLength) fail(`declares ${contentSize} bytes instead of ${rawLength}`);
  if (singleSegment) window = contentSize ?? 0;
  if (window > WINDOW_MAX) fail(`window of ${window} bytes`);
  const blockMax = Math.min(window, ZSTD_BLOCK_MAX);
  let bound = 0;
  for (let last = 0; !last; ) {
    if (pos + 3 > frame.length) fail('truncated block header');
    const header = frame.readUIntLE(pos, 3);
    pos += 3;
    last = header & 1;
    const type = (header >> 1) & 3;
    const size = header >>> 3;
    if (type === 3) fail('reserved block type');
    if (size > blockMax) fail('block larger than the window allows');
    const stored = type === 1 ? 1 : size;
    if (pos + stored > frame.length) fail('truncated block');
    pos += stored;
    bound += type === 2 ? blockMax : size;
    if (bound > rawLength + ZSTD_BLOCK_MAX) fail(`could decode to more than the recorded ${rawLength} bytes`);
  }
  if (fhd & 0x04) pos += 4;
  if (pos !== frame.length) fail(pos > frame.length ? 'truncated checksum' : 'trailing data after the frame');
  if (bound < rawLength) fail(`cannot decode to the recorded ${rawLength} bytes`);
  return bound;
}
