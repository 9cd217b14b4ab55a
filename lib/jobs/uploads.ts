/**
 * Browser uploads: each file is streamed by a route handler (never a server action body) into a staging
 * folder `$COFFER_DATA_DIR/uploads/<user>/<batch>/uploads/<relative path>`, counted against the upload
 * limit as it arrives; committing the batch queues a backup of the staging folder, which the job removes
 * when it ends. Names from the browser are checked segment by segment and files are created exclusively.
 */
import 'server-only';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@/lib/errors';

/** The top-level folder name uploaded files appear under in their snapshot. */
export const UPLOAD_FOLDER = 'uploads';
const MAX_DEPTH = 64;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks a relative path from the browser; returns its segments or throws AppError('invalid'). */
export function safeRelativePath(rel: string): string[] {
  const segments = rel.split('/').filter((s) => s !== '');
  const bad = segments.length === 0 || segments.length > MAX_DEPTH || segments.some((s) => s === '.' || s === '..' || s.includes('\0') || s.includes('\\') || Buffer.byteLength(s) > 255);
  if (bad) throw new AppError('invalid', `"${rel.slice(0, 200)}" is not a file name that can be uploaded.`);
  return segments;
}

/** The staging folder of a batch (checked to be a uuid, under the user's own folder). */
export function batchDir(dataDir: string, userId: string, batch: string): string {
  if (!UUID.test(batch) || !UUID.test(userId)) throw new AppError('invalid', 'Unknown upload.');
  return path.join(dataDir, 'uploads', userId, batch);
}

/** Bytes already staged in a batch (sum of file sizes). */
export async function stagedBytes(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) total += (await fs.promises.stat(p)).size;
    }
  };
  await walk(dir);
  return total;
}

/**
 * Streams `body` to `<dir>/uploads/<rel>`. Throws AppError('invalid') when the staged total would pass
 * `limit` (the partial file is removed), or when the file already exists in the batch.
 */
export async function stageFile(dir: string, rel: string, body: ReadableStream<Uint8Array> | null, limit: number, signal?: AbortSignal): Promise<number> {
  const segments = safeRelativePath(rel);
  const already = await stagedBytes(dir);
  const file = path.join(dir, UPLOAD_FOLDER, ...segments);
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let written = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      written += chunk.length;
      if (already + written > limit) callback(new AppError('invalid', tooLarge(limit)));
      else callback(null, chunk);
    },
  });
  try {
    const source = body ? Readable.fromWeb(body as never) : Readable.from([]);
    await pipeline(source, counter, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal });
  } catch (err) {
    // The file that was already there stays; only a partial file of this request is removed.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AppError('invalid', `"${rel}" was sent twice in this upload.`);
    await fs.promises.rm(file, { force: true }).catch(() => {});
    throw err;
  }
  return written;
}

/** The message shown when an upload passes the limit. */
export function tooLarge(limit: number): string {
  return `This upload is larger than the limit of ${formatLimit(limit)} set for this server (COFFER_UPLOAD_LIMIT).`;
}

function formatLimit(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

/** Removes staging folders older than `maxAgeMs` (uploads that were never committed). */
export async function sweepStaleUploads(dataDir: string, maxAgeMs = 24 * 3600 * 1000): Promise<void> {
  const root = path.join(dataDir, 'uploads');
  let users: string[];
  try {
    users = await fs.promises.readdir(root);
  } catch {
    return;
  }
  for (const user of users) {
    for (const batch of await fs.promises.readdir(path.join(root, user)).catch(() => [] as string[])) {
      const p = path.join(root, user, batch);
      const st = await fs.promises.stat(p).catch(() => null);
      if (st && Date.now() - st.mtimeMs > maxAgeMs) await fs.promises.rm(p, { recursive: true, force: true });
    }
  }
}
