/**
 * Restore's file writer: a worker thread that checks blobs and writes them while the main thread
 * reads and decrypts the next ones. Creating a file is several system calls (open
 * O_CREAT|O_EXCL|O_NOFOLLOW under a temporary name, write, fchmod, futimes, close, rename), and for a
 * snapshot of many small files those calls, not the cryptography, were most of a restore's time on
 * one thread.
 *
 * Work is sent in batches: blob payloads (decrypted and their AES-GCM tag checked by `readBlobPayload`,
 * zstd frames bound-checked by restore) copied into one buffer that is transferred (not copied) to the
 * worker, names as latin1 strings (byte-exact, and a string is cheap to send where a Buffer view
 * would copy the slab under it). The worker decompresses each zstd payload and checks every blob's
 * length and id (HMAC-SHA-256 under the id key, or SHA-256) before writing a byte of it. That took the
 * thread-pool round trip of each blob's decompression and its HMAC off the main thread.
 *
 * Inside the worker: the small zstd blobs of a batch's whole files are decoded in groups (their frames
 * back to back, one decoder call per ~2 MiB of output: on this class of virtual machine each
 * thread-pool round trip costs ~40 µs of the calling thread, more than decoding a few KiB), with a
 * fallback to each blob alone on any failure so errors stay exact; large chunks are written through
 * the thread pool (copying into the page cache is most of a restore's kernel time), so several orders
 * run at once, within RUNNING_ORDERS and RUNNING_BYTES across batches.
 *
 * Its work is whole small files in folders the restore created (FileOrder), created with exactly the
 * rules of restore.ts's synchronous path: a fresh temporary name opened with O_EXCL|O_NOFOLLOW,
 * all-zero runs left as holes, owner, mode and mtime set on the descriptor, the temporary name
 * removed on any failure, a rename onto the final name only after everything else succeeded, and no
 * temporary file at all when a blob fails its checks. The worker's code is a self-contained string
 * so that bundlers (the CLI bundle, Next.js) need no separate entry for it.
 */
import { Worker } from 'node:worker_threads';

/** One file for the worker to create. Paths are latin1 strings of the path bytes. */
export interface FileOrder {
  tmp: string;
  dest: string;
  /** Permission bits to open with (mode & 0o777). */
  openMode: number;
  /** Full mode to set with fchmod after writing, or -1 when opening with `openMode` suffices. */
  chmod: number;
  /** Owner to set, or null. */
  chown: { uid: number; gid: number } | null;
  /** Modification (and access) time in seconds (a numeric string before 1970, see restore.ts). */
  time: number | string;
  /** The file's blobs, in order, as payloads within the batch buffer. */
  parts: FilePart[];
}

/** One blob of an order: its payload's length in the batch, codec, plaintext length and id (hex). */
export interface FilePart {
  length: number;
  codec: 'none' | 'zstd';
  rawLength: number;
  id: string;
}

/**
 * How one order ended: null when the file is in place, else the error's code and message. A blob that
 * fails its checks has code `EINTEGRITY` and its id in `blob`.
 */
export type FileOutcome = { code: string | undefined; message: string; blob?: string } | null;

