/**
 * The narrow storage interface every repository operation goes through. Names are slash-separated
 * relative keys such as `config`, `keys/<id>`, `data/ab/<packId>`; nothing above this interface may
 * assume a POSIX path, so an S3 implementation can stand in for the local one.
 */

/** A file-like object in storage. */
export interface StorageEntry {
  /** Full key, e.g. `data/ab/ab12…`. */
  name: string;
  size: number;
}

export interface Storage {
  /** A human-readable location for messages (a path or a URL without credentials). */
  readonly location: string;
  /** Lists the entries whose key starts with `prefix/` (e.g. `snapshots`, `data`), recursively. */
  list(prefix: string, signal?: AbortSignal): Promise<StorageEntry[]>;
  /** Reads a whole object; throws `NotFoundError` (from ../errors) when it is missing. */
  read(name: string, signal?: AbortSignal): Promise<Buffer>;
  /**
   * Reads `length` bytes at `offset`; a short read is an `IntegrityError`. An implementation may read
   * into `into` (at least `length` bytes) and return a view of it instead of a new buffer; callers
   * use the returned buffer either way.
   */
  readRange(name: string, offset: number, length: number, signal?: AbortSignal, into?: Buffer): Promise<Buffer>;
  /**
   * Writes an object atomically: readers see either nothing or all of it (temp file, fsync, rename).
   * With `exclusive`, fails with `AlreadyExistsError` when the name exists.
   */
  write(name: string, data: Buffer | Buffer[], options?: { exclusive?: boolean; signal?: AbortSignal }): Promise<void>;
  /** Deletes an object; missing objects are not an error. */
  delete(name: string): Promise<void>;
  /** Size of an object, or undefined when it does not exist. */
  stat(name: string): Promise<StorageEntry | undefined>;
  /**
   * Opens a read session for many `readRange` calls (a restore's): it may keep objects open between
   * calls until `close`, so it must only be used while the objects it reads do not change (packs are
   * written once under their content's hash). A storage without it serves every read alone.
   */
  openReader?(): RangeReader;
  /**
   * When an object was last written (ms since the epoch), or undefined when it does not exist. Prune
   * spares packs no index names yet while they are young; a storage without this method gives none.
   */
  lastModified?(name: string): Promise<number | undefined>;
}

/** See `Storage.openReader`. */
export interface RangeReader {
  readRange(name: string, offset: number, length: number, signal?: AbortSignal, into?: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}
