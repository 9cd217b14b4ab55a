import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { getJob } from '@/lib/db/queries/jobs';
import { createPlan } from '@/lib/db/queries/plans';
import { listPlanSnapshots } from '@/lib/db/queries/snapshots';
import { jobs as jobsTable, users, type Job } from '@/lib/db/schema';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import { createBoss } from './boss';
import { createRepository, openRepositoryAt } from './engine-adapter';
import { backupHandler, openForJob } from './handlers';
import { checkHandler } from './maintenance';
import { notifyOwner } from './notify';
import { RepositoryAccess } from './repository-access';
import { JobRunner } from './runner';
import { dueSlot, tickScheduler } from './scheduler';

async function waitForStatus(database: TestDatabase, owner: string, id: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const status = (await getJob(database.db, owner, id))?.status;
    if (status && !['queued', 'running'].includes(status)) return status;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('dueSlot', () => {
  const since = new Date('2026-01-01T00:00:00Z');
  it('returns the latest slot at or before now within the grace window', () => {
    expect(dueSlot('cron:* * * * *', 'UTC', new Date('2026-03-01T10:05:30Z'), since)?.toISOString()).toBe('2026-03-01T10:05:00.000Z');
    expect(dueSlot('preset:daily@02:30', 'UTC', new Date('2026-03-01T02:30:00Z'), since)?.toISOString()).toBe('2026-03-01T02:30:00.000Z');
    expect(dueSlot('preset:daily@02:30', 'UTC', new Date('2026-03-01T02:34:00Z'), since)?.toISOString()).toBe('2026-03-01T02:30:00.000Z');
  });

  it('returns nothing when the slot is older than the grace window or before the schedule was set', () => {
    expect(dueSlot('preset:daily@02:30', 'UTC', new Date('2026-03-01T03:00:00Z'), since)).toBeUndefined();
    expect(dueSlot('preset:daily@02:30', 'UTC', new Date('2026-03-01T02:34:00Z'), new Date('2026-03-01T02:31:00Z'))).toBeUndefined();
  });

  it('reads wall-clock times in the plan time zone', () => {
    // 02:30 in Paris in winter is 01:30 UTC.
    expect(dueSlot('preset:daily@02:30', 'Europe/Paris', new Date('2026-01-15T01:31:00Z'), since)?.toISOString()).toBe('2026-01-15T01:30:00.000Z');
  });
});

describe.each(testDrivers())('tickScheduler (%s)', (driver) => {
  let database: TestDatabase;
  let base: string;
  let root: string;
  let owner: string;
  let planId: string;
  let location: string;
  const runners: JobRunner[] = [];
  const sent: { subject: string; text: string; html: string; to: string }[] = [];

  beforeAll(async () => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-scheduler-')));
    root = path.join(base, 'root');
    fs.mkdirSync(path.join(root, 'src'), { recursive: true });
    fs.writeFileSync(path.join(root, 'src', 'a.txt'), 'first\n');
    database = await createTestDatabase(driver);
    const [user] = await database.db.insert(users).values({ email: 's@example.test', name: 'S', passwordHash: 'x' }).returning({ id: users.id });
    owner = user!.id;
    const repositoryId = crypto.randomUUID();
    location = path.join(base, 'repos', repositoryId);
    const engineId = await createRepository(location, { encrypted: false, compression: 'auto' });
    const { plan } = await createPlan(database.db, owner, {
      repositoryId,
      location,
      encrypted: false,
      sealedPassphrase: null,
      engineRepositoryId: engineId,
      name: 'Nightly <docs>',
      sources: [path.join(root, 'src')],
      excludes: [],
      compression: 'auto',
      schedule: 'cron:* * * * *',
      timeZone: 'Europe/Paris',
      retention: { keepLast: 2 },
    });
    planId = plan.id;
    // Two instances on one database, each with its own runner, as two servers would be.
    for (let i = 0; i < 2; i++) {
      const access = new RepositoryAccess(() => crypto.randomBytes(32).toString('hex'));
      const deps = { db: async () => database.db, access, roots: () => [root] };
      const runner = new JobRunner({
        database,
        boss: createBoss(database),
        concurrency: 1,
        pollingIntervalSeconds: 0.5,
        handlers: { backup: backupHandler(deps), check: checkHandler(deps, (ctx, repo) => openForJob(deps, ctx, repo)) },
        // Registers the per-minute pg-boss cron (its tick is driven by hand below, for exact times).
        scheduler: async () => {},
        onFinished: (job, outcome) => void notifyOwner(database.db, job, outcome, { publicUrl: 'https://coffer.example.test', send: async (m) => void sent.push(m) }),
      });
      await runner.start();
      runners.push(runner);
    }
  });

  afterAll(async () => {
    for (const r of runners) await r.stop();
    await database?.dispose();
    fs.rmSync(base, { recursive: true, force: true });
  });

  const scheduledJobs = async (kind: Job['kind']) =>
    database.db.select().from(jobsTable).where(and(eq(jobsTable.planId, planId), eq(jobsTable.kind, kind)));

  it('queues one job per plan and slot when both instances tick at once', async () => {
    const now = new Date(Date.now() + 60_000);
    const enqueued: string[] = [];
    const outcomes = await Promise.all(
      runners.map((r) => tickScheduler(database.db, now, async (job, lockKey) => {
        enqueued.push(job.id);
        await r.enqueue(job, { lockKey });
      })),
    );
    expect(outcomes.flatMap((o) => o.errors)).toEqual([]);
    const backups = await scheduledJobs('backup');
    expect(backups).toHaveLength(1);
    expect(enqueued).toEqual([backups[0]!.id]);
    expect(backups[0]!.scheduledFor?.getTime()).toBe(Math.floor(now.getTime() / 60_000) * 60_000);
    // A repeated tick in the same minute queues nothing new.
    await tickScheduler(database.db, now, async () => {
      throw new Error('nothing should be queued');
    });
    expect(await scheduledJobs('backup')).toHaveLength(1);
    expect(await waitForStatus(database, owner, backups[0]!.id)).toBe('succeeded');
  });

  it('applies the retention policy after each scheduled backup', async () => {
    for (let i = 2; i <= 3; i++) {
      fs.writeFileSync(path.join(root, 'src', `f${i}.txt`), `file ${i}\n`);
      const now = new Date(Date.now() + i * 60_000);
      const { queued } = await tickScheduler(database.db, now, (job, lockKey) => runners[i % 2]!.enqueue(job, { lockKey }));
      const backup = queued.find((j) => j.kind === 'backup');
      expect(backup).toBeDefined();
      expect(await waitForStatus(database, owner, backup!.id)).toBe('succeeded');
    }
    const last = (await scheduledJobs('backup')).sort((a, b) => b.scheduledFor!.getTime() - a.scheduledFor!.getTime())[0]!;
    expect(last.result).toMatchObject({ retention: { applied: true, forgotten: 1, kept: 2 } });
    expect(await listPlanSnapshots(database.db, owner, planId)).toHaveLength(2);
    const repo = await openRepositoryAt(location, undefined);
    try {
      expect(await repo.listSnapshots()).toHaveLength(2);
      expect((await repo.check({ readData: true })).ok).toBe(true);
    } finally {
      await repo.close();
    }
  });

  it('emails the owner when a scheduled backup fails, with the error and a link to the job', async () => {
    fs.rmSync(path.join(root, 'src'), { recursive: true, force: true });
    const now = new Date(Date.now() + 10 * 60_000);
    const { queued } = await tickScheduler(database.db, now, (job, lockKey) => runners[0]!.enqueue(job, { lockKey }));
    const backup = queued.find((j) => j.kind === 'backup')!;
    expect(await waitForStatus(database, owner, backup.id)).toBe('failed');
    const deadline = Date.now() + 10_000;
    while (sent.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sent).toHaveLength(1);
    const mail = sent[0]!;
    expect(mail.to).toBe('s@example.test');
    expect(mail.subject).toContain('Nightly <docs>');
    expect(mail.subject).toMatch(/failed/);
    expect(mail.text).toContain(`https://coffer.example.test/jobs/${backup.id}`);
    expect(mail.text).toMatch(/Error: /);
    expect(mail.html).toContain('Nightly &lt;docs&gt;');
    expect(mail.html).not.toContain('<docs>');
  });

  it('runs the weekly check with a 5 % data subset as a check job', async () => {
    // Sunday 04:00 in Paris (winter) is 03:00 UTC.
    const sunday = new Date('2036-01-06T03:00:30Z');
    const { queued } = await tickScheduler(database.db, sunday, (job, lockKey) => runners[1]!.enqueue(job, { lockKey }));
    const check = queued.find((j) => j.kind === 'check');
    expect(check?.params).toMatchObject({ readData: 5, scheduled: true });
    expect(await waitForStatus(database, owner, check!.id)).toBe('succeeded');
    expect((await getJob(database.db, owner, check!.id))?.result).toMatchObject({ ok: true, readDataPercent: 5 });
  });
});
