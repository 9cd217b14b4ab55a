import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob, getJob } from '@/lib/db/queries/jobs';
import { jobs as jobsTable } from '@/lib/db/schema';
import { insertUsers } from '@/lib/db/test-fixtures';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import { createBoss } from './boss';
import { JobRunner, type JobContext } from './runner';

interface Control {
  started: boolean;
  ended: boolean;
  release: () => void;
  released: Promise<void>;
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(testDrivers())('JobRunner (%s)', (driver) => {
  let database: TestDatabase;
  let runner: JobRunner;
  let owner: string;
  let other: string;
  let preexisting: string;
  let liveElsewhere: string;
  const controls = new Map<string, Control>();
  const order: string[] = [];
  let active = 0;
  let maxActive = 0;

  function control(tag: string): Control {
    let c = controls.get(tag);
    if (!c) {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      c = { started: false, ended: false, release, released };
      controls.set(tag, c);
    }
    return c;
  }

  async function handler(ctx: JobContext): Promise<Record<string, unknown>> {
    const tag = String(ctx.job.params.tag);
    const c = control(tag);
    c.started = true;
    order.push(tag);
    active++;
    maxActive = Math.max(maxActive, active);
    try {
      ctx.progress({ filesDone: 1, secretSeen: ctx.secret ?? null });
      ctx.warn({ path: `/src/${tag}`, message: 'could not read' });
      const aborted = new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
      await Promise.race([c.released, aborted]);
      if (ctx.signal.aborted) throw new Error('aborted');
      if (ctx.job.params.fail) throw new Error(`${tag} failed on purpose`);
      return { tag };
    } finally {
      active--;
      c.ended = true;
    }
  }

  async function queue(tag: string, lockKey: string, extra: Record<string, unknown> = {}, secret?: string) {
    const job = await createJob(database.db, owner, { planId: null, kind: 'backup', params: { tag, ...extra } });
    await runner.enqueue(job, { lockKey, secret });
    return job;
  }

  const status = async (id: string) => (await getJob(database.db, owner, id))?.status;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    [owner, other] = await insertUsers(database.db, ['O', 'P']);
    // A job a crashed process left running (heartbeat long stale), and one another live instance runs.
    const old = new Date(Date.now() - 10 * 60_000);
    const [left] = await database.db.insert(jobsTable).values({ ownerId: owner, kind: 'backup', status: 'running', startedAt: old, heartbeatAt: old }).returning();
    preexisting = left!.id;
    const [live] = await database.db.insert(jobsTable).values({ ownerId: owner, kind: 'backup', status: 'running', startedAt: new Date(), heartbeatAt: new Date() }).returning();
    liveElsewhere = live!.id;
    runner = new JobRunner({ database, boss: createBoss(database), handlers: { backup: handler }, concurrency: 2, pollingIntervalSeconds: 0.5, progressIntervalMs: 100 });
    const { interrupted } = await runner.start();
    expect(interrupted).toBe(1);
  });

  afterAll(async () => {
    for (const c of controls.values()) c.release();
    await runner?.stop();
    await database?.dispose();
  });

  it('marks jobs left running by a previous process as interrupted at start', async () => {
    const row = await getJob(database.db, owner, preexisting);
    expect(row?.status).toBe('interrupted');
    expect(row?.error).toMatch(/server stopped/);
  });

  it('leaves a running job with a fresh heartbeat alone at start (another instance runs it)', async () => {
    expect(await status(liveElsewhere)).toBe('running');
  });

