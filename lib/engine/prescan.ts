/**
 * Prescan: lists and stats the start of a backup's sources while the repository key is still being
 * derived. Opening an encrypted repository runs scrypt (N=2^17, r=8: ~1 s of one core by design) on
 * the thread pool, and nothing of the backup proper can start before it ends: the chunker and blob ids
 * need the key. The file system walk needs no key, so it runs meanwhile on the main thread, in slices
 * of a few milliseconds, in exactly the order the backup walks; the backup then takes each directory
 * listing and lstat result from here instead of asking the kernel again. For a backup where little
 * changed, the walk is most of the work, so this hides most of the key derivation.
 *
 * What is taken from the prescan is at most a second or so older than a fresh lstat would be; a backup
 * is never an atomic picture of a live tree, and a file that changes after its lstat is read as the
 * backup always reads it (size and mtime are checked again after reading). Memory is bounded by `limit`
 * entries; each entry is handed over (and forgotten) as the backup reaches it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileExcludes } from './glob';
import { insideRoots } from './roots';

/** Options of `Prescan.start`. */
export interface PrescanOptions {
  excludes?: string[];
  /** As in BackupOptions: nothing is listed unless every source lies inside these folders. */
  allowedRoots?: string[];
  /** Most entries to hold (default 100 000, ~30 MB). */
  limit?: number;
}

const SLICE_MS = 4;
const key = (p: Buffer) => p.toString('latin1');

/** Directory listings and lstat results gathered ahead of a backup; see the file comment. */
export class Prescan {
  private stats = new Map<string, fs.BigIntStats | Error>();
  private listings = new Map<string, Buffer[] | Error>();
  private running = false;
  private generation = 0;
  /** Entries gathered so far (for tests and measurements). */
  gathered = 0;

  private constructor(
    private readonly sources: string[],
    private readonly opts: PrescanOptions,
  ) {}

  /** A prescan of `sources`, not started yet. */
  static of(sources: string[], opts: PrescanOptions = {}): Prescan {
    return new Prescan(sources, opts);
  }

  /** Starts (or restarts, forgetting what was gathered) the walk in the background. */
  start(): this {
    this.stop();
    this.stats.clear();
    this.listings.clear();
    this.gathered = 0;
    this.running = true;
    const generation = ++this.generation;
    void this.walk(generation)
      // A prescan is only a hint: the backup's own walk reports every problem.
      .catch(() => undefined)
      .finally(() => {
        if (this.generation === generation) this.running = false;
      });
    return this;
  }

  /** Stops gathering; what was gathered stays available to `stat` and `list`. */
  stop(): void {
    this.running = false;
    this.generation++;
  }

  /** Entries gathered and not yet handed over. */
  get pending(): number {
    return this.stats.size + this.listings.size;
  }

  /** Resolves once the walk has stopped (finished, reached its limit, or was stopped). */
  async settled(): Promise<void> {
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** The lstat of `full` when gathered (then forgotten); throws what lstat threw. */
  stat(full: Buffer): fs.BigIntStats | undefined {
    const k = key(full);
    const s = this.stats.get(k);
    if (s === undefined) return undefined;
    this.stats.delete(k);
    if (s instanceof Error) throw s;
    return s;
  }

  /** The names in directory `full` when gathered (then forgotten); throws what readdir threw. */
  list(full: Buffer): Buffer[] | undefined {
    const k = key(full);
    const names = this.listings.get(k);
    if (names === undefined) return undefined;
    this.listings.delete(k);
    if (names instanceof Error) throw names;
    return names;
  }

  private async walk(generation: number): Promise<void> {
    const limit = this.opts.limit ?? 100_000;
    const excluded = compileExcludes(this.opts.excludes ?? []);
    const roots: Buffer[] = [];
    for (const s of this.sources) {
      const real = fs.realpathSync(path.resolve(s));
      if (this.opts.allowedRoots && !insideRoots(real, this.opts.allowedRoots)) return;
      roots.push(Buffer.from(real));
    }
    const live = () => this.running && this.generation === generation && this.gathered < limit;
    // Depth-first, children in listing order: the order runBackup visits them in.
    const stack: { dir: Buffer | null; names: Buffer[]; i: number }[] = [{ dir: null, names: roots, i: 0 }];
    let sliceStart = Date.now();
    while (stack.length > 0 && live()) {
      if (Date.now() - sliceStart >= SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = Date.now();
        continue;
      }
      const top = stack[stack.length - 1]!;
      if (top.i >= top.names.length) {
        stack.pop();
        continue;
      }
      const name = top.names[top.i++]!;
      const full = top.dir ? Buffer.concat([top.dir, Buffer.from('/'), name]) : name;
      let st: fs.BigIntStats;
      try {
        st = fs.lstatSync(full, { bigint: true });
      } catch (e) {
        this.stats.set(key(full), e as Error);
        this.gathered++;
        continue;
      }
      this.stats.set(key(full), st);
      this.gathered++;
      const shownName = top.dir ? name.toString('utf8') : path.basename(name.toString('utf8'));
      if (!st.isDirectory() || excluded(shownName, full.toString('utf8'))) continue;
      let names: Buffer[];
      try {
        names = fs.readdirSync(full, { encoding: 'buffer' });
      } catch (e) {
        this.listings.set(key(full), e as Error);
        continue;
      }
      this.listings.set(key(full), names);
      stack.push({ dir: full, names, i: 0 });
    }
  }
}
