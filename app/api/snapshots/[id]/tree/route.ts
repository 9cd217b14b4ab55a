/** GET /api/snapshots/:id/tree?path=<path in snapshot>: one folder of a snapshot, for the lazy tree. */
import { withUser } from '@/lib/actions/safe-action';
import { AppError } from '@/lib/errors';
import { getJobs } from '@/lib/jobs';
import { openOwnedSnapshot } from '@/lib/jobs/snapshot-access';

export const dynamic = 'force-dynamic';

export const GET = withUser<{ params: Promise<{ id: string }> }>(async (request, user, { params }) => {
  const { id } = await params;
  const folder = new URL(request.url).searchParams.get('path') ?? '';
  const { repo, snapshot } = await openOwnedSnapshot(user.id, id);
  try {
    const entries = await repo.ls(snapshot.engineSnapshotId, folder, { signal: request.signal });
    return Response.json(
      { path: folder, entries: entries.map((e) => ({ name: e.name, path: e.path, type: e.type, size: e.size, mtime: e.mtime.toISOString() })) },
      { headers: { 'cache-control': 'no-store' } },
    );
  } catch (err) {
    if ((await getJobs()).classify(err) === 'engine') throw new AppError('not_found', (err as Error).message);
    throw err;
  }
});