  it('interrupts a running job once its heartbeat is older than the timeout', async () => {
    const swept = await runner.sweep(new Date(Date.now() + 5 * 60_000));
    expect(swept.map((j) => j.id)).toContain(liveElsewhere);
    expect(await status(liveElsewhere)).toBe('interrupted');
    expect((await getJob(database.db, owner, liveElsewhere))?.error).toMatch(/^The server stopped responding while running this job \(no heartbeat for \d+ s/);
  });

  it('runs at most `concurrency` jobs at once, in the order they were queued', async () => {
    const a = await queue('c-a', 'repo-1');
    const b = await queue('c-b', 'repo-2');
    const c = await queue('c-c', 'repo-3');
    const d = await queue('c-d', 'repo-4');
    await waitFor('two jobs running', () => control('c-a').started && control('c-b').started);
    // The third cannot start while two run: it stays queued until a slot frees.
    await new Promise((r) => setTimeout(r, 1500));
    expect(control('c-c').started).toBe(false);
    expect(await status(c.id)).toBe('queued');
    control('c-a').release();
    await waitFor('third job running', () => control('c-c').started);
    expect(control('c-d').started).toBe(false);
    control('c-b').release();
    control('c-c').release();
    control('c-d').release();
    await waitFor('all finished', async () => (await status(d.id)) === 'succeeded');
    expect(maxActive).toBe(2);
    expect(order.filter((t) => t.startsWith('c-'))).toEqual(['c-a', 'c-b', 'c-c', 'c-d']);
    const done = await getJob(database.db, owner, a.id);
    expect(done?.result).toEqual({ tag: 'c-a' });
    expect(done?.warnings).toEqual([{ path: '/src/c-a', message: 'could not read' }]);
    expect(await status(b.id)).toBe('succeeded');
  });

  it('queues a second run on the same repository until the first ends, letting other repositories pass', async () => {
    const first = await queue('l-1', 'repo-same');
    const second = await queue('l-2', 'repo-same');
    const elsewhere = await queue('l-3', 'repo-other');
    await waitFor('first and elsewhere running', () => control('l-1').started && control('l-3').started);
    expect(control('l-2').started).toBe(false);
    expect(await status(second.id)).toBe('queued');
    control('l-3').release();
    await waitFor('elsewhere done', async () => (await status(elsewhere.id)) === 'succeeded');
    expect(control('l-2').started).toBe(false);
    control('l-1').release();
    await waitFor('second running', () => control('l-2').started);
    expect(control('l-1').ended).toBe(true);
    control('l-2').release();
    await waitFor('second done', async () => (await status(second.id)) === 'succeeded');
    expect(await status(first.id)).toBe('succeeded');
  });

  it('cancels a running job through its signal and a queued one before it starts', async () => {
    const running = await queue('x-1', 'repo-x');
    const waiting = await queue('x-2', 'repo-x');
    await waitFor('x-1 running', () => control('x-1').started);
    expect(await runner.cancel(other, running.id)).toBe('not_found');
    expect(await runner.cancel(other, waiting.id)).toBe('not_found');
    expect(await runner.cancel(owner, waiting.id)).toBe('cancelled');
    expect(await runner.cancel(owner, running.id)).toBe('cancelling');
    await waitFor('x-1 cancelled', async () => (await status(running.id)) === 'cancelled');
    expect((await getJob(database.db, owner, running.id))?.error).toMatch(/Cancelled/);
    expect(await status(waiting.id)).toBe('cancelled');
    // The cancelled queued job never reaches a handler.
    await new Promise((r) => setTimeout(r, 1500));
    expect(control('x-2').started).toBe(false);
  });

  it('records a failing handler as failed with its message, and hands the secret only to the handler', async () => {
    const job = await queue('f-1', 'repo-f', { fail: true }, 'hunter2 passphrase');
    await waitFor('f-1 running', () => control('f-1').started);
    control('f-1').release();
    await waitFor('f-1 failed', async () => (await status(job.id)) === 'failed');
    const row = await getJob(database.db, owner, job.id);
    expect(row?.error).toBe('f-1 failed on purpose');
    expect(row?.progress).toMatchObject({ filesDone: 1, secretSeen: 'hunter2 passphrase' });
    expect(JSON.stringify(row?.params)).not.toContain('hunter2');
  });
});
