/**
 * Pack files (docs/format.md "Pack files"): blobs, then a sealed header listing them, then the header's
 * length. The writer assembles a pack in memory (about `packSize` bytes) and names it by its SHA-256.
 */
import crypto from 'node:crypto';
import { BinaryReader, BinaryWriter } from './binary';
import { BLOB_DATA, BLOB_TREE, openMeta, packKey, sealBlob, sealBlobInto, sealMeta, type BlobType, type RepoCrypto } from './crypto';
import { IntegrityError } from './errors';

/** One blob as listed by a pack header or index. */
export interface PackBlob {
  type: BlobType;
  id: Buffer;
  offset: number;
  length: number;
  rawLength: number;
  codec: string;
}

/** Reads a blob type byte, refusing unknown values. */
export function readBlobType(r: BinaryReader): BlobType {
  const t = r.u8();
  if (t !== BLOB_DATA && t !== BLOB_TREE) throw new IntegrityError(`${r.object} has an unknown blob type ${t}`, r.object);
  return t;
}

/** Writes a codec table followed by blob entries; shared by pack headers and indexes. */
export function writeBlobs(w: BinaryWriter, blobs: PackBlob[], codecs: string[]): void {
  w.u32(blobs.length);
  for (const b of blobs) {
    w.u8(b.type).bytes(b.id).u32(b.offset).u32(b.length).u32(b.rawLength).u8(codecs.indexOf(b.codec));
  }
}

/** Collects the distinct codec names of `blobs`. */
export function codecTable(blobs: Iterable<PackBlob>): string[] {
  const s = new Set<string>();
  for (const b of blobs) s.add(b.codec);
  if (s.size > 255) throw new RangeError('too many codecs');
  return [...s];
}

/** Reads a codec table written by `writeCodecs`. */
export function readCodecs(r: BinaryReader): string[] {
  const n = r.u16();
  if (n > 255) throw new IntegrityError(`${r.object} has too many codecs`, r.object);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.str());
  return out;
}

/** Writes a codec table. */
export function writeCodecs(w: BinaryWriter, codecs: string[]): void {
  w.u16(codecs.length);
  for (const c of codecs) w.str(c);
}

/** Reads blob entries; `limit` bounds offset + length (the pack body size) when known. */
export function readBlobs(r: BinaryReader, codecs: string[], limit = Infinity): PackBlob[] {
  const n = r.count(46);
  const out: PackBlob[] = [];
  for (let i = 0; i < n; i++) {
    const type = readBlobType(r);
    const id = Buffer.from(r.bytes(32));
    const offset = r.u32();
    const length = r.u32();
    const rawLength = r.u32();
    const codec = codecs[r.u8()];
    if (codec === undefined) throw new IntegrityError(`${r.object} names a codec that is not in its table`, r.object);
    if (offset + length > limit) throw new IntegrityError(`${r.object} lists a blob beyond the end of the pack`, r.object);
    out.push({ type, id, offset, length, rawLength, codec });
  }
  return out;
}

/** Parses the header at the end of a whole pack file. */
export function parsePackHeader(c: RepoCrypto, pack: Buffer, object: string): { packType: BlobType; salt: Buffer; blobs: PackBlob[] } {
  if (pack.length < 4) throw new IntegrityError(`${object} is truncated`, object);
  const hlen = pack.readUInt32LE(pack.length - 4);
  if (hlen > pack.length - 4) throw new IntegrityError(`${object} has an impossible header length`, object);
  const bodyLength = pack.length - 4 - hlen;
  const plain = openMeta(c, 'pack-header', pack.subarray(bodyLength, pack.length - 4), object);
  const r = new BinaryReader(plain, object);
  r.magic('CPKH');
  if (r.u8() !== 1) throw new IntegrityError(`${object} has an unknown header version`, object);
  const packType = readBlobType(r);
  const salt = Buffer.from(r.bytes(32));
  const codecs = readCodecs(r);
  const blobs = readBlobs(r, codecs, bodyLength);
  r.end();
  return { packType, salt, blobs };
}

