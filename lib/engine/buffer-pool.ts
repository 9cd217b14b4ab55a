/**
 * A small pool of reusable buffers for chunk copies during backup and blob buffers during restore. Freshly allocated memory is slow to
 * touch (page faults: about 1 GB/s here against 10+ GB/s for reused memory), and a backup copies every
 * new chunk once, so reusing the copies' memory matters. Buffers come in power-of-two size classes from
 * 64 KiB; smaller requests use Node's own allocator.
 */

const MIN_CLASS = 16; // 64 KiB
const PER_CLASS = 8;
/** Idle pooled memory is capped so a burst of large chunks does not pin memory for the whole backup. */
export const MAX_IDLE_BYTES = 16 * 1024 * 1024;

/** Reusable buffers in power-of-two size classes; see the file comment. */
export class BufferPool {
  private free = new Map<number, Buffer[]>();
  private idle = 0;
  /** Memory this pool allocated: `give` ignores anything else, so a stray view cannot enter the pool. */
  private owned = new WeakSet<ArrayBufferLike>();

  /** `maxIdle`: the idle bytes kept in all size classes. */
  constructor(private readonly maxIdle = MAX_IDLE_BYTES) {}

  /** A buffer of exactly `size` bytes (a view of a pooled one); contents are undefined. */
  take(size: number): Buffer {
    if (size < 1 << MIN_CLASS) return Buffer.allocUnsafe(size);
    const cls = Math.max(MIN_CLASS, Math.ceil(Math.log2(size)));
    const list = this.free.get(cls);
    const pooled = list?.pop();
    if (pooled) {
      this.idle -= pooled.length;
      return pooled.subarray(0, size);
    }
    const fresh = Buffer.allocUnsafeSlow(1 << cls);
    this.owned.add(fresh.buffer);
    return fresh.subarray(0, size);
  }

  /** Returns a buffer from `take`; the caller must not use it afterwards. Other buffers are ignored. */
  give(view: Buffer): void {
    if (view.byteOffset !== 0 || !this.owned.has(view.buffer)) return;
    const buf = Buffer.from(view.buffer, 0, view.buffer.byteLength);
    const cls = Math.log2(buf.length);
    if (view.byteOffset !== 0 || !Number.isInteger(cls) || cls < MIN_CLASS) return;
    let list = this.free.get(cls);
    if (!list) this.free.set(cls, (list = []));
    if (list.length < PER_CLASS && this.idle + buf.length <= this.maxIdle) {
      list.push(buf);
      this.idle += buf.length;
    }
  }
}
