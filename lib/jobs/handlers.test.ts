import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob, getJob } from '@/lib/db/queries/jobs';
import { createPlan } from '@/lib/db/queries/plans';
import { listPlanSnapshots } from '@/lib/db/queries/snapshots';
import { users } from '@/lib/db/schema';
import { createTestDatabase, type TestDatabase } from '@/lib/db/testing';
import { createBoss } from './boss';
import { createRepository } from './engine-adapter';
import { backupHandler, restoreHandler } from './handlers';
import { RepositoryAccess } from './repository-access';
import { JobRunner } from './runner';

async function waitForStatus(database: TestDatabase, owner: string, id: string): Promise<string> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const status = (await getJob(database.db, owner, id))?.status;
    if (status && !['queued', 'running'].includes(status)) return status;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('backup and restore handlers', () => {
  let database: TestDatabase;
  let runner: JobRunner;
  let base: string;
  let root: string;
  let owner: string;
  let planId: string;
  const passphrase = 'a long test passphrase';

  beforeAll(async () => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-handlers-')));
    root = path.join(base, 'root');
    fs.mkdirSync(path.join(root, 'src', 'nested', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src', 'hello.txt'), 'hello\n');
    fs.writeFileSync(path.join(root, 'src', 'nested', 'ünïcødé – ✓.txt'), 'unicode\n');
    fs.writeFileSync(path.join(root, 'src', 'nested', 'deeper', 'empty'), '');
    fs.writeFileSync(path.join(root, 'src', 'random.bin'), crypto.randomBytes(3 * 1024 * 1024 + 17));
    fs.writeFileSync(path.join(root, 'src', 'skip.tmp'), 'excluded');
    database = await createTestDatabase('pglite');
    const [user] = await database.db.insert(users).values({ email: 'h@example.test', name: 'H', passwordHash: 'x' }).returning({ id: users.id });
    owner = user!.id;
    const repositoryId = crypto.randomUUID();
    const location = path.join(base, 'repos', repositoryId);
    const engineId = await createRepository(location, { encrypted: true, passphrase, compression: 'auto' });
    const { plan } = await createPlan(database.db, owner, {
      repositoryId,
      location,
      encrypted: true,
      sealedPassphrase: null,
      engineRepositoryId: engineId,
      name: 'Test',
      sources: [path.join(root, 'src')],
      excludes: ['*.tmp'],
      compression: 'auto',
      schedule: null,
    });
    planId = plan.id;
    const access = new RepositoryAccess(() => crypto.randomBytes(32).toString('hex'));
    const deps = { db: async () => database.db, access, roots: () => [root] };
    runner = new JobRunner({ database, boss: createBoss(database), concurrency: 2, pollingIntervalSeconds: 0.5, handlers: { backup: backupHandler(deps), restore: restoreHandler(deps) } });
    await runner.start();
  });

  afterAll(async () => {
    await runner?.stop();
    await database?.dispose();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('backs up a plan, records the snapshot, and restores it byte for byte elsewhere', async () => {
    const backup = await createJob(database.db, owner, { planId, kind: 'backup', params: { planId } });
    await runner.enqueue(backup, { lockKey: 'r', secret: passphrase });
    expect(await waitForStatus(database, owner, backup.id)).toBe('succeeded');
    const done = await getJob(database.db, owner, backup.id);
    expect(done?.result).toMatchObject({ files: 4 });
    expect(done?.progress).toMatchObject({ phase: 'done' });
    const [snapshot] = await listPlanSnapshots(database.db, owner, planId);
    expect(snapshot?.bytes).toBe(6 + 8 + 3 * 1024 * 1024 + 17);

    const target = path.join(root, 'restored');
    const restore = await createJob(database.db, owner, {
      planId,
      kind: 'restore',
      params: { planId, snapshotId: snapshot!.id, target, include: [], overwrite: 'skip' },
    });
    await runner.enqueue(restore, { lockKey: 'r', secret: passphrase });
    expect(await waitForStatus(database, owner, restore.id)).toBe('succeeded');
    for (const rel of ['hello.txt', 'nested/ünïcødé – ✓.txt', 'nested/deeper/empty', 'random.bin']) {
      expect(fs.readFileSync(path.join(target, 'src', rel)).equals(fs.readFileSync(path.join(root, 'src', rel)))).toBe(true);
    }
    expect(fs.existsSync(path.join(target, 'src', 'skip.tmp'))).toBe(false);
  });

  it('restores selected files to their original location, overwriting or skipping as asked', async () => {
    const [snapshot] = await listPlanSnapshots(database.db, owner, planId);
    const hello = path.join(root, 'src', 'hello.txt');
    fs.writeFileSync(hello, 'changed\n');
    const run = async (overwrite: string) => {
      const job = await createJob(database.db, owner, {
        planId,
        kind: 'restore',
        params: { planId, snapshotId: snapshot!.id, target: null, include: ['src/hello.txt'], overwrite },
      });
      await runner.enqueue(job, { lockKey: 'r', secret: passphrase });
      return waitForStatus(database, owner, job.id);
    };
    expect(await run('skip')).toBe('succeeded');
    expect(fs.readFileSync(hello, 'utf8')).toBe('changed\n');
    expect(await run('overwrite')).toBe('succeeded');
    expect(fs.readFileSync(hello, 'utf8')).toBe('hello\n');
  });

  it('fails a run with a wrong passphrase with a clear message and no snapshot', async () => {
    const before = (await listPlanSnapshots(database.db, owner, planId)).length;
    const job = await createJob(database.db, owner, { planId, kind: 'backup', params: { planId } });
    await runner.enqueue(job, { lockKey: 'r', secret: 'wrong passphrase' });
    expect(await waitForStatus(database, owner, job.id)).toBe('failed');
    expect((await getJob(database.db, owner, job.id))?.error).toMatch(/passphrase/i);
    expect((await listPlanSnapshots(database.db, owner, planId)).length).toBe(before);
  });

  it('refuses to restore outside the allowed roots', async () => {
    const [snapshot] = await listPlanSnapshots(database.db, owner, planId);
    const job = await createJob(database.db, owner, {
      planId,
      kind: 'restore',
      params: { planId, snapshotId: snapshot!.id, target: path.join(base, 'outside'), include: [], overwrite: 'skip' },
    });
    await runner.enqueue(job, { lockKey: 'r', secret: passphrase });
    expect(await waitForStatus(database, owner, job.id)).toBe('failed');
    expect((await getJob(database.db, owner, job.id))?.error).toMatch(/outside/);
    expect(fs.existsSync(path.join(base, 'outside'))).toBe(false);
  });
});
