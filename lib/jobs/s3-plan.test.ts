import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDestination } from '@/lib/actions/backups/plan-destination';
import { createJob, getJob } from '@/lib/db/queries/jobs';
import { createPlan } from '@/lib/db/queries/plans';
import { users } from '@/lib/db/schema';
import { createTestDatabase, type TestDatabase } from '@/lib/db/testing';
import { startS3Server, TEST_BUCKET, TEST_CREDENTIALS, type TestS3Server } from '@/lib/engine/storage/s3-test-server';
import { createBoss } from './boss';
import { createRepository, openRepositoryAt, storageFor, testS3Connection } from './engine-adapter';
import { backupHandler } from './handlers';
import { RepositoryAccess } from './repository-access';
import { JobRunner } from './runner';

describe('plans on S3-compatible storage', () => {
  let s3: TestS3Server;
  let database: TestDatabase;
  let runner: JobRunner;
  let base: string;
  const serverKey = crypto.randomBytes(32).toString('hex');

  beforeAll(async () => {
    s3 = await startS3Server();
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-s3-plan-')));
    fs.mkdirSync(path.join(base, 'src'), { recursive: true });
    fs.writeFileSync(path.join(base, 'src', 'a.txt'), 'to the bucket\n');
    database = await createTestDatabase('pglite');
    const access = new RepositoryAccess(() => serverKey);
    const deps = { db: async () => database.db, access, roots: () => [base] };
    runner = new JobRunner({ database, boss: createBoss(database), concurrency: 1, pollingIntervalSeconds: 0.5, handlers: { backup: backupHandler(deps) } });
    await runner.start();
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
    await database?.dispose();
    await s3?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  const settings = () => ({ endpoint: s3.endpoint, region: 'us-east-1', bucket: TEST_BUCKET, prefix: 'plans/one', pathStyle: true });

  it('tests a connection, and names the problem without the secret when the credentials are wrong', async () => {
    expect((await testS3Connection(settings(), TEST_CREDENTIALS)).ok).toBe(true);
    const bad = await testS3Connection({ ...settings(), bucket: 'no-such-bucket' }, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER-but-wrong-secret' });
    expect(bad.ok).toBe(false);
    expect(bad.message).not.toContain('S3RVER-but-wrong-secret');
  });

  it('creates a plan whose repository lives in the bucket and backs it up there', async () => {
    const repositoryId = crypto.randomUUID();
    const input = { destination: 's3' as const, localFolder: '', s3Endpoint: s3.endpoint, s3Region: 'us-east-1', s3Bucket: TEST_BUCKET, s3Prefix: 'plans/one', s3AccessKey: TEST_CREDENTIALS.accessKeyId, s3SecretKey: TEST_CREDENTIALS.secretAccessKey, s3PathStyle: true };
    const destination = await planDestination(input, repositoryId, { dataDir: base, roots: [base], serverKey: () => serverKey });
    if (!destination.ok) throw new Error(destination.message);
    const engineId = await createRepository(destination.storage, { encrypted: false, compression: 'auto' });
    const [user] = await database.db.insert(users).values({ email: 's3@example.test', name: 'S', passwordHash: 'x' }).returning({ id: users.id });
    const { plan, repository } = await createPlan(database.db, user!.id, {
      repositoryId,
      ...destination.row,
      encrypted: false,
      sealedPassphrase: null,
      engineRepositoryId: engineId,
      name: 'Bucket',
      sources: [path.join(base, 'src')],
      excludes: [],
      compression: 'auto',
      schedule: null,
    });
    expect(repository).toMatchObject({ kind: 's3', location: `s3://${TEST_BUCKET}/plans/one` });
    expect(Object.keys(repository.s3 ?? {}).sort()).toEqual(['bucket', 'endpoint', 'pathStyle', 'prefix', 'region']);
    expect(repository.sealedCredentials).toMatch(/^v1\./);
    const job = await createJob(database.db, user!.id, { planId: plan.id, kind: 'backup', params: { planId: plan.id } });
    await runner.enqueue(job, { lockKey: repositoryId });
    const deadline = Date.now() + 90_000;
    let status = 'queued';
    while (['queued', 'running'].includes(status) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await getJob(database.db, user!.id, job.id))?.status ?? 'missing';
    }
    expect(status).toBe('succeeded');
    const repo = await openRepositoryAt(storageFor(repository, () => serverKey), undefined);
    try {
      expect(await repo.listSnapshots()).toHaveLength(1);
    } finally {
      await repo.close();
    }
  });
});
