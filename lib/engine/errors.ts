/**
 * The engine's errors. Every failure the engine reports to a caller is an EngineError subclass with a
 * message meant for people (what happened, to which object, what to do), and the low-level cause kept
 * in `cause`.
 */

export class EngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The passphrase does not open any key slot of the repository. Nothing was written. */
export class WrongPassphraseError extends EngineError {}

/** Stored data failed authentication or a hash, was truncated, or was malformed. `object` names it. */
export class IntegrityError extends EngineError {
  constructor(
    message: string,
    readonly object?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The location holds no Coffer repository. */
export class NotARepositoryError extends EngineError {}

/** The repository was written by a newer Coffer (or uses an unknown algorithm). */
export class UnsupportedFormatError extends EngineError {}

/** Another process holds a conflicting lock. */
export class RepositoryLockedError extends EngineError {
  constructor(
    message: string,
    readonly holder?: { host: string; pid: number; time: string; exclusive: boolean },
  ) {
    super(message);
  }
}

/** A storage object that should exist does not. */
export class NotFoundError extends EngineError {
  constructor(readonly object: string) {
    super(`${object} does not exist in the repository`);
  }
}

/** An exclusive write found the object already there. */
export class AlreadyExistsError extends EngineError {
  constructor(readonly object: string) {
    super(`${object} already exists`);
  }
}

/** A path in a snapshot or a restore target is unsafe (traversal, absolute, NUL, through a symlink). */
export class UnsafePathError extends EngineError {}

/** The device is full; `done` counts what completed before. */
export class DiskFullError extends EngineError {}

/** The operation was cancelled through its AbortSignal. */
export class AbortedError extends EngineError {
  constructor(message = 'The operation was cancelled') {
    super(message);
  }
}

/** A snapshot id or prefix matches nothing, or more than one snapshot. */
export class SnapshotNotFoundError extends EngineError {}
