/**
 * Index objects (docs/format.md "Index objects"): the list of packs a backup wrote and the blobs in
 * each, sealed under the metadata key and named by the SHA-256 of the stored bytes.
 */
import { BinaryReader, BinaryWriter } from './binary';
import { openMeta, packMetaPlain, sealMeta, unpackMetaPlain, type BlobType, type RepoCrypto } from './crypto';
import { IntegrityError } from './errors';
import { codecTable, readBlobType, readBlobs, readCodecs, writeBlobs, writeCodecs, type PackBlob } from './pack';

/** One pack as an index lists it. */
export interface IndexedPack {
  id: string;
  salt: Buffer;
  packType: BlobType;
  length: number;
  blobs: PackBlob[];
}

/** Encodes and seals an index object. */
export function encodeIndex(c: RepoCrypto, packs: IndexedPack[]): Buffer {
  const w = new BinaryWriter(1024);
  w.bytes(Buffer.from('CIDX')).u8(1);
  const codecs = codecTable(packs.flatMap((p) => p.blobs));
  writeCodecs(w, codecs);
  w.u32(packs.length);
  for (const p of packs) {
    w.bytes(Buffer.from(p.id, 'hex')).bytes(p.salt).u8(p.packType).u32(p.length);
    writeBlobs(w, p.blobs, codecs);
  }
  return sealMeta(c, 'index', packMetaPlain(w.finish()));
}

/** Opens and parses an index object; throws IntegrityError naming `object` on any defect. */
export function parseIndex(c: RepoCrypto, sealed: Buffer, object: string): IndexedPack[] {
  const r = new BinaryReader(unpackMetaPlain(openMeta(c, 'index', sealed, object), object), object);
  r.magic('CIDX');
  if (r.u8() !== 1) throw new IntegrityError(`${object} has an unknown index version`, object);
  const codecs = readCodecs(r);
  const n = r.count(73);
  const packs: IndexedPack[] = [];
  for (let i = 0; i < n; i++) {
    const id = r.bytes(32).toString('hex');
    const salt = Buffer.from(r.bytes(32));
    const packType = readBlobType(r);
    const length = r.u32();
    const blobs = readBlobs(r, codecs, length);
    for (const b of blobs) {
      if (b.type !== packType) throw new IntegrityError(`${object} lists a blob of the wrong type in pack ${id}`, object);
    }
    packs.push({ id, salt, packType, length, blobs });
  }
  r.end();
  return packs;
}
