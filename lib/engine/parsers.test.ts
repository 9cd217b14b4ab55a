import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlobIndex } from './blob-index';
import { parseConfig } from './config';
import { BLOB_DATA, BLOB_TREE, deriveKeys, openMeta, packMetaPlain, sealMeta, unpackMetaPlain, type RepoCrypto } from './crypto';
import { EngineError } from './errors';
import { encodeIndex, parseIndex } from './index-file';
import { parseKeySlot } from './key-slot';
import { PackWriter, parsePackHeader } from './pack';
import { encodeSnapshot, parseSnapshot } from './snapshot';
import { encodeTree, parseTree, type TreeEntry } from './tree';

const repoId = crypto.randomBytes(32);
const plain: RepoCrypto = { repoId, keys: null };
const encrypted: RepoCrypto = { repoId, keys: deriveKeys(crypto.randomBytes(64), repoId) };

/** Runs `parse` and accepts a result or an EngineError; anything else (TypeError, RangeError…) fails. */
function typed(parse: () => unknown): void {
  try {
    parse();
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
  }
}

/** Applies random byte edits (flip, truncate, insert) to a buffer. */
const mutation = (base: Buffer) =>
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'insert')), { minLength: 1, maxLength: 4 }).map((edits) => {
    let b = Buffer.from(base);
    for (const [pos, v, kind] of edits) {
      const at = b.length ? pos % b.length : 0;
      if (kind === 'flip' && b.length) b[at] = v;
      else if (kind === 'cut') b = b.subarray(0, at);
      else b = Buffer.concat([b.subarray(0, at), Buffer.from([v]), b.subarray(at)]);
    }
    return b;
  });

const entry = (name: string, extra: Partial<TreeEntry> = {}): TreeEntry => ({
  name: Buffer.from(name),
  type: 'file',
  mode: 0o644,
  uid: 1,
  gid: 2,
  mtime: 1n,
  ctime: 2n,
  size: 3,
  inode: 4n,
  dev: 5n,
  nlink: 1,
  content: [{ id: crypto.randomBytes(32), length: 3 }],
  ...extra,
});

function samplePack(c: RepoCrypto) {
  const w = new PackWriter(c, BLOB_DATA);
  for (let i = 0; i < 3; i++) w.add({ type: BLOB_DATA, id: crypto.randomBytes(32), rawLength: 10, codec: 'none' }, [crypto.randomBytes(10)]);
  return w.finish();
}

