import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDrivers, type TestDatabase } from '../testing';
import { insertUsers, makePlan } from '../test-fixtures';
import {
  cancelQueuedJob,
  claimJob,
  createJob,
  failQueuedJob,
  finishJob,
  getJob,
  interruptStaleJobs,
  listJobs,
  saveJobProgress,
} from './jobs';
import { countActiveJobs, deletePlan, getPlan, listPlans, setSealedPassphrase } from './plans';
import { getPlanSnapshot, getSnapshot, listPlanSnapshots, recordSnapshot, snapshotTotals } from './snapshots';

describe.each(testDrivers())('queries (%s)', (driver) => {
  let database: TestDatabase;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    [alice, bob] = await insertUsers(database.db, ['Alice', 'Bob']);
  });

  afterAll(async () => database.dispose());

  it('returns a plan only to its owner', async () => {
    const { plan, repository } = await makePlan(database.db, alice, { name: 'Photos' });
    expect(repository.ownerId).toBe(alice);
    expect((await getPlan(database.db, alice, plan.id))?.plan.name).toBe('Photos');
    expect(await getPlan(database.db, bob, plan.id)).toBeUndefined();
    expect(await getPlan(database.db, alice, 'not-a-uuid')).toBeUndefined();
    expect((await listPlans(database.db, bob)).map((p) => p.plan.id)).not.toContain(plan.id);
  });

  it('lists each plan with its latest job', async () => {
    const { plan } = await makePlan(database.db, alice, { name: 'Docs' });
    await createJob(database.db, alice, { planId: plan.id, kind: 'backup', params: { n: 1 } });
    const second = await createJob(database.db, alice, { planId: plan.id, kind: 'backup', params: { n: 2 } });
    const summary = (await listPlans(database.db, alice)).find((p) => p.plan.id === plan.id);
    expect(summary?.lastJob?.id).toBe(second.id);
    expect(await countActiveJobs(database.db, alice, plan.id)).toBe(2);
    expect(await countActiveJobs(database.db, bob, plan.id)).toBe(0);
  });

  it('changes a sealed passphrase only for the owner', async () => {
    const { repository } = await makePlan(database.db, alice, { name: 'Sealed', encrypted: true });
    expect(await setSealedPassphrase(database.db, bob, repository.id, 'v1:x')).toBe(false);
    expect(await setSealedPassphrase(database.db, alice, repository.id, 'v1:x')).toBe(true);
  });

  it('deletes a plan only for its owner, keeping or removing the repository', async () => {
    const kept = await makePlan(database.db, alice, { name: 'Keep' });
    expect(await deletePlan(database.db, bob, kept.plan.id, true)).toBeUndefined();
    expect(await getPlan(database.db, alice, kept.plan.id)).toBeDefined();
    expect((await deletePlan(database.db, alice, kept.plan.id, false))?.repository.id).toBe(kept.repository.id);
    expect(await getPlan(database.db, alice, kept.plan.id)).toBeUndefined();
    const removed = await makePlan(database.db, alice, { name: 'Remove' });
    await recordSnapshot(database.db, alice, { repositoryId: removed.repository.id, planId: removed.plan.id, engineSnapshotId: 's', time: new Date() });
    expect(await deletePlan(database.db, alice, removed.plan.id, true)).toBeDefined();
    expect((await snapshotTotals(database.db, alice)).count).toBe(0);
  });

  it('shows a job only to its owner and lets only the owner cancel it', async () => {
    const { plan } = await makePlan(database.db, alice, { name: 'Jobs' });
    const job = await createJob(database.db, alice, { planId: plan.id, kind: 'backup', params: {} });
    expect(await getJob(database.db, bob, job.id)).toBeUndefined();
    expect((await listJobs(database.db, bob)).map((j) => j.id)).not.toContain(job.id);
    expect((await listJobs(database.db, alice, { planId: plan.id }))[0]?.planName).toBe('Jobs');
    expect(await cancelQueuedJob(database.db, bob, job.id)).toBe(false);
    expect(await cancelQueuedJob(database.db, alice, job.id)).toBe(true);
    expect((await getJob(database.db, alice, job.id))?.status).toBe('cancelled');
    expect(await claimJob(database.db, alice, job.id)).toBeUndefined();
  });

  it('moves a job through running to finished, refusing writes by another owner', async () => {
    const job = await createJob(database.db, alice, { planId: null, kind: 'restore', params: {} });
    expect(await claimJob(database.db, bob, job.id)).toBeUndefined();
    expect((await claimJob(database.db, alice, job.id))?.status).toBe('running');
    await saveJobProgress(database.db, bob, job.id, { filesDone: 99 }, []);
    await saveJobProgress(database.db, alice, job.id, { filesDone: 3 }, [{ path: '/a', message: 'unreadable' }]);
    expect((await getJob(database.db, alice, job.id))?.progress).toEqual({ filesDone: 3 });
    expect(await finishJob(database.db, bob, job.id, { status: 'succeeded' })).toBe(false);
    expect(await finishJob(database.db, alice, job.id, { status: 'succeeded', result: { files: 3 } })).toBe(true);
    const done = await getJob(database.db, alice, job.id);
    expect(done?.status).toBe('succeeded');
    expect(done?.warnings).toEqual([{ path: '/a', message: 'unreadable' }]);
    expect(await finishJob(database.db, alice, job.id, { status: 'failed' })).toBe(false);
  });

  it('fails a queued job that cannot start', async () => {
    const job = await createJob(database.db, bob, { planId: null, kind: 'backup', params: {} });
    expect(await failQueuedJob(database.db, alice, job.id, 'x')).toBe(false);
    expect(await failQueuedJob(database.db, bob, job.id, 'no passphrase')).toBe(true);
    expect((await getJob(database.db, bob, job.id))?.error).toBe('no passphrase');
  });

  it('turns jobs left running with a stale heartbeat into interrupted ones', async () => {
    const stale = await createJob(database.db, bob, { planId: null, kind: 'backup', params: {} });
    const fresh = await createJob(database.db, bob, { planId: null, kind: 'backup', params: {} });
    await claimJob(database.db, bob, stale.id, new Date(Date.now() - 3_600_000));
    await claimJob(database.db, bob, fresh.id, new Date(Date.now() + 3_600_000));
    const changed = await interruptStaleJobs(database.db, new Date());
    expect(changed.map((j) => j.id)).toContain(stale.id);
    expect(changed.map((j) => j.id)).not.toContain(fresh.id);
    const row = await getJob(database.db, bob, stale.id);
    expect(row?.status).toBe('interrupted');
    expect(row?.error).toMatch(/server stopped/);
  });

  it('shows snapshots only to their owner and only under their own plan', async () => {
    const a = await makePlan(database.db, alice, { name: 'Snap A' });
    const b = await makePlan(database.db, alice, { name: 'Snap B' });
    await recordSnapshot(database.db, alice, { repositoryId: a.repository.id, planId: a.plan.id, engineSnapshotId: 'abc', time: new Date(), files: 3, bytesAdded: 100 });
    await recordSnapshot(database.db, alice, { repositoryId: a.repository.id, planId: a.plan.id, engineSnapshotId: 'abc', time: new Date(), files: 9 });
    const [snap] = await listPlanSnapshots(database.db, alice, a.plan.id);
    expect(snap?.files).toBe(3);
    expect(await listPlanSnapshots(database.db, bob, a.plan.id)).toEqual([]);
    expect((await getPlanSnapshot(database.db, alice, a.plan.id, snap!.id))?.repository.id).toBe(a.repository.id);
    expect(await getPlanSnapshot(database.db, bob, a.plan.id, snap!.id)).toBeUndefined();
    expect(await getPlanSnapshot(database.db, alice, b.plan.id, snap!.id)).toBeUndefined();
    expect((await getSnapshot(database.db, alice, snap!.id))?.plan.id).toBe(a.plan.id);
    expect(await getSnapshot(database.db, bob, snap!.id)).toBeUndefined();
    expect((await snapshotTotals(database.db, bob)).count).toBe(0);
  });
});