const WORKER_SOURCE = String.raw`
const crypto = require('node:crypto');
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const zstd = workerData.zstdPath ? require(workerData.zstdPath) : null;
const idKey = workerData.idKey ? Buffer.from(workerData.idKey) : null;
const FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
const HOLE_MIN = 4096;
// Writes of at least this many bytes go to the thread pool.
const ASYNC_MIN = 256 * 1024;
const RUNNING_ORDERS = 32;
const RUNNING_BYTES = 8 * 1024 * 1024;
const GROUP_RAW = 2 * 1024 * 1024;
const GROUP_BLOB_MAX = 256 * 1024;
function isZero(b) {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}
function integrity(part, why) {
  return Object.assign(new Error('data blob ' + part.id + ' ' + why), { code: 'EINTEGRITY', blob: part.id });
}
// The plaintext of one blob, decompressed and checked against its recorded length and id.
// decoded, when given, is this blob's share of a group decode (see groups below); on any failure
// there the blob is decompressed and checked alone, so errors name exactly what is wrong with it.
async function plain(part, payload, decoded) {
  if (decoded) {
    const data = await decoded.catch(() => null);
    if (data && data.length === part.rawLength && matches(part, data)) return data;
  }
  let data = payload;
  if (part.codec === 'zstd') {
    if (!zstd) throw integrity(part, 'is zstd-compressed but the zstd binding is not installed');
    try {
      data = await zstd.decompress(payload);
    } catch (error) {
      throw integrity(part, 'does not decompress with zstd: the data is damaged');
    }
  } else if (part.codec !== 'none') throw integrity(part, 'has an unexpected codec ' + part.codec);
  if (data.length !== part.rawLength) throw integrity(part, 'decompresses to ' + data.length + ' bytes instead of the recorded ' + part.rawLength);
  if (!matches(part, data)) throw integrity(part, 'does not match its id (damaged or substituted)');
  return data;
}
function matches(part, data) {
  const id = Buffer.from(part.id, 'hex');
  return id.length === 32 && crypto.timingSafeEqual(idOf(data), id);
}
// A blob's id: HMAC-SHA-256 under the id key, or SHA-256.
function idOf(data) {
  return (idKey ? crypto.createHmac('sha256', idKey) : crypto.createHash('sha256')).update(data).digest();
}
const write = (fd, b, off, length, pos) =>
  new Promise((resolve, reject) => fs.write(fd, b, off, length, pos, (error, n) => (error ? reject(error) : resolve(n))));
// Writes the chunks from pos on, leaving all-zero ones as holes; returns where the last write ended.
// Large chunks are written on the thread pool (copying into the page cache is most of a restore's
// kernel time), small ones here.
async function writeAt(fd, pos, chunks) {
  let written = pos;
  for (const chunk of chunks) {
    const length = chunk.length;
    if (length > 0 && !(length >= HOLE_MIN && isZero(chunk))) {
      let off = 0;
      while (off < length) off += length >= ASYNC_MIN ? await write(fd, chunk, off, length - off, pos + off) : fs.writeSync(fd, chunk, off, length - off, pos + off);
      written = pos + length;
    }
    pos += length;
  }
  return written;
}
async function create(order, chunks) {
  const tmp = Buffer.from(order.tmp, 'latin1');
  const fd = fs.openSync(tmp, FLAGS, order.openMode);
  let ok = false;
  try {
    const size = chunks.reduce((n, c) => n + c.length, 0);
    if ((await writeAt(fd, 0, chunks)) !== size) fs.ftruncateSync(fd, size);
    if (order.chown) fs.fchownSync(fd, order.chown.uid, order.chown.gid);
    if (order.chmod >= 0) fs.fchmodSync(fd, order.chmod);
    fs.futimesSync(fd, order.time, order.time);
    ok = true;
  } finally {
    fs.closeSync(fd);
    if (!ok) fs.rmSync(tmp, { force: true });
  }
  try {
    fs.renameSync(tmp, Buffer.from(order.dest, 'latin1'));
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}
const failure = (error) => ({ code: error && error.code, message: String(error && error.message), blob: error && error.blob });
// Orders started and not finished, of every batch being handled (a batch's handler waits for room
// here while earlier batches wait on the thread pool), and their plaintext bytes.
const running = new Set();
let runningBytes = 0;
parentPort.on('message', async ({ id, buffer, orders }) => {
  const data = Buffer.from(buffer);
  // Each order's payloads: views of the batch, laid out order after order, part after part.
  let at = 0;
  const payloads = orders.map((order) =>
    order.parts.map((part) => {
      at += part.length;
      return data.subarray(at - part.length, at);
    }),
  );
  // Each order's blobs are decompressed (on the thread pool) and checked, then written. Orders are
  // started in turn while fewer than RUNNING_ORDERS, holding under RUNNING_BYTES of plaintext, are
  // unfinished: enough to keep the thread pool busy, and never a whole batch's plaintext at once.
  //
  // The small zstd blobs of whole files are decompressed in groups: their frames concatenated and
  // decoded in one call (zstd decodes concatenated frames back to back), one thread-pool round trip
  // per group instead of per blob (each round trip wakes a pool thread, ~40 µs of this thread's time
  // on a virtual machine, most of the work for a blob of a few KiB). The main thread bound-checked
  // every frame (no trailing data, at most one block past its recorded length), so a group decodes to
  // at most GROUP_RAW plus a block per frame. A group is decoded when its first file is started, and
  // the group after it then too.
  const groupOf = new Map();
  let group = null;
  for (let i = 0; i < orders.length; i++) {
    for (const [k, part] of orders[i].parts.entries()) {
      const payload = payloads[i][k];
      if (!zstd || part.codec !== 'zstd' || part.rawLength > GROUP_BLOB_MAX) continue;
      if (!group || group.raw + part.rawLength > GROUP_RAW) {
        const next = { frames: [], lengths: [], raw: 0, decoded: null, next: null };
        if (group) group.next = next;
        group = next;
      }
      groupOf.set(part, { group, k: group.frames.length });
      group.frames.push(payload);
      group.lengths.push(part.rawLength);
      group.raw += part.rawLength;
    }
  }
  // Frames of consecutive files lie back to back in the batch: such a group is one view, not a copy.
  const joined = (frames) => {
    const first = frames[0];
    const last = frames[frames.length - 1];
    let end = first.byteOffset;
    for (const f of frames) {
      if (f.byteOffset !== end) return Buffer.concat(frames);
      end += f.length;
    }
    return data.subarray(first.byteOffset - data.byteOffset, last.byteOffset + last.length - data.byteOffset);
  };
  const start = (g) =>
    (g.decoded ??= zstd.decompress(joined(g.frames)).then((out) => {
      if (out.length !== g.raw) throw new Error('group decoded to an unexpected length');
      const pieces = [];
      let at = 0;
      for (const length of g.lengths) {
        pieces.push(out.subarray(at, at + length));
        at += length;
      }
      return pieces;
    }));
  const decode = (g) => {
    // The next group is decoded meanwhile, so this thread does not wait for it.
    if (g.next && !g.next.decoded) start(g.next).catch(() => undefined);
    return start(g);
  };
  // A batch's first group is decoded as soon as the batch arrives, while earlier batches' files are
  // being created.
  const first = groupOf.values().next().value;
  if (first) start(first.group).catch(() => undefined);
  const prepare = (i) =>
    Promise.all(
      orders[i].parts.map((part, k) => {
        const g = groupOf.get(part);
        return plain(part, payloads[i][k], g && decode(g.group).then((pieces) => pieces[g.k]));
      }),
    );
  const outcomes = new Array(orders.length).fill(null);
  const mine = [];
  for (let i = 0; i < orders.length; i++) {
    const order = orders[i];
    const size = order.parts.reduce((n, part) => n + part.rawLength, 0);
    while (running.size > 0 && (running.size >= RUNNING_ORDERS || runningBytes + size > RUNNING_BYTES)) await Promise.race(running);
    runningBytes += size;
    const done = prepare(i)
      .then((chunks) => create(order, chunks))
      .catch((error) => {
        outcomes[i] = failure(error);
      })
      .finally(() => {
        running.delete(done);
        runningBytes -= size;
      });
    running.add(done);
    mine.push(done);
  }
  await Promise.all(mine);
  parentPort.postMessage({ id, outcomes, buffer }, [buffer]);
});
`;

