/**
 * GET /api/snapshots/:id/search?q=<text>: entries whose name contains the text (case-insensitive), found
 * by walking the snapshot's folders breadth first, up to 200 matches or 5,000 folders.
 */
import { withUser } from '@/lib/actions/safe-action';
import { AppError } from '@/lib/errors';
import { openOwnedSnapshot } from '@/lib/jobs/snapshot-access';

export const dynamic = 'force-dynamic';

const MAX_RESULTS = 200;
const MAX_FOLDERS = 5000;

export const GET = withUser<{ params: Promise<{ id: string }> }>(async (request, user, { params }) => {
  const { id } = await params;
  const q = (new URL(request.url).searchParams.get('q') ?? '').trim().toLowerCase();
  if (q.length === 0 || q.length > 200) throw new AppError('invalid', 'Type one to 200 characters to search for.');
  const { repo, snapshot } = await openOwnedSnapshot(user.id, id);
  const results: { name: string; path: string; type: string; size: number; mtime: string }[] = [];
  const queue = [''];
  let folders = 0;
  while (queue.length > 0 && results.length < MAX_RESULTS && folders < MAX_FOLDERS && !request.signal.aborted) {
    const folder = queue.shift()!;
    folders++;
    for (const e of await repo.ls(snapshot.engineSnapshotId, folder, { signal: request.signal })) {
      if (e.name.toLowerCase().includes(q) && results.length < MAX_RESULTS) results.push({ name: e.name, path: e.path, type: e.type, size: e.size, mtime: e.mtime.toISOString() });
      if (e.type === 'dir') queue.push(e.path);
    }
  }
  return Response.json({ q, results, complete: queue.length === 0 }, { headers: { 'cache-control': 'no-store' } });
});
