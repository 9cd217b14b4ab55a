import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { zstdBinding, zstdBindingPath } from './compress-zstd';
import { FileWriter } from './file-writer';
import { cleanup, pseudoRandom, tempDir } from './test-helpers';

const idKey = crypto.randomBytes(32);
const idOf = (b: Buffer) => crypto.createHmac('sha256', idKey).update(b).digest('hex');
/** Parts for plain payloads (codec none) with their true ids. */
const plainParts = (chunks: Buffer[]) => chunks.map((c) => ({ codec: 'none' as const, rawLength: c.length, id: idOf(c) }));
const newWriter = () => new FileWriter(idKey, zstdBindingPath());

const dirs: string[] = [];
afterEach(() => cleanup(...dirs.splice(0)));
const order = (dir: string, name: string, extra: Partial<{ chmod: number; time: number }> = {}) => ({
  tmp: path.join(dir, `.tmp-${name}`),
  dest: path.join(dir, name),
  openMode: 0o640,
  chmod: extra.chmod ?? -1,
  chown: null,
  time: extra.time ?? 1_000_000_000.5,
});

describe('FileWriter', () => {
  it('creates files across several batches with their bytes, holes, modes and times, and no temp names left', async () => {
    const dir = tempDir('coffer-fw');
    dirs.push(dir);
    const writer = newWriter();
    const expected = new Map<string, Buffer>();
    const outcomes: Promise<unknown>[] = [];
    for (let i = 0; i < 150; i++) {
      // Chunks reused by the caller right after write() resolves must not change what is written.
      const chunks = [pseudoRandom(1000 + i * 37, i), Buffer.alloc(i % 3 === 0 ? 8192 : 0), pseudoRandom(i * 11, 1000 + i)];
      expected.set(`f${i}`, Buffer.concat(chunks));
      const { outcome } = await writer.write(order(dir, `f${i}`, i === 7 ? { chmod: 0o4750 } : {}), plainParts(chunks), chunks);
      for (const c of chunks) c.fill(0xff);
      outcomes.push(outcome);
    }
    await writer.flush();
    expect(await Promise.all(outcomes)).toEqual(Array(150).fill(null));
    await writer.close();
    expect(fs.readdirSync(dir).sort()).toEqual([...expected.keys()].sort());
    for (const [name, bytes] of expected) expect([name, fs.readFileSync(path.join(dir, name)).equals(bytes)]).toEqual([name, true]);
    const st = fs.statSync(path.join(dir, 'f3'));
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.mtimeMs).toBe(1_000_000_000_500);
    expect(fs.statSync(path.join(dir, 'f7')).mode & 0o7777).toBe(0o4750);
  });

  it('reports a failure per file, removes its temp name, and never writes through an existing name', async () => {
    const dir = tempDir('coffer-fw');
    dirs.push(dir);
    const outside = tempDir('coffer-fw-outside');
    dirs.push(outside);
    // A symlink planted at the temp name must make the open fail (O_EXCL|O_NOFOLLOW), not follow it.
    fs.symlinkSync(path.join(outside, 'victim'), path.join(dir, '.tmp-planted'));
    const writer = newWriter();
    const write = (o: ReturnType<typeof order>, text: string) => writer.write(o, plainParts([Buffer.from(text)]), [Buffer.from(text)]);
    const a = await write(order(dir, 'planted'), 'secret');
    const b = await write({ ...order(dir, 'missing'), dest: path.join(dir, 'no-such-folder', 'x') }, 'x');
    const c = await write(order(dir, 'fine'), 'ok');
    await writer.flush();
    await writer.close();
    expect((await a.outcome)?.code).toBe('EEXIST');
    expect((await b.outcome)?.code).toBe('ENOENT');
    expect(await c.outcome).toBeNull();
    expect(fs.existsSync(path.join(outside, 'victim'))).toBe(false);
    expect(fs.existsSync(path.join(dir, '.tmp-missing'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'fine'), 'utf8')).toBe('ok');
  });

  it('decompresses zstd payloads and refuses a blob whose bytes, length or id do not match, before creating the file', async () => {
    const dir = tempDir('coffer-fw');
    dirs.push(dir);
    const writer = newWriter();
    const text = Buffer.from('coffer '.repeat(5000));
    const frame = await zstdBinding()!.compress(text, 1);
    const zstdPart = { codec: 'zstd' as const, rawLength: text.length, id: idOf(text) };
    const good = await writer.write(order(dir, 'good'), [zstdPart, ...plainParts([Buffer.from('!')])], [frame, Buffer.from('!')]);
    const flipped = Buffer.from('tampered');
    const badId = await writer.write(order(dir, 'bad-id'), plainParts([Buffer.from('original')]), [flipped]);
    const badLength = await writer.write(order(dir, 'bad-length'), [{ ...zstdPart, rawLength: text.length + 1 }], [frame]);
    const garbage = await writer.write(order(dir, 'garbage'), [zstdPart], [Buffer.from(frame).fill(7, 10)]);
    await writer.flush();
    await writer.close();
    expect(await good.outcome).toBeNull();
    expect(fs.readFileSync(path.join(dir, 'good')).equals(Buffer.concat([text, Buffer.from('!')]))).toBe(true);
    for (const [name, bad, why] of [
      ['bad-id', badId, /does not match its id/],
      ['bad-length', badLength, /instead of the recorded/],
      ['garbage', garbage, /does not decompress/],
    ] as const) {
      const o = await bad.outcome;
      expect([name, o?.code]).toEqual([name, 'EINTEGRITY']);
      expect(o?.message).toMatch(why);
      expect(o?.blob).toMatch(/^[0-9a-f]{64}$/);
    }
    // Neither the final names nor temporary files of the refused files exist.
    expect(fs.readdirSync(dir)).toEqual(['good']);
  });

  it('decodes many small zstd files of a batch together, and a file given another file\'s frame fails alone with the exact reason', async () => {
    const dir = tempDir('coffer-fw');
    dirs.push(dir);
    const writer = newWriter();
    const zstd = zstdBinding()!;
    const texts = Array.from({ length: 40 }, (_, i) => Buffer.from(`file ${i} `.repeat(200 + i * 13)));
    const frames = await Promise.all(texts.map((t) => zstd.compress(t, 1)));
    // Files 5 and 6 have each other's frames: the group decodes to the right total length, but their
    // pieces are shifted; each must fail with its own length mismatch, the 38 others be created.
    const swapped = new Map([
      [5, 6],
      [6, 5],
    ]);
    const writes = [];
    for (const [i, text] of texts.entries()) {
      const frame = frames[swapped.get(i) ?? i]!;
      writes.push(await writer.write(order(dir, `z${i}`), [{ codec: 'zstd', rawLength: text.length, id: idOf(text) }], [frame]));
    }
    await writer.flush();
    const outcomes = await Promise.all(writes.map((w) => w.outcome));
    await writer.close();
    expect(outcomes.map((o, i) => (o ? i : null)).filter((i) => i !== null)).toEqual([5, 6]);
    expect(outcomes[5]?.message).toMatch(/decompresses to \d+ bytes instead of the recorded/);
    expect(outcomes[6]?.code).toBe('EINTEGRITY');
    for (const [i, text] of texts.entries()) {
      if (!swapped.has(i)) expect([i, fs.readFileSync(path.join(dir, `z${i}`)).equals(text)]).toEqual([i, true]);
    }
    expect(fs.readdirSync(dir).length).toBe(38);
  });

  it('writes a chunk handed over whole without copying it, refuses a bad one, and gives every buffer back', async () => {
    const dir = tempDir('coffer-fw');
    dirs.push(dir);
    const back: ArrayBuffer[] = [];
    const writer = new FileWriter(idKey, zstdBindingPath(), (buffer) => back.push(buffer));
    const file = path.join(dir, 'large');
    const fd = fs.openSync(file, 'w');
    const chunks = [pseudoRandom(300_000, 1), pseudoRandom(200_000, 2)];
    const outcomes: Promise<unknown>[] = [];
    let pos = 0;
    for (const c of chunks) {
      // A payload at the start of a larger buffer of its own, as the restore's buffer pool gives them.
      const own = Buffer.allocUnsafeSlow(1 << 19);
      c.copy(own);
      const { outcome, handedOver } = await writer.writeAt(fd, pos, plainParts([c])[0]!, own.subarray(0, c.length), true);
      expect(handedOver).toBe(true);
      expect(own.length).toBe(0); // transferred, not copied
      outcomes.push(outcome);
      pos += c.length;
    }
    const bad = Buffer.allocUnsafeSlow(1 << 19);
    bad.fill(7);
    const refused = await writer.writeAt(fd, pos, plainParts([Buffer.alloc(100_000, 8)])[0]!, bad.subarray(0, 100_000), true);
    // A view that does not start its buffer is copied, as without handing over.
    const view = Buffer.concat([Buffer.alloc(10), chunks[0]!]).subarray(10);
    const copied = await writer.writeAt(fd, pos + 200_000, plainParts([chunks[0]!])[0]!, view, true);
    expect(copied.handedOver).toBe(false);
    await writer.flush();
    expect(await Promise.all(outcomes)).toEqual([null, null]);
    expect(await refused.outcome).toMatchObject({ code: 'EINTEGRITY' });
    expect(await copied.outcome).toBeNull();
    await writer.close();
    fs.closeSync(fd);
    const written = fs.readFileSync(file);
    expect(written.subarray(0, pos).equals(Buffer.concat(chunks))).toBe(true);
    expect(written.subarray(pos, pos + 100_000).every((b) => b === 0)).toBe(true); // the refused chunk was never written
    expect(back.map((b) => b.byteLength)).toEqual([1 << 19, 1 << 19, 1 << 19]);
  });

  it('writes checked chunks of an open file at their offsets, leaves all-zero chunks as holes, and refuses a bad one', async () => {
    const dir = tempDir('coffer-fw');
    dirs.push(dir);
    const writer = newWriter();
    const file = path.join(dir, 'large');
    const fd = fs.openSync(file, 'w');
    const chunks = [pseudoRandom(70_000, 1), Buffer.alloc(65_536), pseudoRandom(5000, 2)];
    const outcomes: Promise<unknown>[] = [];
    let pos = 0;
    for (const [i, c] of chunks.entries()) {
      const frame = await zstdBinding()!.compress(c, 1);
      const { outcome } = await writer.writeAt(fd, pos, { codec: i === 0 ? 'none' : 'zstd', rawLength: c.length, id: idOf(c) }, i === 0 ? c : frame);
      outcomes.push(outcome);
      pos += c.length;
    }
    const bad = await writer.writeAt(fd, pos, plainParts([Buffer.from('right')])[0]!, Buffer.from('wrong'));
    await writer.sendNow();
    expect(await Promise.all(outcomes)).toEqual([null, null, null]);
    expect((await bad.outcome)?.code).toBe('EINTEGRITY');
    fs.ftruncateSync(fd, pos);
    fs.closeSync(fd);
    await writer.close();
    expect(fs.readFileSync(file).equals(Buffer.concat(chunks))).toBe(true);
    // The zero chunk was skipped, so fewer blocks are allocated than the file's length needs.
    expect(fs.statSync(file).blocks * 512).toBeLessThan(pos);
  });
});
