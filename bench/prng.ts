/**
 * Deterministic data for the benchmark: a seeded PRNG and generators for text-like, log-like and
 * random bytes. The same seed always yields the same bytes, so runs and machines are comparable.
 */
import { createCipheriv, createHash } from 'node:crypto';

/** A small, fast, seeded PRNG (xorshift128+ folded to 32 bits). */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: string) {
    const h = createHash('sha256').update(seed).digest();
    this.s0 = h.readUInt32LE(0) | 1;
    this.s1 = h.readUInt32LE(4);
    this.s2 = h.readUInt32LE(8);
    this.s3 = h.readUInt32LE(12);
  }

  /** A uniformly distributed unsigned 32-bit integer (xoshiro128**). */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor((this.next() / 2 ** 32) * (hi - lo + 1));
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 2 ** 32;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Incompressible bytes: AES-256-CTR keystream keyed by `seed`. */
export function randomBytes(length: number, seed: string): Buffer {
  const key = createHash('sha256').update(`random:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

const VOCABULARY_SIZE = 4000;
let vocabulary: string[] | undefined;

/** A fixed vocabulary of pseudo-words with a Zipf-like use frequency (frequent words are short). */
function words(): string[] {
  if (vocabulary) return vocabulary;
  const prng = new Prng('vocabulary');
  const letters = 'etaoinshrdlcumwfgypbvkjxqz';
  vocabulary = [];
  for (let i = 0; i < VOCABULARY_SIZE; i++) {
    const length = 2 + Math.min(10, Math.floor(Math.log2(i + 2) * 0.9) + prng.int(0, 3));
    let word = '';
    for (let j = 0; j < length; j++) word += letters[Math.floor(letters.length * prng.float() ** 2)];
    vocabulary.push(word);
  }
  return vocabulary;
}

function zipfWord(prng: Prng): string {
  const list = words();
  // Inverse-power sampling approximates a Zipf distribution over ranks.
  const rank = Math.floor(list.length * prng.float() ** 3);
  return list[rank]!;
}

/** Prose-like text: sentences of Zipf-distributed words, wrapped into lines. Compresses ~2.5-3x. */
export function textBytes(length: number, prng: Prng): Buffer {
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const sentence: string[] = [];
    const count = prng.int(4, 18);
    for (let i = 0; i < count; i++) sentence.push(zipfWord(prng));
    if (prng.float() < 0.2) sentence.push(String(prng.int(0, 99999)));
    const line = `${sentence.join(' ')}.${prng.float() < 0.15 ? '\n\n' : '\n'}`;
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, length);
}

/** Log- or CSV-like records: repetitive structure with varying fields. Compresses ~4-6x. */
export function logBytes(length: number, prng: Prng): Buffer {
  const levels = ['INFO', 'WARN', 'DEBUG', 'ERROR'];
  const parts: string[] = [];
  let size = 0;
  let time = 1_700_000_000_000 + prng.int(0, 1e9);
  while (size < length) {
    time += prng.int(1, 5000);
    const line = `${new Date(time).toISOString()} ${levels[prng.int(0, 3)]} [worker-${prng.int(1, 16)}] ${zipfWord(prng)} ${zipfWord(prng)} id=${prng.next().toString(16)} took=${prng.int(1, 900)}ms\n`;
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, length);
}
