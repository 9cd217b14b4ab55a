/**
 * Streams a snapshot, or parts of it, as a .zip or .tar.gz into a writable (an HTTP response for the
 * browser download) without temporary files. Entries are appended a few at a time as archiver consumes
 * them, so memory stays bounded for large snapshots; each file's bytes come straight from verified
 * blobs. Cancelling through the signal aborts the archive.
 */
import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import { BLOB_DATA } from './crypto';
import { AbortedError } from './errors';
import type { RepositoryCore } from './repository';
import { parseIncludes, selected } from './restore';
import { isSafeName, type TreeEntry } from './tree';

/** Archive formats for downloads. */
export type ArchiveFormat = 'zip' | 'tar.gz';

/** Counts of what went into an archive. */
export interface ArchiveResult {
  files: number;
  dirs: number;
  bytes: number;
  skipped: string[];
}

const MAX_QUEUED = 8;

/** Writes the archive to `out`; resolves when `out` has finished. The caller holds the lock. */
export async function runArchive(
  repo: RepositoryCore,
  root: Buffer,
  paths: string[],
  format: ArchiveFormat,
  out: Writable,
  opts: { signal?: AbortSignal },
): Promise<ArchiveResult> {
  const signal = opts.signal;
  const includes = parseIncludes(paths);
  // Loaded on first use: importing archiver takes ~0.1 s, which every CLI command paid up front.
  const { default: archiver } = await import('archiver');
  const archive =
    format === 'zip' ? archiver('zip', { zlib: { level: 1 } }) : archiver('tar', { gzip: true, gzipOptions: { level: 1 } });
  const result: ArchiveResult = { files: 0, dirs: 0, bytes: 0, skipped: [] };
  let failure: unknown = null;
  let fail: (e: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('close', resolve);
    fail = (e: unknown) => {
      failure ??= e;
      reject(failure);
    };
    out.on('error', fail);
    archive.on('error', fail);
  });
  finished.catch(() => undefined);
  let appended = 0;
  let processed = 0;
  archive.on('entry', () => processed++);
  const onAbort = () => {
    fail(new AbortedError('The download was cancelled'));
    archive.abort();
  };
  // A destroyed output (a client that went away) ends the archive too, even without 'close'.
  out.on('close', () => {
    if (!out.writableFinished) fail(new AbortedError('The download was cancelled: the output closed'));
  });
  signal?.addEventListener('abort', onAbort, { once: true });
  archive.pipe(out);

  const fileStream = (e: TreeEntry) => {
    const stream = Readable.from(
      (async function* () {
        for (const c of e.content ?? []) {
          const blob = await repo.readBlob(c.id, BLOB_DATA, signal);
          result.bytes += blob.length;
          yield blob;
        }
      })(),
    );
    // A damaged blob ends the whole archive: a download with a silently broken file is worse.
    stream.on('error', (err) => {
      fail(err);
      archive.abort();
    });
    return stream;
  };

  try {
    const stack: { entries: TreeEntry[]; i: number; rel: string[]; all: boolean }[] = [
      { entries: await repo.loadTree(root, signal), i: 0, rel: [], all: !includes },
    ];
    while (stack.length > 0) {
      if (failure) throw failure;
      const top = stack[stack.length - 1]!;
      const e = top.entries[top.i++];
      if (!e) {
        stack.pop();
        continue;
      }
      if (!isSafeName(e.name)) continue;
      const rel = [...top.rel, e.name.toString('utf8')];
      const sel = top.all ? 'all' : selected(includes, rel);
      if (sel === 'none' || (sel === 'partial' && e.type !== 'dir')) continue;
      const name = rel.join('/');
      const date = new Date(Number(e.mtime / 1000000n));
      if (e.type === 'dir') {
        stack.push({ entries: await repo.loadTree(e.subtree!, signal), i: 0, rel, all: sel === 'all' });
        archive.append(Buffer.alloc(0), { name: name + '/', mode: e.mode, date });
        result.dirs++;
      } else if (e.type === 'file') {
        // Content stored raw was incompressible at backup: deflating it again only costs time.
        const store = format === 'zip' && (e.content ?? []).every((c) => repo.blobCodec(c.id) === 'none');
        archive.append(fileStream(e), { name, mode: e.mode, date, ...(store ? { store: true } : {}) });
        result.files++;
      } else if (e.type === 'symlink') {
        archive.symlink(name, e.target!.toString('utf8'), 0o777);
        result.files++;
      } else {
        result.skipped.push(name);
        continue;
      }
      appended++;
      while (appended - processed > MAX_QUEUED && !failure) await Promise.race([once(archive, 'entry'), finished]);
    }
    if (failure) throw failure;
    // finalize() never settles after abort(), so wait on `finished`, which every failure rejects.
    void archive.finalize().catch(fail);
    await finished;
    if (failure) throw failure;
    return result;
  } catch (e) {
    archive.abort();
    throw failure ?? e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
