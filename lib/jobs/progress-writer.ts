/**
 * Writes a running job's progress to its row at most once per interval, whatever rate the engine reports
 * at: the first update goes out at once, later ones are coalesced and the latest is written when the
 * interval has passed. Warnings are kept (up to a cap) and written along with the progress.
 */
import type { JobWarning } from '@/lib/db/queries/jobs';

/** How many warnings a job keeps; the rest are counted in `droppedWarnings`. */
export const MAX_WARNINGS = 1000;

/** Saves a snapshot of progress and warnings; must not throw for a finished job. */
export type SaveProgress = (progress: Record<string, unknown>, warnings: JobWarning[]) => Promise<void>;

/** A throttled writer of one job's progress. Call `close()` when the job ends. */
export class ProgressWriter {
  private latest: Record<string, unknown> | null = null;
  private readonly kept: JobWarning[] = [];
  private dropped = 0;
  private lastWrite = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private closed = false;

  constructor(
    private readonly save: SaveProgress,
    private readonly intervalMs = 500,
    private readonly now: () => number = Date.now,
  ) {}

  /** Replaces the current progress. */
  update(progress: Record<string, unknown>): void {
    this.latest = progress;
    this.schedule();
  }

  /** Keeps a per-file problem. */
  warn(warning: JobWarning): void {
    if (this.kept.length < MAX_WARNINGS) this.kept.push(warning);
    else this.dropped++;
    this.schedule();
  }

  /** The warnings kept so far (a copy). */
  get warnings(): JobWarning[] {
    return [...this.kept];
  }

  /** Warnings beyond MAX_WARNINGS that were counted but not kept. */
  get droppedWarnings(): number {
    return this.dropped;
  }

  /** The latest progress reported. */
  get progress(): Record<string, unknown> | null {
    return this.latest;
  }

  /** Stops the timer and waits for a write in flight; nothing is written afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.writing;
  }

  private schedule(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs - this.now());
    if (wait === 0) this.flush();
    else this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = null;
    if (this.closed || !this.dirty) return;
    this.dirty = false;
    this.lastWrite = this.now();
    const progress = { ...(this.latest ?? {}), ...(this.dropped > 0 ? { droppedWarnings: this.dropped } : {}) };
    const warnings = this.warnings;
    this.writing = this.writing
      .then(() => this.save(progress, warnings))
      .catch((err: unknown) => console.error('Could not save job progress:', err));
  }
}