/** A finished pack, ready to be written as `data/<id[0:2]>/<id>`. */
export interface FinishedPack {
  id: string;
  parts: Buffer[];
  length: number;
  packType: BlobType;
  salt: Buffer;
  blobs: PackBlob[];
}

/**
 * Accumulates sealed blobs of one type into a pack. With a `body` buffer, blobs are sealed straight
 * into it (`addPayload`) and the pack is handed out as a view of it, so a backup reuses a few pack
 * buffers instead of allocating every blob's ciphertext; without one, sealed parts are collected.
 */
export class PackWriter {
  readonly salt = crypto.randomBytes(32);
  readonly key: Buffer | null;
  private parts: Buffer[] = [];
  readonly blobs: PackBlob[] = [];
  length = 0;
  private readonly hash = crypto.createHash('sha256');
  private hashed = 0;

  constructor(
    private readonly c: RepoCrypto,
    readonly packType: BlobType,
    readonly body: Buffer | null = null,
  ) {
    this.key = packKey(c, packType, this.salt);
  }

  /** Bytes the body buffer can still take (Infinity without a body). */
  get room(): number {
    return this.body ? this.body.length - this.length : Infinity;
  }

  /** Appends one sealed blob (as returned by sealBlob); returns its offset. Not with a body. */
  add(blob: Omit<PackBlob, 'offset' | 'length'>, stored: Buffer[]): PackBlob {
    if (this.body) throw new Error('PackWriter.add: this writer seals into its body; use addPayload');
    let length = 0;
    for (const p of stored) length += p.length;
    const entry: PackBlob = { ...blob, offset: this.length, length };
    this.parts.push(...stored);
    this.length += length;
    this.blobs.push(entry);
    return entry;
  }

  /** Seals `payload` (compressed as `blob.codec` says) into the pack; returns its entry. */
  addPayload(blob: Omit<PackBlob, 'offset' | 'length'>, payload: Uint8Array): PackBlob {
    if (!this.body) {
      // Unencrypted, sealBlob would return `payload` itself, which the caller may reuse: keep a copy.
      const own = this.key ? Buffer.from(payload.buffer, payload.byteOffset, payload.length) : Buffer.from(payload);
      return this.add(blob, sealBlob(this.c, this.key, blob, own));
    }
    const length = sealBlobInto(this.c, this.key, blob, payload, this.body, this.length);
    const entry: PackBlob = { ...blob, offset: this.length, length };
    this.length += length;
    this.blobs.push(entry);
    // Hash as we go (in steps of a few MiB), so closing a pack does not stall on 16 MiB at once.
    if (this.length - this.hashed >= 4 * 1024 * 1024) {
      this.hash.update(this.body.subarray(this.hashed, this.length));
      this.hashed = this.length;
    }
    return entry;
  }

  /** Seals the header and names the pack. The writer must not be used afterwards. */
  finish(): FinishedPack {
    const w = new BinaryWriter(64 + this.blobs.length * 48);
    w.bytes(Buffer.from('CPKH')).u8(1).u8(this.packType).bytes(this.salt);
    const codecs = codecTable(this.blobs);
    writeCodecs(w, codecs);
    writeBlobs(w, this.blobs, codecs);
    const header = sealMeta(this.c, 'pack-header', w.finish());
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32LE(header.length);
    const h = this.hash;
    let parts: Buffer[];
    if (this.body) {
      h.update(this.body.subarray(this.hashed, this.length));
      parts = [this.body.subarray(0, this.length), header, len];
    } else {
      for (const p of this.parts) h.update(p);
      parts = [...this.parts, header, len];
    }
    h.update(header).update(len);
    return {
      id: h.digest('hex'),
      parts,
      length: this.length + header.length + 4,
      packType: this.packType,
      salt: this.salt,
      blobs: this.blobs,
    };
  }
}

/** The storage key of a pack. */
export const packPath = (id: string): string => `data/${id.slice(0, 2)}/${id}`;
