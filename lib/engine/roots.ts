/**
 * Allowed roots: the folders a caller (the web app) lets a user back up from or restore into. Paths are
 * compared after realpath, so `..` segments and symlinks cannot lead outside.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UnsafePathError } from './errors';

/** True when real path `p` is one of `roots` or lies beneath one (roots resolved with realpath). */
export function insideRoots(p: string, roots: readonly string[]): boolean {
  return roots.some((r) => {
    let root: string;
    try {
      root = fs.realpathSync(r);
    } catch {
      return false;
    }
    const rel = path.relative(root, p);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
}

/** The realpath of `p`, or of its deepest existing ancestor joined with the missing rest. */
export function realpathOrAncestor(p: string): string {
  const abs = path.resolve(p);
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync(at), ...missing.reverse());
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return abs;
      missing.push(path.basename(at));
      at = parent;
    }
  }
}

/** Throws UnsafePathError unless `p` (resolved) lies inside `roots`; no-op when roots is undefined. */
export function assertInsideRoots(p: string, roots: readonly string[] | undefined, what: string): void {
  if (!roots) return;
  if (!insideRoots(realpathOrAncestor(p), roots)) {
    throw new UnsafePathError(`${what} ${p} is outside the allowed folders`);
  }
}
