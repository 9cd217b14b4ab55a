/** Disk usage of repositories, for the dashboard's total. */
import 'server-only';
import fs from 'node:fs';
import path from 'node:path';

/** Bytes used by the files under `location` (0 when it is missing). Walks iteratively. */
export async function folderSize(location: string): Promise<number> {
  let total = 0;
  const stack = [location];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) total += (await fs.promises.stat(p).catch(() => ({ size: 0 }))).size;
    }
  }
  return total;
}
