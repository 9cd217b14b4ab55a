/**
 * The in-memory blob index: which pack holds each blob, at which offset and length. It is compact by
 * design (DESIGN.md "Memory"): ids live in big Buffers and the other fields in typed arrays, in
 * segments of 16 Ki entries, with an open-addressing hash table of entry numbers; no JS object per
 * blob. An entry costs 32 (id) + 4×4 (pack, offset, length, raw length) + 2 (type, codec) = 50 bytes
 * plus 5-10 bytes of hash table (40-80 % load), plus the unused part of the last segment.
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

const SEG_BITS = 14;
const SEG = 1 << SEG_BITS;
const SEG_MASK = SEG - 1;
/** The hash table doubles when it is this full, so it stays between 40 % and 80 % full. */
const MAX_LOAD = 0.8;

/** One fixed-size block of entries; growth adds blocks instead of copying, so there is no 2× peak. */
interface Segment {
  ids: Buffer;
  pack: Uint32Array;
  offset: Uint32Array;
  length: Uint32Array;
  rawLength: Uint32Array;
  typeCodec: Uint8Array;
}

const segment = (): Segment => ({
  ids: Buffer.alloc(SEG * 32),
  pack: new Uint32Array(SEG),
  offset: new Uint32Array(SEG),
  length: new Uint32Array(SEG),
  rawLength: new Uint32Array(SEG),
  typeCodec: new Uint8Array(SEG * 2),
});

/** A compact id → location map. Ids are 32 uniformly random bytes (HMAC or SHA-256 outputs). */
export class BlobIndex {
  private segs: Segment[] = [];
  private table = new Int32Array(1024);
  private mask = 1023;
  size = 0;

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length - 1;
    for (let i = 0; i < this.size; i++) this.place(i);
  }

  private place(i: number): void {
    const seg = this.segs[i >>> SEG_BITS]!;
    let slot = seg.ids.readUInt32LE((i & SEG_MASK) * 32) & this.mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
    this.table[slot] = i + 1;
  }

  /** Returns the entry number of `id`, or -1. */
  find(id: Uint8Array): number {
    let slot = (id[0]! | (id[1]! << 8) | (id[2]! << 16) | (id[3]! << 24)) & this.mask;
    for (;;) {
      const e = this.table[slot]!;
      if (e === 0) return -1;
      const i = e - 1;
      const at = (i & SEG_MASK) * 32;
      if (this.segs[i >>> SEG_BITS]!.ids.compare(id, 0, 32, at, at + 32) === 0) return i;
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
    const i = this.size++;
    if ((i & SEG_MASK) === 0) this.segs.push(segment());
    this.segs[i >>> SEG_BITS]!.ids.set(id.subarray(0, 32), (i & SEG_MASK) * 32);
    this.set(i, loc);
    if (this.size > this.table.length * MAX_LOAD) this.rehash();
    else this.place(i);
    return i;
  }

  /** Overwrites the location of entry `i` (used when a pending blob lands in a pack). */
  set(i: number, loc: BlobLocation): void {
    const s = this.segs[i >>> SEG_BITS]!;
    const j = i & SEG_MASK;
    s.pack[j] = loc.pack;
    s.offset[j] = loc.offset;
    s.length[j] = loc.length;
    s.rawLength[j] = loc.rawLength;
    s.typeCodec[j * 2] = loc.type;
    s.typeCodec[j * 2 + 1] = loc.codec;
  }

  /** The location of entry `i`. */
  get(i: number): BlobLocation {
    const s = this.segs[i >>> SEG_BITS]!;
    const j = i & SEG_MASK;
    return { pack: s.pack[j]!, offset: s.offset[j]!, length: s.length[j]!, rawLength: s.rawLength[j]!, type: s.typeCodec[j * 2]!, codec: s.typeCodec[j * 2 + 1]! };
  }

  /** A view of entry `i`'s id. */
  id(i: number): Buffer {
    const at = (i & SEG_MASK) * 32;
    return this.segs[i >>> SEG_BITS]!.ids.subarray(at, at + 32);
  }

  /** Bytes held by the arrays, for the memory budget test. */
  memoryBytes(): number {
    return this.segs.length * SEG * 50 + this.table.byteLength;
  }
}
