/**
 * Authorization of every backup action and route handler: another user's plan, job or snapshot id gets
 * the same answer as an id that does not exist (a not-found message, or HTTP 404), and nothing changes.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createJob, getJob } from '@/lib/db/queries/jobs';
import { getPlan } from '@/lib/db/queries/plans';
import { recordSnapshot, listPlanSnapshots } from '@/lib/db/queries/snapshots';
import { insertUsers, makePlan } from '@/lib/db/test-fixtures';
import { createTestDatabase, type TestDatabase } from '@/lib/db/testing';

const state = vi.hoisted(() => ({ db: null as unknown, user: null as null | { id: string; email: string; name: string; role: 'user' } }));

vi.mock('@/lib/db', () => ({ getDb: async () => state.db, getDatabase: async () => ({ db: state.db }) }));
vi.mock('@/lib/auth/session', () => ({
  getCurrentUser: async () => state.user,
  requireUser: async () => state.user,
}));
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));
vi.mock('next/navigation', () => ({
  redirect: (to: string) => {
    throw Object.assign(new Error(`redirect ${to}`), { digest: 'NEXT_REDIRECT' });
  },
  unstable_rethrow: (err: unknown) => {
    if ((err as { digest?: string }).digest === 'NEXT_REDIRECT') throw err;
  },
}));
const runner = { enqueue: vi.fn(), cancel: vi.fn(async () => 'not_found') };
const access = { isUnlocked: () => true, passphraseFor: () => undefined, unlock: vi.fn(), handle: vi.fn(), drop: vi.fn(), invalidate: vi.fn() };
vi.mock('@/lib/jobs', () => ({ getJobs: async () => ({ runner, access, serverKey: () => '00'.repeat(32), classify: () => 'other' }), PassphraseNeededError: class extends Error {} }));

const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
};

describe('backup actions and routes', () => {
  let database: TestDatabase;
  let alice: { id: string; email: string; name: string; role: 'user' };
  let mallory: { id: string; email: string; name: string; role: 'user' };
  let planId: string;
  let jobId: string;
  let snapshotId: string;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    state.db = database.db;
    const [aliceId, malloryId] = await insertUsers(database.db, ['Alice', 'Mallory']);
    alice = { id: aliceId, email: 'alice@example.test', name: 'Alice', role: 'user' };
    mallory = { id: malloryId, email: 'mallory@example.test', name: 'Mallory', role: 'user' };
    const { plan, repository } = await makePlan(database.db, alice.id, { name: 'Alice plan' });
    planId = plan.id;
    jobId = (await createJob(database.db, alice.id, { planId, kind: 'backup', params: { planId } })).id;
    await recordSnapshot(database.db, alice.id, { repositoryId: repository.id, planId, engineSnapshotId: 'abc', time: new Date() });
    snapshotId = (await listPlanSnapshots(database.db, alice.id, planId))[0]!.id;
    state.user = mallory;
  });

  afterAll(async () => database?.dispose());

  it('answers "does not exist" to run, cancel, unlock, restore and delete on another user\'s ids', async () => {
    const { runBackupAction } = await import('./run-backup');
    const { cancelJobAction } = await import('./cancel-job');
    const { unlockRepositoryAction } = await import('./unlock-repository');
    const { restoreSnapshotAction } = await import('./restore-snapshot');
    const { deletePlanAction } = await import('./delete-plan');
    const { updatePlanDestinationAction, testPlanS3ConnectionAction } = await import('./update-plan-destination');
    const s3Form = { planId, s3Region: 'us-east-1', s3Bucket: 'stolen-bucket', s3AccessKey: 'AKIA' };
    const results = [
      await runBackupAction(null, form({ planId })),
      await cancelJobAction(null, form({ jobId })),
      await unlockRepositoryAction(null, form({ planId, passphrase: 'guess' })),
      await restoreSnapshotAction(null, form({ planId, snapshotId, destination: 'original', overwrite: 'skip' })),
      await deletePlanAction(null, form({ planId })),
      await updatePlanDestinationAction(null, form(s3Form)),
      await testPlanS3ConnectionAction(null, form(s3Form)),
    ];
    for (const r of results) {
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(/does not exist/);
    }
    // Another user's id and a random one answer alike.
    expect(await runBackupAction(null, form({ planId: crypto.randomUUID() }))).toEqual(results[0]);
    expect(runner.enqueue).not.toHaveBeenCalled();
    expect(runner.cancel).not.toHaveBeenCalled();
    expect(access.unlock).not.toHaveBeenCalled();
    expect(await getPlan(database.db, alice.id, planId)).toBeDefined();
    expect((await getJob(database.db, alice.id, jobId))?.status).toBe('queued');
  });

  it('answers 404 from every route handler for another user\'s ids, exactly as for unknown ids', async () => {
    const jobRoute = await import('@/app/api/jobs/[id]/route');
    const treeRoute = await import('@/app/api/snapshots/[id]/tree/route');
    const searchRoute = await import('@/app/api/snapshots/[id]/search/route');
    const downloadRoute = await import('@/app/api/snapshots/[id]/download/route');
    const uploadRoute = await import('@/app/api/uploads/[planId]/route');
    const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
    const planCtx = (id: string) => ({ params: Promise.resolve({ planId: id }) });
    const base = 'http://localhost';
    const batch = crypto.randomUUID();
    for (const [own, unknown] of [
      [() => jobRoute.GET(new Request(`${base}/api/jobs/${jobId}`), ctx(jobId)), () => jobRoute.GET(new Request(`${base}/x`), ctx(crypto.randomUUID()))],
      [() => treeRoute.GET(new Request(`${base}/t?path=`), ctx(snapshotId)), () => treeRoute.GET(new Request(`${base}/t?path=`), ctx(crypto.randomUUID()))],
      [() => searchRoute.GET(new Request(`${base}/s?q=a`), ctx(snapshotId)), () => searchRoute.GET(new Request(`${base}/s?q=a`), ctx(crypto.randomUUID()))],
      [() => downloadRoute.GET(new Request(`${base}/d?format=zip`), ctx(snapshotId)), () => downloadRoute.GET(new Request(`${base}/d?format=zip`), ctx(crypto.randomUUID()))],
      [
        () => uploadRoute.PUT(new Request(`${base}/u?batch=${batch}&path=a.txt`, { method: 'PUT', body: 'x' }), planCtx(planId)),
        () => uploadRoute.PUT(new Request(`${base}/u?batch=${batch}&path=a.txt`, { method: 'PUT', body: 'x' }), planCtx(crypto.randomUUID())),
      ],
      [() => uploadRoute.POST(new Request(`${base}/u?batch=${batch}`, { method: 'POST', body: '{}' }), planCtx(planId)), () => uploadRoute.POST(new Request(`${base}/u?batch=${batch}`, { method: 'POST', body: '{}' }), planCtx(crypto.randomUUID()))],
    ] as const) {
      const a = await own();
      const b = await unknown();
      expect(a.status).toBe(404);
      expect(b.status).toBe(404);
      expect(await a.json()).toEqual(await b.json());
    }
    expect(access.handle).not.toHaveBeenCalled();
  });

  it('refuses cross-site upload requests (the proxy does not run for uploads)', async () => {
    state.user = alice;
    const uploadRoute = await import('@/app/api/uploads/[planId]/route');
    const url = `http://localhost/api/uploads/${planId}?batch=${crypto.randomUUID()}&path=a.txt`;
    const res = await uploadRoute.PUT(new Request(url, { method: 'PUT', body: 'x', headers: { origin: 'https://evil.example' } }), { params: Promise.resolve({ planId }) });
    expect(res.status).toBe(403);
    const site = await uploadRoute.POST(new Request(url, { method: 'POST', body: '{}', headers: { 'sec-fetch-site': 'cross-site' } }), { params: Promise.resolve({ planId }) });
    expect(site.status).toBe(403);
    state.user = mallory;
  });

  it('lists only folders inside the allowed roots in the folder picker', async () => {
    const fsRoute = await import('@/app/api/fs/route');
    const outside = await fsRoute.GET(new Request('http://localhost/api/fs?path=/proc'), undefined as never);
    expect(outside.status).toBe(403);
    expect(((await outside.json()) as { message: string }).message).toContain('"/proc" is outside');
    const roots = await fsRoute.GET(new Request('http://localhost/api/fs'), undefined as never);
    expect(roots.status).toBe(200);
    expect(((await roots.json()) as { entries: unknown[] }).entries.length).toBeGreaterThan(0);
  });

  it('answers 401 to route handlers without a session', async () => {
    state.user = null;
    const jobRoute = await import('@/app/api/jobs/[id]/route');
    const fsRoute = await import('@/app/api/fs/route');
    expect((await jobRoute.GET(new Request('http://localhost/x'), { params: Promise.resolve({ id: jobId }) })).status).toBe(401);
    expect((await fsRoute.GET(new Request('http://localhost/api/fs'), undefined as never)).status).toBe(401);
    state.user = mallory;
  });
});
