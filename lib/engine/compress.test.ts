import { createCipheriv, createHash } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CODECS, DEFAULT_CODEC, ZSTD_TRY_BELOW, chooseCodec, compress, decompress, isCodec, toStoredForm, worthCompressing, zstdAvailable, type Codec } from './compress';
import { zstdBinding } from './compress-zstd';
import { IntegrityError, UnsupportedFormatError } from './errors';

function pseudoRandom(length: number, seed: string): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

function text(length: number): Buffer {
  const words = ['backup', 'restore', 'chunk', 'the', 'of', 'snapshot', 'repository', 'a', 'file', 'tree', 'pack'];
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < length; i++) {
    const word = `${words[(i * 7 + (i >> 3)) % words.length]}${i % 13 === 0 ? `${i}\n` : ' '}`;
    parts.push(word);
    size += word.length;
  }
  return Buffer.from(parts.join('')).subarray(0, length);
}

const ZSTD_SLACK = 1 << 20;

describe('compress', () => {
  const sizes = [0, 1, 2, 63, 64, 4097, 65_537, 1_000_003, 8 << 20];

  for (const codec of CODECS) {
    it(`round-trips ${codec} at sizes 0, 1, odd sizes and 8 MiB`, async () => {
      for (const size of sizes) {
        for (const data of [text(size), pseudoRandom(size, `rt-${size}`)]) {
          const packed = await compress(codec, data);
          const unpacked = await decompress(codec, packed, size);
          expect(unpacked.length).toBe(size);
          expect(unpacked.equals(data)).toBe(true);
        }
      }
    });
  }

  it('compresses text with every real codec', async () => {
    const data = text(1 << 20);
    for (const codec of ['deflate', 'brotli', 'zstd'] as const) {
      expect((await compress(codec, data)).length).toBeLessThan(data.length / 2);
    }
  });

  it('refuses a decompression bomb without allocating past the recorded length', async () => {
    // 256 MiB of zeros, compressed by streaming so the test itself stays small.
    const zero = Buffer.alloc(1 << 20);
    for (const [codec, stream] of [
      ['deflate', zlib.createDeflateRaw({ level: 1 })],
      ['brotli', zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } })],
    ] as const) {
      const parts: Buffer[] = [];
      stream.on('data', (part: Buffer) => parts.push(part));
      const done = new Promise((resolve) => stream.on('end', resolve));
      for (let i = 0; i < 256; i++) {
        if (!stream.write(zero)) await new Promise((resolve) => stream.once('drain', resolve));
      }
      stream.end();
      await done;
      const bomb = Buffer.concat(parts);
      expect(bomb.length).toBeLessThan(4 << 20);
      const before = process.memoryUsage().rss;
      const error = await decompress(codec, bomb, 1 << 20, 'blob 1234').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntegrityError);
      expect((error as IntegrityError).message).toContain('blob 1234');
      expect((error as IntegrityError).object).toBe('blob 1234');
      // Decoding the whole bomb would need 256 MiB; the cap keeps growth far below that.
      expect(process.memoryUsage().rss - before).toBeLessThan(128 << 20);
    }
  });

  it('uses zstd by default where its binding is installed', () => {
    expect(zstdAvailable()).toBe(true);
    expect(DEFAULT_CODEC).toBe('zstd');
  });

  it('compresses zstd blobs at level 1 (the binding honours the level it is given)', async () => {
    // Text with enough repetition at a distance for level 3's larger search to find more.
    const words = Array.from({ length: 4000 }, (_, i) => createHash('sha256').update(String(i)).digest('hex').slice(0, 3 + (i % 7)));
    let state = 7;
    const text = Buffer.from(Array.from({ length: 120_000 }, () => words[(state = (state * 48271) % 2147483647) % words.length]).join(' '));
    const z = zstdBinding()!;
    const [level1, level3] = await Promise.all([z.compress(text, 1), z.compress(text, 3)]);
    expect(level1.equals(level3)).toBe(false);
    expect((await compress('zstd', text)).equals(level1)).toBe(true);
  });

  it('refuses a zstd bomb before decoding it', async () => {
    const bomb = await zstdBinding()!.compress(Buffer.alloc(256 << 20), 1);
    expect(bomb.length).toBeLessThan(1 << 20);
    const before = process.memoryUsage().rss;
    const error = await decompress('zstd', bomb, 1 << 20, 'blob abcd').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(/blob abcd .*more than the recorded/);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });

  it('refuses zstd frames Coffer never writes', async () => {
    const data = text(300_000);
    const frame = await compress('zstd', data);
    const two = Buffer.concat([frame, frame]);
    await expect(decompress('zstd', two, data.length * 2)).rejects.toThrow(/trailing data/);
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]), frame]);
    await expect(decompress('zstd', skippable, data.length)).rejects.toThrow(/bad magic/);
    const withDictionary = Buffer.from(frame);
    withDictionary[4] = withDictionary[4]! | 0x01;
    await expect(decompress('zstd', withDictionary, data.length)).rejects.toThrow(/dictionaries/);
    const hugeWindow = Buffer.from(frame);
    if ((hugeWindow[4]! & 0x20) === 0) {
      hugeWindow[5] = 0xf8;
      await expect(decompress('zstd', hugeWindow, data.length)).rejects.toThrow(/window/);
    }
    await expect(decompress('zstd', frame.subarray(0, frame.length - 1), data.length)).rejects.toBeInstanceOf(IntegrityError);
    await expect(decompress('zstd', frame, data.length + ZSTD_SLACK)).rejects.toThrow(/cannot decode to the recorded/);
    await expect(decompress('zstd', Buffer.alloc(3), 0)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('refuses output shorter or longer than the recorded length', async () => {
    const data = text(10_000);
    for (const codec of CODECS) {
      const packed = await compress(codec, data);
      await expect(decompress(codec, packed, 9_999)).rejects.toBeInstanceOf(IntegrityError);
      await expect(decompress(codec, packed, 10_001)).rejects.toBeInstanceOf(IntegrityError);
      await expect(decompress(codec, packed, -1)).rejects.toBeInstanceOf(IntegrityError);
    }
    const one = await compress('deflate', Buffer.from('x'));
    await expect(decompress('deflate', one, 0)).rejects.toBeInstanceOf(IntegrityError);
  });

  it('refuses damaged compressed data', async () => {
    for (const codec of ['deflate', 'brotli', 'zstd'] as const) {
      const packed = await compress(codec, text(100_000));
      const damaged = Buffer.from(packed);
      damaged.fill(0xff, 10, 40);
      await expect(decompress(codec, damaged, 100_000)).rejects.toBeInstanceOf(IntegrityError);
      await expect(decompress(codec, packed.subarray(0, packed.length >> 1), 100_000)).rejects.toBeInstanceOf(IntegrityError);
    }
  });

  it('refuses unknown codecs as a newer format', async () => {
    await expect(compress('zstd9' as Codec, Buffer.from('x'))).rejects.toBeInstanceOf(UnsupportedFormatError);
    await expect(decompress('lzma' as Codec, Buffer.from('x'), 1)).rejects.toBeInstanceOf(UnsupportedFormatError);
    expect(() => chooseCodec('lzma' as Codec, text(1000))).toThrow(UnsupportedFormatError);
    expect(isCodec('brotli')).toBe(true);
    expect(isCodec('auto')).toBe(false);
  });

  it('detects incompressible data cheaply and keeps compressible data', async () => {
    expect(worthCompressing(pseudoRandom(1 << 20, 'r'))).toBe(false);
    expect(worthCompressing(pseudoRandom(3000, 'r'))).toBe(false);
    expect(worthCompressing(await promisify(zlib.gzip)(text(1 << 20)))).toBe(false);
    expect(worthCompressing(text(1 << 20))).toBe(true);
    expect(worthCompressing(text(500))).toBe(true);
    expect(worthCompressing(Buffer.alloc(1 << 20))).toBe(true);
    expect(worthCompressing(Buffer.from(pseudoRandom(1 << 20, 'b64').toString('base64')))).toBe(true);
  });

  it('chooses codecs by mode', () => {
    const compressible = text(100_000);
    const random = pseudoRandom(100_000, 'c');
    expect(chooseCodec('auto', compressible)).toBe(DEFAULT_CODEC);
    expect(chooseCodec('auto', random)).toBe('none');
    expect(chooseCodec('off', compressible)).toBe('none');
    expect(chooseCodec('deflate', compressible)).toBe('deflate');
    expect(chooseCodec('deflate', random)).toBe('none');
  });

  it('tries zstd on small blobs without sampling them, and still stores incompressible ones raw', async () => {
    const small = pseudoRandom(ZSTD_TRY_BELOW - 1, 's');
    expect(worthCompressing(small)).toBe(false);
    expect(chooseCodec('auto', small)).toBe('zstd');
    expect(chooseCodec('deflate', small)).toBe('none');
    expect(chooseCodec('auto', pseudoRandom(ZSTD_TRY_BELOW, 's'))).toBe('none');
    const stored = await toStoredForm('auto', small);
    expect(stored.codec).toBe('none');
    expect(stored.data).toBe(small);
  });

  it('stores raw when compression saves less than 3 %', async () => {
    const compressible = text(200_000);
    const stored = await toStoredForm('auto', compressible);
    expect(stored.codec).toBe(DEFAULT_CODEC);
    expect(await decompress(stored.codec, stored.data, compressible.length)).toEqual(compressible);
    // The first sample is zeros, so the sampler says compressible, but the whole saves under 1 %.
    const mostlyRandom = Buffer.concat([Buffer.alloc(4096), pseudoRandom(1 << 20, 'm')]);
    expect(worthCompressing(mostlyRandom)).toBe(true);
    const forced = await toStoredForm('auto', mostlyRandom);
    expect(forced.codec).toBe('none');
    expect(forced.data).toBe(mostlyRandom);
    const random = pseudoRandom(50_000, 's');
    const raw = await toStoredForm('auto', random);
    expect(raw.codec).toBe('none');
    expect(raw.data).toBe(random);
  });
});

describe('compress (fuzz)', () => {
  it('returns exactly the recorded length or throws IntegrityError for a mutated or truncated blob', async () => {
    const data = text(200_000);
    for (const codec of ['deflate', 'brotli', 'zstd'] as const) {
      const packed = await compress(codec, data);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat({ max: packed.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 0, max: packed.length }),
          async (flips, cut) => {
            const mutated = Buffer.from(packed.subarray(0, Math.max(cut, 1)));
            for (const [at, xor] of flips) if (at < mutated.length) mutated[at] = mutated[at]! ^ xor;
            try {
              const out = await decompress(codec, mutated, data.length);
              expect(out.length).toBe(data.length);
            } catch (error) {
              expect(error).toBeInstanceOf(IntegrityError);
            }
          },
        ),
        { numRuns: 150 },
      );
    }
  });

  it('checks arbitrary bytes as zstd frames with typed errors only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 1 << 20 }), async (bytes, rawLength) => {
        const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.from(bytes)]);
        await decompress('zstd', frame, rawLength).then(
          (out) => expect(out.length).toBe(rawLength),
          (error: unknown) => expect(error).toBeInstanceOf(IntegrityError),
        );
      }),
      { numRuns: 500 },
    );
  });
});