describe('parsers', () => {
  it('parse random and mutated key slots into a result or a typed error', () => {
    const valid = Buffer.from(
      JSON.stringify({
        version: 1,
        kdf: 'scrypt',
        params: { N: 131072, r: 8, p: 1 },
        salt: crypto.randomBytes(32).toString('base64'),
        nonce: crypto.randomBytes(12).toString('base64'),
        wrapped: crypto.randomBytes(80).toString('base64'),
        commitment: crypto.randomBytes(32).toString('base64'),
        created: 'x',
      }),
    );
    expect(() => parseKeySlot(valid, 'slot')).not.toThrow();
    fc.assert(fc.property(mutation(valid), (b) => typed(() => parseKeySlot(b, 'slot'))), { numRuns: 400 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => typed(() => parseKeySlot(Buffer.from(b), 'slot'))), { numRuns: 200 });
    fc.assert(fc.property(fc.json(), (j) => typed(() => parseKeySlot(Buffer.from(j), 'slot'))), { numRuns: 200 });
  });

  for (const [label, c] of [['plain', plain], ['encrypted', encrypted]] as const) {
    it(`parse mutated pack headers into a result or a typed error (${label})`, () => {
      const pack = Buffer.concat(samplePack(c).parts);
      expect(parsePackHeader(c, pack, 'pack').blobs).toHaveLength(3);
      fc.assert(fc.property(mutation(pack), (b) => typed(() => parsePackHeader(c, b, 'pack'))), { numRuns: 300 });
    });
  }

  it('parse header and index plaintexts with a valid seal around mutated bytes', () => {
    const p = samplePack(plain);
    const index = encodeIndex(plain, [{ id: p.id, salt: p.salt, packType: p.packType, length: p.length, blobs: p.blobs }]);
    const inner = unpackMetaPlain(openMeta(plain, 'index', index, 'index'), 'index');
    expect(parseIndex(plain, index, 'index')).toHaveLength(1);
    fc.assert(
      fc.property(mutation(inner), (b) => typed(() => parseIndex(plain, sealMeta(plain, 'index', packMetaPlain(b)), 'index'))),
      { numRuns: 500 },
    );
    const pack = Buffer.concat(p.parts);
    const hlen = pack.readUInt32LE(pack.length - 4);
    const header = openMeta(plain, 'pack-header', pack.subarray(pack.length - 4 - hlen, pack.length - 4), 'h');
    fc.assert(
      fc.property(mutation(header), (h) => {
        const sealed = sealMeta(plain, 'pack-header', h);
        const len = Buffer.alloc(4);
        len.writeUInt32LE(sealed.length);
        typed(() => parsePackHeader(plain, Buffer.concat([pack.subarray(0, pack.length - 4 - hlen), sealed, len]), 'pack'));
      }),
      { numRuns: 500 },
    );
  });

  it('parse mutated trees into a result or a typed error, never an unsafe name', () => {
    const tree = encodeTree([entry('a'), entry('b', { type: 'dir', content: undefined, size: 0, subtree: crypto.randomBytes(32) }), entry('c', { type: 'symlink', content: undefined, size: 0, target: Buffer.from('/x') })]);
    expect(parseTree(tree, 't')).toHaveLength(3);
    fc.assert(
      fc.property(mutation(tree), (b) => {
        try {
          for (const e of parseTree(b, 't')) {
            expect(['', '.', '..'].includes(e.name.toString('latin1')) || e.name.includes(0x2f) || e.name.includes(0)).toBe(false);
          }
        } catch (e) {
          if (!(e instanceof EngineError)) throw e;
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(fc.property(fc.json(), (j) => typed(() => parseTree(Buffer.from(j), 't'))), { numRuns: 300 });
  });

  it('refuses hostile tree names and inconsistent entries', () => {
    for (const name of ['..', '.', '', 'a/b', '/etc', 'nul\0byte']) {
      expect(() => parseTree(encodeTree([entry(name)]), 't')).toThrow(EngineError);
    }
    expect(() => parseTree(encodeTree([entry('x', { size: 4 })]), 't')).toThrow(/add up/);
    const dup = Buffer.from(JSON.stringify({ v: 1, entries: [JSON.parse(encodeTree([entry('a')]).toString()).entries[0], JSON.parse(encodeTree([entry('a')]).toString()).entries[0]] }));
    expect(() => parseTree(dup, 't')).toThrow(/duplicate/);
  });

  it('parse mutated snapshots and configs into a result or a typed error', () => {
    const snap = encodeSnapshot(encrypted, { time: 't', host: 'h', paths: ['/a'], tags: [], tree: 'a'.repeat(64), parent: null, summary: { files: 1, dirs: 1, bytesRead: 1, bytesAdded: 1, durationMs: 1, warnings: 0 } });
    expect(parseSnapshot(encrypted, 'x', snap).host).toBe('h');
    fc.assert(fc.property(mutation(snap), (b) => typed(() => parseSnapshot(encrypted, 'x', b))), { numRuns: 200 });
    const config = Buffer.from(JSON.stringify({ format: 'coffer-repository', version: 1, id: 'a'.repeat(64), encryption: 'none', chunker: { algorithm: 'fastcdc-v1', min: 1024, avg: 4096, max: 16384 }, compression: 'auto', packSize: 65536 }));
    expect(parseConfig(config, 'r').packSize).toBe(65536);
    fc.assert(fc.property(mutation(config), (b) => typed(() => parseConfig(b, 'r'))), { numRuns: 300 });
  });

  it('refuses a snapshot sealed as an index and a tree blob type under a data id', () => {
    const snap = encodeSnapshot(encrypted, { time: 't', host: 'h', paths: [], tags: [], tree: 'a'.repeat(64), parent: null, summary: { files: 0, dirs: 0, bytesRead: 0, bytesAdded: 0, durationMs: 0, warnings: 0 } });
    expect(() => parseIndex(encrypted, snap, 'index/x')).toThrow(EngineError);
    const other: RepoCrypto = { repoId: crypto.randomBytes(32), keys: encrypted.keys };
    expect(() => parseSnapshot(other, 'x', snap)).toThrow(EngineError);
    expect(BLOB_TREE).not.toBe(BLOB_DATA);
  });
});

describe('BlobIndex', () => {
  it('finds every added id, keeps the first location, and stays under 64 bytes per blob', () => {
    const index = new BlobIndex();
    const ids: Buffer[] = [];
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const id = crypto.randomBytes(32);
      ids.push(id);
      index.add(id, { pack: i % 7, offset: i, length: i + 1, rawLength: i + 2, type: 1, codec: 0 });
    }
    expect(index.size).toBe(n);
    for (let i = 0; i < n; i += 997) expect(index.get(index.find(ids[i]!))).toMatchObject({ pack: i % 7, offset: i, length: i + 1 });
    expect(index.add(ids[5]!, { pack: 99, offset: 0, length: 0, rawLength: 0, type: 1, codec: 0 })).toBe(index.find(ids[5]!));
    expect(index.get(index.find(ids[5]!)).pack).toBe(5);
    expect(index.find(crypto.randomBytes(32))).toBe(-1);
    expect(index.memoryBytes() / n).toBeLessThanOrEqual(64);
  });
});