/** Files per batch and bytes per batch. */
const BATCH_FILES = 64;
const BATCH_BYTES = 2 * 1024 * 1024;
/** Batches sent and not yet answered. */
const MAX_BATCHES = 6;
/** Bytes of batch buffers out at once (a file of a few MiB makes a batch of its own). */
const MAX_SENT_BYTES = 12 * 1024 * 1024;
/** Bytes of batch buffers of one size kept for reuse. */
const SPARE_BYTES = 4 * 1024 * 1024;

interface Pending {
  orders: FileOrder[];
  /** The batch's contents so far; transferred to the worker and back, then reused. */
  data: Buffer;
  bytes: number;
  done: ((outcome: FileOutcome) => void)[];
}

/** A worker thread creating files in batches; see the file comment. */
export class FileWriter {
  private worker: Worker;
  private next = 0;
  /** Batch buffers back from the worker, by size (see `empty`). */
  private spare = new Map<number, ArrayBuffer[]>();
  private batch: Pending = this.empty(0);
  private waiting = new Map<number, Pending['done']>();
  private failure: Error | null = null;
  /** Bytes of the batch buffers out with the worker. */
  private sentBytes = 0;
  private drained: (() => void)[] = [];

  /**
   * `idKey` is the repository's blob id key (null for plain repositories: ids are SHA-256);
   * `zstdPath` the file of the zstd binding, or null where it is not installed.
   */
  constructor(idKey: Buffer | null, zstdPath: string | null) {
    // A small young generation: the worker's garbage is mostly decompressed blobs (external memory
    // freed when their handles are collected), and the default let it hold ~30 MiB more at the peak.
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { idKey: idKey ? new Uint8Array(idKey) : null, zstdPath },
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
    });
    this.worker.on('message', ({ id, outcomes, buffer }: { id: number; outcomes: FileOutcome[]; buffer: ArrayBuffer }) => {
      this.sentBytes -= buffer.byteLength;
      this.keep(buffer);
      const done = this.waiting.get(id)!;
      this.waiting.delete(id);
      outcomes.forEach((o, i) => done[i]!(o));
      this.wake();
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the restore file writer stopped (exit code ${code})`)));
  }

  private empty(atLeast: number): Pending {
    // Sizes are BATCH_BYTES or a power of two above it, so a large chunk's batch is reused by the next
    // one of its size class: a fresh buffer is zero-filled and its pages faulted in, ~1 ms per MiB here.
    const size = atLeast <= BATCH_BYTES ? BATCH_BYTES : 2 ** Math.ceil(Math.log2(atLeast));
    const buffer = this.spare.get(size)?.pop() ?? new ArrayBuffer(size);
    return { orders: [], data: Buffer.from(buffer), bytes: 0, done: [] };
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const done of this.waiting.values()) for (const d of done) d({ code: undefined, message: error.message });
    this.waiting.clear();
    this.wake();
  }

  private wake(): void {
    for (const w of this.drained.splice(0)) w();
  }

  /** Waits until at most `limit` batches, and (when any are) at most MAX_SENT_BYTES of them, are out. */
  private async room(limit: number): Promise<void> {
    while ((this.waiting.size > limit || (this.waiting.size > 0 && this.sentBytes > MAX_SENT_BYTES && limit > 0)) && !this.failure) {
      await new Promise<void>((resolve) => this.drained.push(resolve));
    }
  }

  /**
   * Queues a file made of `parts`, whose payloads are `chunks` (copied before this resolves: the
   * caller may reuse them then). `outcome` resolves once the file is in place or failed.
   */
  async write(order: Omit<FileOrder, 'parts'>, parts: Omit<FilePart, 'length'>[], chunks: Buffer[]): Promise<{ outcome: Promise<FileOutcome> }> {
    if (this.failure) return { outcome: Promise.resolve({ code: undefined, message: this.failure.message }) };
    let size = 0;
    for (const c of chunks) size += c.length;
    // Should callers queue concurrently, after a wait the batch being filled may be another one, with
    // less room: the check is repeated.
    while (this.batch.bytes + size > this.batch.data.length) await this.send(size);
    const b = this.batch;
    const outcome = new Promise<FileOutcome>((resolve) => b.done.push(resolve));
    b.orders.push({ ...order, parts: parts.map((p, i) => ({ ...p, length: chunks[i]!.length })) });
    for (const c of chunks) b.bytes += c.copy(b.data, b.bytes);
    if (b.orders.length >= BATCH_FILES && this.batch === b) await this.send(0);
    return { outcome };
  }

  /** Sends the current batch (when it holds anything) and starts one with room for `next` bytes. */
  private async send(next: number): Promise<void> {
    const b = this.batch;
    if (b.orders.length === 0 && next <= b.data.length) return;
    // The next batch takes this one's place before any wait: nobody adds to a batch once it is sent.
    this.batch = this.empty(next);
    const buffer = b.data.buffer as ArrayBuffer;
    if (b.orders.length === 0) {
      this.keep(buffer);
      return;
    }
    const id = this.next++;
    this.waiting.set(id, b.done);
    this.sentBytes += buffer.byteLength;
    this.worker.postMessage({ id, buffer, orders: b.orders }, [buffer]);
    await this.room(MAX_BATCHES - 1);
  }

  /** Keeps a batch buffer for reuse: up to SPARE_BYTES of its size, and one of any size. */
  private keep(buffer: ArrayBuffer): void {
    const spare = this.spare.get(buffer.byteLength) ?? [];
    if (spare.length === 0 || (spare.length + 1) * buffer.byteLength <= SPARE_BYTES) this.spare.set(buffer.byteLength, [...spare, buffer]);
  }

  /** Sends what is queued and waits until every file sent so far is in place or failed. */
  async flush(): Promise<void> {
    await this.send(0);
    await this.room(0);
  }

  /** Stops the worker (after `flush`). */
  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
