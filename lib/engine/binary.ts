/**
 * Bounds-checked binary reading and writing for the repository's object formats. Every read past the
 * end, or any malformed length, throws `IntegrityError` naming the object, so parsers of hostile input
 * fail with a typed error instead of crashing or allocating absurd amounts of memory.
 */
import { IntegrityError } from './errors';

/** Sequential reader over a buffer; `object` names what is parsed, for error messages. */
export class BinaryReader {
  offset = 0;
  constructor(
    readonly buf: Buffer,
    readonly object: string,
  ) {}

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.buf.length) {
      throw new IntegrityError(`${this.object} is truncated or malformed`, this.object);
    }
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.offset++);
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  str(): string {
    return this.bytes(this.u16()).toString('utf8');
  }
  /** Reads a count and refuses one that could not fit in the rest of the buffer at `minSize` bytes each. */
  count(minSize: number): number {
    const n = this.u32();
    if (n * minSize > this.buf.length - this.offset) {
      throw new IntegrityError(`${this.object} declares more entries than it holds`, this.object);
    }
    return n;
  }
  magic(expected: string): void {
    if (!this.bytes(expected.length).equals(Buffer.from(expected, 'latin1'))) {
      throw new IntegrityError(`${this.object} has the wrong magic bytes`, this.object);
    }
  }
  end(): void {
    if (this.offset !== this.buf.length) {
      throw new IntegrityError(`${this.object} has trailing bytes`, this.object);
    }
  }
}

/** Growable writer; `finish()` returns the bytes written. */
export class BinaryWriter {
  private buf: Buffer;
  private len = 0;
  constructor(initial = 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u8(v: number): this {
    this.room(1);
    this.buf.writeUInt8(v, this.len++);
    return this;
  }
  u16(v: number): this {
    this.room(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length > 0xffff) throw new RangeError('string too long for str()');
    return this.u16(b.length).bytes(b);
  }
  finish(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}
