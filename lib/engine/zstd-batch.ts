/**
 * Compresses small blobs with zstd in batches, through a worker thread. Every call into the zstd
 * binding is a round trip through libuv's thread pool, and on this class of virtual machine waking a
 * pool thread costs the calling thread ~40-60 µs (an inter-processor interrupt), more than
 * compressing a few KiB: a backup of 17.5k small files spent ~1 s of its main thread, its
 * bottleneck, on those calls. Here the main thread copies small blobs into a batch buffer that is
 * transferred (not copied) to the worker; the worker makes the binding calls (paying the wake-ups)
 * and sends every frame back in one buffer. Large blobs still go to the binding directly: their
 * compression takes milliseconds and one round trip is nothing beside it.
 *
 * Callers get a promise per blob that settles once its batch comes back, and a batch is sent when
 * it is full or when `send` is called: a caller about to wait for blobs in flight must call `send`
 * first. Frames are checked by the caller (`zstdOutputBound`) as for the direct path.
 */
import { Worker } from 'node:worker_threads';

/** Blobs up to this size go through the worker; larger ones are compressed directly. */
export const ZSTD_BATCH_BLOB_MAX = 256 * 1024;
/** A batch is sent once it holds this many bytes or blobs. */
const BATCH_BYTES = 512 * 1024;
const BATCH_BLOBS = 32;
/** Size of a batch's output buffer: frames of a full batch fit unless its data does not compress. */
const OUT_BYTES = BATCH_BYTES + 64 * 1024;
/** Buffers of each kind kept for reuse (the batches MAX_SMALL_BYTES lets out at once, about four). */
const SPARE_BUFFERS = 4;

const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const zstd = require(workerData.zstdPath);
// Frames are copied into the output buffer that came with the batch (a new one when they do not fit)
// and both buffers go back, to be reused for later batches.
parentPort.on('message', async ({ id, buffer, lengths, level, out }) => {
  const data = Buffer.from(buffer);
  let at = 0;
  const frames = await Promise.all(
    lengths.map((length) => {
      const blob = data.subarray(at, (at += length));
      return zstd.compress(blob, level).catch((error) => String(error && error.message));
    }),
  );
  let total = 0;
  for (const f of frames) if (typeof f !== 'string') total += f.length;
  const output = Buffer.from(total <= out.byteLength ? out : new ArrayBuffer(total));
  let pos = 0;
  const results = frames.map((f) => {
    if (typeof f === 'string') return f;
    pos += f.copy(output, pos);
    return f.length;
  });
  const back = output.buffer === out ? [output.buffer, buffer] : [output.buffer, buffer, out];
  parentPort.postMessage({ id, out: output.buffer, results, buffer, spareOut: output.buffer === out ? null : out }, back);
});
`;

/** A compressed blob: `frame` is valid until `release` is called (its memory is then reused). */
export interface BatchFrame {
  frame: Buffer;
  release: () => void;
}

interface Waiter {
  resolve: (result: BatchFrame) => void;
  reject: (error: Error) => void;
}

interface Batch {
  data: Buffer;
  used: number;
  lengths: number[];
  waiters: Waiter[];
}

/** See the file comment. One per backup; `close` stops the worker. */
export class ZstdBatcher {
  private worker: Worker | null = null;
  private batch: Batch | null = null;
  private sent = new Map<number, Waiter[]>();
  private nextId = 0;
  /** Batch and output buffers back from the worker, reused. */
  private spare: ArrayBuffer[] = [];
  private spareOut: ArrayBuffer[] = [];
  private failure: Error | null = null;
  /** Output buffers allocated so far (the rest were reused). */
  outputsAllocated = 0;

  /** `zstdPath`: the file of the zstd binding (see zstdBindingPath). */
  constructor(
    private readonly zstdPath: string,
    private readonly level = 1,
  ) {}

  /**
   * The zstd frame of `data` (at most ZSTD_BATCH_BLOB_MAX bytes; copied before this returns). The
   * caller must call `release` once done with the frame, and must not touch it afterwards.
   */
  compress(data: Uint8Array): Promise<BatchFrame> {
    if (data.length > ZSTD_BATCH_BLOB_MAX) return Promise.reject(new RangeError('ZstdBatcher: blob too large for a batch'));
    if (this.failure) return Promise.reject(this.failure);
    if (this.batch && this.batch.used + data.length > BATCH_BYTES) this.send();
    const b = (this.batch ??= {
      data: Buffer.from(this.spare.pop() ?? new ArrayBuffer(BATCH_BYTES)),
      used: 0,
      lengths: [],
      waiters: [],
    });
    b.data.set(data, b.used);
    b.used += data.length;
    b.lengths.push(data.length);
    const frame = new Promise<BatchFrame>((resolve, reject) => b.waiters.push({ resolve, reject }));
    if (b.lengths.length >= BATCH_BLOBS) this.send();
    return frame;
  }

  /** Sends the batch being filled, so every promise handed out so far will settle. */
  send(): void {
    const b = this.batch;
    if (!b) return;
    this.batch = null;
    const id = this.nextId++;
    this.sent.set(id, b.waiters);
    const buffer = b.data.buffer as ArrayBuffer;
    const worker = this.start();
    // Referenced while batches are out, so the process waits for them; idle, it keeps nothing alive.
    worker.ref();
    let out = this.spareOut.pop();
    if (!out) {
      out = new ArrayBuffer(OUT_BYTES);
      this.outputsAllocated++;
    }
    worker.postMessage({ id, buffer, lengths: b.lengths, level: this.level, out }, [buffer, out]);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // A small young generation: the worker's garbage is frames the binding allocated (external
    // memory, freed only when their handles are collected), so it is collected often.
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { zstdPath: this.zstdPath },
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
    });
    type Reply = { id: number; out: ArrayBuffer; results: (number | string)[]; buffer: ArrayBuffer; spareOut: ArrayBuffer | null };
    worker.on('message', ({ id, out, results, buffer, spareOut }: Reply) => {
      this.keep(this.spare, buffer);
      if (spareOut) this.keep(this.spareOut, spareOut);
      const waiters = this.sent.get(id)!;
      this.sent.delete(id);
      const frames = Buffer.from(out);
      // The output buffer is reused once every frame in it is released.
      let unreleased = results.filter((r) => typeof r === 'number').length;
      const release = () => {
        if (--unreleased === 0 && out.byteLength === OUT_BYTES) this.keep(this.spareOut, out);
      };
      let at = 0;
      results.forEach((r, i) => {
        if (typeof r === 'string') waiters[i]!.reject(new Error(`zstd: ${r}`));
        else {
          let released = false;
          const frame = frames.subarray(at, (at += r));
          waiters[i]!.resolve({
            frame,
            release: () => {
              if (!released) release();
              released = true;
            },
          });
        }
      });
      if (this.sent.size === 0) worker.unref();
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the zstd compression worker stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private keep(list: ArrayBuffer[], buffer: ArrayBuffer): void {
    if (list.length < SPARE_BUFFERS) list.push(buffer);
  }

  /** Fails every blob not yet back: those sent and those in the batch being filled. */
  private fail(error: Error): void {
    this.failure ??= error;
    const waiters = [...this.sent.values(), this.batch?.waiters ?? []];
    this.sent.clear();
    this.batch = null;
    for (const w of waiters.flat()) w.reject(this.failure);
  }

  /** Stops the worker. Blobs still in flight or not yet sent fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      worker.removeAllListeners('exit');
      await worker.terminate();
    }
    this.fail(new Error('the zstd compression worker was closed'));
  }
}
