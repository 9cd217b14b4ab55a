/**
 * Allowed roots: every path a person names (backup sources, restore targets, folders shown in the picker)
 * must resolve, with symlinks followed (realpath), to a place inside one of the server's allowed roots.
 * A lexical check alone is not enough: `/allowed/link → /etc` passes it, so each check resolves first and
 * compares the real path with the real roots.
 */
import 'server-only';
import fs from 'node:fs';
import path from 'node:path';

/** A refused path; `message` names the path and says why, ready to show. */
export class PathRefusedError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly reason: 'invalid' | 'missing' | 'outside' | 'unreadable' | 'unwritable' | 'not_directory',
  ) {
    super(message);
    this.name = 'PathRefusedError';
  }
}

/** True when `child` is `parent` or lies beneath it (both absolute and normalised). */
export function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The roots resolved with realpath; roots that do not exist are left out. */
export async function realRoots(roots: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const root of roots) {
    try {
      out.push(await fs.promises.realpath(root));
    } catch {
      // A configured root that is missing simply offers nothing.
    }
  }
  return out;
}

function checkSyntax(input: string): string {
  if (typeof input !== 'string' || input.trim() === '') throw new PathRefusedError('A path is empty.', input, 'invalid');
  if (input.includes('\0')) throw new PathRefusedError(`"${JSON.stringify(input).slice(1, -1)}" contains a NUL byte.`, input, 'invalid');
  if (!path.isAbsolute(input)) throw new PathRefusedError(`"${input}" is not an absolute path (start it with /).`, input, 'invalid');
  return path.normalize(input);
}

function outside(input: string, real: string): PathRefusedError {
  const via = path.normalize(input) === real ? '' : ` (it resolves to "${real}")`;
  return new PathRefusedError(`"${input}" is outside the folders this server may back up or restore to${via}.`, input, 'outside');
}

/**
 * Resolves an existing path for reading (a backup source or a folder to list): returns its real path.
 * Throws PathRefusedError when the path is not absolute, does not exist, resolves outside `roots`, or
 * cannot be read by the server process.
 */
export async function resolveReadablePath(input: string, roots: readonly string[]): Promise<string> {
  const normal = checkSyntax(input);
  let real: string;
  try {
    real = await fs.promises.realpath(normal);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw new PathRefusedError(`"${input}" cannot be read by the server (permission denied).`, input, 'unreadable');
    throw new PathRefusedError(`"${input}" does not exist.`, input, 'missing');
  }
  const allowed = await realRoots(roots);
  if (!allowed.some((root) => isWithin(root, real))) throw outside(input, real);
  try {
    const st = await fs.promises.stat(real);
    await fs.promises.access(real, st.isDirectory() ? fs.constants.R_OK | fs.constants.X_OK : fs.constants.R_OK);
  } catch {
    throw new PathRefusedError(`"${input}" cannot be read by the server (permission denied).`, input, 'unreadable');
  }
  return real;
}

/**
 * Resolves a restore target folder: the nearest existing ancestor must resolve inside `roots`; the missing
 * part is created, and the result is resolved and checked again (a folder swapped for a symlink in between
 * is caught). Returns the real path of the folder, which exists and is writable on return.
 */
export async function resolveWritableFolder(input: string, roots: readonly string[]): Promise<string> {
  const normal = checkSyntax(input);
  const allowed = await realRoots(roots);
  let existing = normal;
  const missing: string[] = [];
  for (;;) {
    try {
      await fs.promises.lstat(existing);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new PathRefusedError(`"${input}" cannot be reached by the server (${(err as NodeJS.ErrnoException).code}).`, input, 'unwritable');
      }
      const parent = path.dirname(existing);
      if (parent === existing) break;
      missing.unshift(path.basename(existing));
      existing = parent;
    }
  }
  let realBase: string;
  try {
    realBase = await fs.promises.realpath(existing);
  } catch {
    throw new PathRefusedError(`"${input}" cannot be reached by the server.`, input, 'missing');
  }
  if (!allowed.some((root) => isWithin(root, realBase))) throw outside(input, realBase);
  const st = await fs.promises.stat(realBase);
  if (!st.isDirectory()) throw new PathRefusedError(`"${existing}" is a file, not a folder.`, input, 'not_directory');
  if (missing.length > 0) await fs.promises.mkdir(path.join(realBase, ...missing), { recursive: true });
  // Checked again after creating: the realpath of what now exists must still be inside a root.
  const real = await fs.promises.realpath(path.join(realBase, ...missing));
  if (!allowed.some((root) => isWithin(root, real))) throw outside(input, real);
  if (!(await fs.promises.stat(real)).isDirectory()) throw new PathRefusedError(`"${input}" is not a folder.`, input, 'not_directory');
  try {
    await fs.promises.access(real, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw new PathRefusedError(`"${input}" cannot be written by the server (permission denied).`, input, 'unwritable');
  }
  return real;
}

/** One entry of a folder listing for the picker. */
export interface FolderEntry {
  name: string;
  /** Absolute path as shown (inside the listed folder, not resolved). */
  path: string;
  type: 'dir' | 'file' | 'symlink' | 'other';
}

/**
 * Lists a folder inside the roots for the folder picker, folders first, at most `limit` entries (`truncated`
 * says when more exist). Throws PathRefusedError like resolveReadablePath.
 */
export async function listFolder(input: string, roots: readonly string[], limit = 1000): Promise<{ path: string; entries: FolderEntry[]; truncated: boolean }> {
  const real = await resolveReadablePath(input, roots);
  const st = await fs.promises.stat(real);
  if (!st.isDirectory()) throw new PathRefusedError(`"${input}" is not a folder.`, input, 'not_directory');
  const dirents = await fs.promises.readdir(real, { withFileTypes: true });
  const entries: FolderEntry[] = dirents.map((d) => ({
    name: d.name,
    path: path.join(real, d.name),
    type: d.isDirectory() ? 'dir' : d.isFile() ? 'file' : d.isSymbolicLink() ? 'symlink' : 'other',
  }));
  const order = { dir: 0, symlink: 1, file: 2, other: 3 } as const;
  entries.sort((a, b) => order[a.type] - order[b.type] || a.name.localeCompare(b.name));
  return { path: real, entries: entries.slice(0, limit), truncated: entries.length > limit };
}
