/**
 * Snapshot downloads: the engine writes a zip or tar.gz straight into the HTTP response (no temporary
 * file). Back-pressure from the client flows back to the engine, so memory stays flat however large the
 * snapshot; a client that disconnects aborts the engine, which stops reading the repository.
 */
import 'server-only';
import { Readable, Transform } from 'node:stream';
import type { ArchiveFormat, Repository } from './engine-adapter';

/** A Content-Disposition value per RFC 6266: an ASCII fallback `filename` and the exact UTF-8 `filename*`. */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** A file name for a download: the plan's name and the snapshot's time, without path separators or controls. */
export function archiveFilename(planName: string, time: Date, format: ArchiveFormat): string {
  const base = planName.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '_').trim().slice(0, 80) || 'backup';
  const stamp = time.toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return `${base}-${stamp}.${format === 'zip' ? 'zip' : 'tar.gz'}`;
}

/**
 * Returns a streaming Response with the archive of `paths` (all when empty) of `snapshotId`. The engine
 * stops when `clientSignal` aborts or the body is cancelled.
 */
export function archiveResponse(
  repo: Repository,
  snapshotId: string,
  paths: string[],
  format: ArchiveFormat,
  filename: string,
  clientSignal: AbortSignal,
  onDone?: (outcome: { ok: boolean; bytes: number; error?: unknown }) => void,
): Response {
  const controller = new AbortController();
  const abort = () => controller.abort();
  clientSignal.addEventListener('abort', abort, { once: true });
  let sent = 0;
  const out = new Transform({
    highWaterMark: 1024 * 1024,
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      callback(null, chunk);
    },
  });
  let finished = false;
  out.on('finish', () => (finished = true));
  // A body cancelled by the client destroys the stream before it finished: stop the engine.
  out.on('close', () => {
    if (!finished) abort();
  });
  repo.restoreToArchive(snapshotId, paths, format, out, { signal: controller.signal }).then(
    () => {
      clientSignal.removeEventListener('abort', abort);
      onDone?.({ ok: true, bytes: sent });
    },
    (err: unknown) => {
      clientSignal.removeEventListener('abort', abort);
      if (!controller.signal.aborted) console.error(`Download of snapshot ${snapshotId} failed:`, err);
      out.destroy(err instanceof Error ? err : new Error(String(err)));
      onDone?.({ ok: false, bytes: sent, error: err });
    },
  );
  return new Response(Readable.toWeb(out) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': format === 'zip' ? 'application/zip' : 'application/gzip',
      'content-disposition': contentDisposition(filename),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
