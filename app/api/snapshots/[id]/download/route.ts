/**
 * GET /api/snapshots/:id/download?format=zip|tar.gz[&path=<path in snapshot>…]: streams the snapshot (or
 * the chosen paths) as an archive straight from the repository; see lib/jobs/download.ts.
 */
import { withUser } from '@/lib/actions/safe-action';
import { getDb } from '@/lib/db';
import { recordBackupAudit } from '@/lib/db/queries/backup-audit';
import { AppError } from '@/lib/errors';
import { archiveFilename, archiveResponse } from '@/lib/jobs/download';
import { openOwnedSnapshot } from '@/lib/jobs/snapshot-access';

export const dynamic = 'force-dynamic';

export const GET = withUser<{ params: Promise<{ id: string }> }>(async (request, user, { params }) => {
  const { id } = await params;
  const search = new URL(request.url).searchParams;
  const format = search.get('format');
  if (format !== 'zip' && format !== 'tar.gz') throw new AppError('invalid', 'Choose format=zip or format=tar.gz.');
  const paths = search.getAll('path').filter(Boolean);
  const { repo, snapshot, plan } = await openOwnedSnapshot(user.id, id);
  const filename = archiveFilename(plan.name, snapshot.time, format);
  const db = await getDb();
  return archiveResponse(repo, snapshot.engineSnapshotId, paths, format, filename, request.signal, (outcome) => {
    void recordBackupAudit(db, user.id, 'snapshot.downloaded', snapshot.id, { format, bytes: outcome.bytes, complete: outcome.ok });
  });
});
