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
});
