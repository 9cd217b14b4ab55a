/**
 * Tree listing for the browser and the CLI: the entries of one directory of a snapshot.
 */
import { EngineError } from './errors';
import type { RepositoryCore } from './repository';
import type { EntryType, TreeEntry } from './tree';

/** One listed entry. `name` is decoded for display; `nameBytes` is exact. */
export interface LsEntry {
  name: string;
  nameBytes: Buffer;
  /** Path inside the snapshot, slash-separated, without a leading slash. */
  path: string;
  type: EntryType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  target?: string;
}

const toLs = (e: TreeEntry, parent: string): LsEntry => {
  const name = e.name.toString('utf8');
  return {
    name,
    nameBytes: e.name,
    path: parent ? `${parent}/${name}` : name,
    type: e.type,
    size: e.size,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    mtime: new Date(Number(e.mtime / 1000000n)),
    ...(e.target ? { target: e.target.toString('utf8') } : {}),
  };
};

/**
 * Lists the directory at `path` (slash-separated, '' or '/' for the snapshot root) of the tree `root`.
 * A path naming a file lists that file alone. Throws EngineError when the path does not exist.
 */
export async function runLs(repo: RepositoryCore, root: Buffer, path: string, signal?: AbortSignal): Promise<LsEntry[]> {
  const parts = path.split('/').filter((p) => p.length > 0 && p !== '.');
  let entries = await repo.loadTree(root, signal);
  let at = '';
  for (const [i, part] of parts.entries()) {
    const e = entries.find((x) => x.name.toString('utf8') === part);
    if (!e) throw new EngineError(`${parts.slice(0, i + 1).join('/')} does not exist in this snapshot`);
    if (e.type !== 'dir') {
      if (i === parts.length - 1) return [toLs(e, at)];
      throw new EngineError(`${parts.slice(0, i + 1).join('/')} is not a directory`);
    }
    entries = await repo.loadTree(e.subtree!, signal);
    at = at ? `${at}/${part}` : part;
  }
  return entries.map((e) => toLs(e, at));
}
