/**
 * Browser uploads into a plan (see lib/jobs/uploads.ts):
 * - PUT  /api/uploads/:planId?batch=<uuid>&path=<relative path>  body: the file's bytes, streamed to disk;
 * - POST /api/uploads/:planId?batch=<uuid>  JSON `{ passphrase? }`: queues a backup of the batch.
 *
 * proxy.ts does not run for this path: Next's proxy buffers a request body it forwards (and cuts it at
 * 10 MB), which would defeat streaming. So the cross-site refusal the proxy gives other /api routes is
 * applied here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { withUser } from '@/lib/actions/safe-action';
import { unlockWithPassphrase } from '@/lib/actions/backups/passphrase-guard';
import { getConfig } from '@/lib/config';
import { getDb } from '@/lib/db';
import { recordBackupAudit } from '@/lib/db/queries/backup-audit';
import { createJob } from '@/lib/db/queries/jobs';
import { getPlan } from '@/lib/db/queries/plans';
import { AppError } from '@/lib/errors';
import { getJobs } from '@/lib/jobs';
import { batchDir, stageFile, tooLarge, UPLOAD_FOLDER } from '@/lib/jobs/uploads';
import { isCrossSiteWrite } from '@/lib/security/headers';

export const dynamic = 'force-dynamic';

type Ctx = { params: Promise<{ planId: string }> };

function refuseCrossSite(request: Request): void {
  const url = new URL(request.url);
  const host = request.headers.get('host');
  const refused = isCrossSiteWrite({
    method: request.method,
    origin: request.headers.get('origin'),
    secFetchSite: request.headers.get('sec-fetch-site'),
    ownOrigins: [url.origin, ...(host ? [`${url.protocol}//${host}`] : []), ...(process.env.COFFER_PUBLIC_URL ? [process.env.COFFER_PUBLIC_URL] : [])],
    allowedOrigins: getConfig().COFFER_ALLOWED_ORIGINS,
  });
  if (refused) throw new AppError('forbidden', 'Cross-site requests are not allowed.');
}

async function ownedPlan(userId: string, planId: string) {
  const found = await getPlan(await getDb(), userId, planId);
  if (!found) throw new AppError('not_found', 'This backup plan does not exist.');
  return found;
}

export const PUT = withUser<Ctx>(async (request, user, { params }) => {
  refuseCrossSite(request);
  const { planId } = await params;
  await ownedPlan(user.id, planId);
  const search = new URL(request.url).searchParams;
  const config = getConfig();
  const dir = batchDir(config.COFFER_DATA_DIR, user.id, search.get('batch') ?? '');
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > config.COFFER_UPLOAD_LIMIT) throw new AppError('invalid', tooLarge(config.COFFER_UPLOAD_LIMIT));
  try {
    const bytes = await stageFile(dir, search.get('path') ?? '', request.body, config.COFFER_UPLOAD_LIMIT, request.signal);
    return Response.json({ ok: true, bytes });
  } catch (err) {
    if (err instanceof AppError && err.message.includes('limit')) await fs.promises.rm(dir, { recursive: true, force: true });
    throw err;
  }
});

export const POST = withUser<Ctx>(async (request, user, { params }) => {
  refuseCrossSite(request);
  const { planId } = await params;
  const { plan, repository } = await ownedPlan(user.id, planId);
  const config = getConfig();
  const dir = batchDir(config.COFFER_DATA_DIR, user.id, new URL(request.url).searchParams.get('batch') ?? '');
  const source = path.join(dir, UPLOAD_FOLDER);
  if (!fs.existsSync(source)) throw new AppError('invalid', 'Nothing was uploaded in this batch.');
  const body = (await request.json().catch(() => ({}))) as { passphrase?: unknown };
  const passphrase = typeof body.passphrase === 'string' ? body.passphrase : '';
  const db = await getDb();
  const jobs = await getJobs();
  const { runner, access } = jobs;
  let secret: string | undefined;
  if (repository.encrypted) {
    if (passphrase) {
      await unlockWithPassphrase(db, jobs, repository, passphrase);
      secret = passphrase;
    } else if (!access.isUnlocked(repository)) {
      throw new AppError('conflict', 'This backup is encrypted: enter its passphrase to back up the uploaded files.');
    } else {
      secret = access.passphraseFor(repository);
    }
  }
  const job = await createJob(db, user.id, { planId: plan.id, kind: 'backup', params: { planId: plan.id, uploadDir: source } });
  await runner.enqueue(job, { lockKey: repository.id, secret });
  await recordBackupAudit(db, user.id, 'upload.queued', job.id, { planId: plan.id });
  return Response.json({ ok: true, jobId: job.id });
});
