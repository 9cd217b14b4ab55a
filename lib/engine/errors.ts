/**
 * The engine's errors. Every failure the engine reports to a caller is an EngineError subclass with a
 * message meant for people (what happened, to which object, what to do), and the low-level cause kept
 * in `cause`.
 */

/*
 * Names and codes are string literals, not `new.target.name`: bundlers minify class names, and the web
 * server may load this module more than once (one copy per bundle layer), so `instanceof` across layers
 * is unreliable. Callers can always test `err.code`.
 */
export class EngineError extends Error {
  override name = 'EngineError';
  /** A stable identifier of the kind of failure. */
  readonly code: string = 'engine_error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True when `err` is an engine error of the given code (works across module copies). */
export function isEngineError(err: unknown, code?: string): err is EngineError {
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  return typeof c === 'string' && Object.hasOwn(ENGINE_ERROR_CODES, c) && (code === undefined || c === code);
}

/** The passphrase does not open any key slot of the repository. Nothing was written. */
export class WrongPassphraseError extends EngineError {
  override name = 'WrongPassphraseError';
  override readonly code: string = 'wrong_passphrase';
}

/** Stored data failed authentication or a hash, was truncated, or was malformed. `object` names it. */
export class IntegrityError extends EngineError {
  override name = 'IntegrityError';
  override readonly code: string = 'integrity';

  constructor(
    message: string,
    readonly object?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The location holds no Coffer repository. */
export class NotARepositoryError extends EngineError {
  override name = 'NotARepositoryError';
  override readonly code: string = 'not_a_repository';
}

/** The repository was written by a newer Coffer (or uses an unknown algorithm). */
export class UnsupportedFormatError extends EngineError {
  override name = 'UnsupportedFormatError';
  override readonly code: string = 'unsupported_format';
}

/** Another process holds a conflicting lock. */
export class RepositoryLockedError extends EngineError {
  override name = 'RepositoryLockedError';
  override readonly code: string = 'repository_locked';

  constructor(
    message: string,
    readonly holder?: { host: string; pid: number; time: string; exclusive: boolean },
  ) {
    super(message);
  }
}

/** A storage object that should exist does not. */
export class NotFoundError extends EngineError {
  override name = 'NotFoundError';
  override readonly code: string = 'not_found';

  constructor(readonly object: string) {
    super(`${object} does not exist in the repository`);
  }
}

/** An exclusive write found the object already there. */
export class AlreadyExistsError extends EngineError {
  override name = 'AlreadyExistsError';
  override readonly code: string = 'already_exists';

  constructor(readonly object: string) {
    super(`${object} already exists`);
  }
}

/** A path in a snapshot or a restore target is unsafe (traversal, absolute, NUL, through a symlink). */
export class UnsafePathError extends EngineError {
  override name = 'UnsafePathError';
  override readonly code: string = 'unsafe_path';
}

/** The device is full; `done` counts what completed before. */
export class DiskFullError extends EngineError {
  override name = 'DiskFullError';
  override readonly code: string = 'disk_full';
}

/** The operation was cancelled through its AbortSignal. */
export class AbortedError extends EngineError {
  override name = 'AbortedError';
  override readonly code: string = 'aborted';

  constructor(message = 'The operation was cancelled') {
    super(message);
  }
}

/** A snapshot id or prefix matches nothing, or more than one snapshot. */
export class SnapshotNotFoundError extends EngineError {
  override name = 'SnapshotNotFoundError';
  override readonly code: string = 'snapshot_not_found';
}

const ENGINE_ERROR_CODES: Record<string, true> = {
  engine_error: true,
  wrong_passphrase: true,
  integrity: true,
  not_a_repository: true,
  unsupported_format: true,
  repository_locked: true,
  not_found: true,
  already_exists: true,
  unsafe_path: true,
  disk_full: true,
  aborted: true,
  snapshot_not_found: true,
};
