/**
 * The in-memory blob index: which pack holds each blob, at which offset and length. It is compact by
 * design (docs/format.md, DESIGN.md "Memory"): ids live in one big Buffer and the other fields in typed
 * arrays, with an open-addressing hash table of entry numbers; no JS object per blob. At steady state
 * an entry costs 32 (id) + 4×4 (pack, offset, length, raw length) + 2 (type, codec) + 4-8 (table)
 * = 54-58 bytes, plus up to 50 % spare capacity right after a growth step.
 */

/** Pack number of an entry whose blob is still being compressed and packed. */
export const PENDING_PACK = 0xffffffff;

/** One entry's fields (ids are returned separately, as a view). */
export interface BlobLocation {
  pack: number;
  offset: number;
  length: number;
  rawLength: number;
  type: number;
  codec: number;
}

/** A compact id → location map. Ids are 32 uniformly random bytes (HMAC or SHA-256 outputs). */
export class BlobIndex {
  private ids: Buffer;
  private pack: Uint32Array;
  private offset: Uint32Array;
  private length: Uint32Array;
  private rawLength: Uint32Array;
  private typeCodec: Uint8Array;
  private table: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    this.ids = Buffer.alloc(capacity * 32);
    this.pack = new Uint32Array(capacity);
    this.offset = new Uint32Array(capacity);
    this.length = new Uint32Array(capacity);
    this.rawLength = new Uint32Array(capacity);
    this.typeCodec = new Uint8Array(capacity * 2);
    let t = 1;
    while (t < capacity * 2) t <<= 1;
    this.table = new Int32Array(t);
    this.mask = t - 1;
  }

  private grow(): void {
    const cap = Math.ceil(this.pack.length * 1.5) + 16;
    const grown = <T extends Uint32Array | Uint8Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    const ids = Buffer.alloc(cap * 32);
    this.ids.copy(ids);
    this.ids = ids;
    this.pack = grown(this.pack, cap);
    this.offset = grown(this.offset, cap);
    this.length = grown(this.length, cap);
    this.rawLength = grown(this.rawLength, cap);
    this.typeCodec = grown(this.typeCodec, cap * 2);
    if (this.table.length < cap * 2) {
      let t = this.table.length;
      while (t < cap * 2) t <<= 1;
      this.table = new Int32Array(t);
      this.mask = t - 1;
      for (let i = 0; i < this.size; i++) this.place(i);
    }
  }

  private place(i: number): void {
    let slot = this.ids.readUInt32LE(i * 32) & this.mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
    this.table[slot] = i + 1;
  }

  /** Returns the entry number of `id`, or -1. */
  find(id: Uint8Array): number {
    let slot = (id[0]! | (id[1]! << 8) | (id[2]! << 16) | (id[3]! << 24)) & this.mask;
    for (;;) {
      const e = this.table[slot]!;
      if (e === 0) return -1;
      const at = (e - 1) * 32;
      if (this.ids.compare(id, 0, 32, at, at + 32) === 0) return e - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  /** True when `id` is indexed (or pending). */
  has(id: Uint8Array): boolean {
    return this.find(id) >= 0;
  }

  /** Adds `id` unless present; returns its entry number either way (an existing entry is kept). */
  add(id: Uint8Array, loc: BlobLocation): number {
    const found = this.find(id);
    if (found >= 0) return found;
    if (this.size >= this.pack.length) this.grow();
    const i = this.size++;
    this.ids.set(id.subarray(0, 32), i * 32);
    this.set(i, loc);
    this.place(i);
    return i;
  }

  /** Overwrites the location of entry `i` (used when a pending blob lands in a pack). */
  set(i: number, loc: BlobLocation): void {
    this.pack[i] = loc.pack;
    this.offset[i] = loc.offset;
    this.length[i] = loc.length;
    this.rawLength[i] = loc.rawLength;
    this.typeCodec[i * 2] = loc.type;
    this.typeCodec[i * 2 + 1] = loc.codec;
  }

  /** The location of entry `i`. */
  get(i: number): BlobLocation {
    return {
      pack: this.pack[i]!,
      offset: this.offset[i]!,
      length: this.length[i]!,
      rawLength: this.rawLength[i]!,
      type: this.typeCodec[i * 2]!,
      codec: this.typeCodec[i * 2 + 1]!,
    };
  }

  /** A view of entry `i`'s id; copy it if it must outlive the next `add`. */
  id(i: number): Buffer {
    return this.ids.subarray(i * 32, i * 32 + 32);
  }

  /** Bytes held by the arrays, for the memory budget test. */
  memoryBytes(): number {
    return this.ids.length + this.pack.byteLength * 4 + this.typeCodec.byteLength + this.table.byteLength;
  }
}
