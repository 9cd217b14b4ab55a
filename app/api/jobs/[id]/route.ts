/** GET /api/jobs/:id: a job's status and progress for the live view (polled about once a second). */
import { withUser } from '@/lib/actions/safe-action';
import { getDb } from '@/lib/db';
import { getJob } from '@/lib/db/queries/jobs';
import { AppError } from '@/lib/errors';

export const dynamic = 'force-dynamic';

export const GET = withUser<{ params: Promise<{ id: string }> }>(async (_request, user, { params }) => {
  const { id } = await params;
  const job = await getJob(await getDb(), user.id, id);
  if (!job) throw new AppError('not_found', 'This job does not exist.');
  return Response.json(
    {
      id: job.id,
      planId: job.planId,
      kind: job.kind,
      status: job.status,
      progress: job.progress,
      result: job.result,
      error: job.error,
      warnings: job.warnings.slice(0, 200),
      warningCount: job.warnings.length,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
    },
    { headers: { 'cache-control': 'no-store' } },
  );
});
