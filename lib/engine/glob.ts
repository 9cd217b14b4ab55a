/**
 * Exclude patterns for backups. A pattern without `/` matches an entry's name; a pattern with `/`
 * matches the entry's full path from the start. `*` matches within one path component, `**` across
 * components, `?` one character other than `/`.
 */

/** Compiles exclude patterns into one predicate over (name, full path). */
export function compileExcludes(patterns: readonly string[]): (name: string, fullPath: string) => boolean {
  const byName: RegExp[] = [];
  const byPath: RegExp[] = [];
  for (const p of patterns) {
    if (p.length === 0) continue;
    const trimmed = p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
    (trimmed.includes('/') ? byPath : byName).push(toRegExp(trimmed));
  }
  if (byName.length === 0 && byPath.length === 0) return () => false;
  return (name, fullPath) => byName.some((r) => r.test(name)) || byPath.some((r) => r.test(fullPath));
}

function toRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}
