import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createJob } from '@/lib/db/queries/jobs';
import { jobs } from '@/lib/db/schema';
import { insertUsers, makePlan } from '@/lib/db/test-fixtures';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import type { MailMessage } from '@/lib/mail/transport';
import { dueDigestDay, sendDailyDigests } from './digest';

describe('dueDigestDay', () => {
  it('is due from the set UTC time for an hour, that day', () => {
    expect(dueDigestDay('07:30', new Date('2026-11-29T07:29:59Z'))).toBeUndefined();
    expect(dueDigestDay('07:30', new Date('2026-11-29T07:30:00Z'))).toBe('2026-11-29');
    expect(dueDigestDay('07:30', new Date('2026-11-29T08:29:00Z'))).toBe('2026-11-29');
    expect(dueDigestDay('07:30', new Date('2026-11-29T08:31:00Z'))).toBeUndefined();
    expect(dueDigestDay('00:00', new Date('2026-11-30T00:10:00Z'))).toBe('2026-11-30');
  });
});

describe.each(testDrivers())('sendDailyDigests (%s)', (driver) => {
  let database: TestDatabase;
  const now = new Date('2026-11-29T07:30:00Z');
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    [ids.alice, ids.bob, ids.carol] = await insertUsers(database.db, ['Alice', 'Bob', 'Carol']);
    const plan = async (owner: string, name: string, schedule: string | null) => (await makePlan(database.db, owner, { name, schedule })).plan.id;
    ids.photos = await plan(ids.alice!, 'Photos', 'preset:daily@02:00');
    ids.server = await plan(ids.alice!, 'Server', null);
    ids.bobs = await plan(ids.bob!, 'Bob files', 'preset:hourly');
    const job = async (owner: string, planId: string, set: Partial<typeof jobs.$inferInsert>) => {
      const j = await createJob(database.db, owner, { planId, kind: 'backup', params: { planId } });
      await database.db.update(jobs).set(set).where(eq(jobs.id, j.id));
      return j.id;
    };
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
    await job(ids.alice!, ids.photos!, { status: 'succeeded', createdAt: hoursAgo(5) });
    ids.failed = await job(ids.alice!, ids.photos!, { status: 'failed', error: 'disk full', createdAt: hoursAgo(2) });
    // Older than a day: not in this digest.
    await job(ids.alice!, ids.server!, { status: 'failed', error: 'old failure', createdAt: hoursAgo(30) });
    await job(ids.bob!, ids.bobs!, { status: 'succeeded', warnings: [{ path: '/srv/x', message: 'unreadable' }], createdAt: hoursAgo(1) });
  });

  afterAll(async () => database?.dispose());

  it('sends each owner with plans one digest per day, even when ticks repeat or race', async () => {
    const sent: MailMessage[] = [];
    const send = async (m: MailMessage) => void sent.push(m);
    const [first, racing] = await Promise.all([
      sendDailyDigests(database.db, now, '2026-11-29', { publicUrl: 'https://backup.example.com', send }),
      sendDailyDigests(database.db, now, '2026-11-29', { publicUrl: 'https://backup.example.com', send }),
    ]);
    const again = await sendDailyDigests(database.db, new Date(now.getTime() + 60_000), '2026-11-29', { publicUrl: 'https://backup.example.com', send });
    expect(first.sent.length + racing.sent.length + again.sent.length).toBe(2);
    expect(sent.map((m) => m.to).sort()).toEqual(['alice@example.test', 'bob@example.test']);

    const alice = sent.find((m) => m.to === 'alice@example.test')!;
    expect(alice.subject).toBe('Coffer daily summary: 1 plan needs attention');
    expect(alice.text).toContain('- Photos — 1 succeeded, 1 failed\n  Every day at 02:00; next Mon 30 Nov 2026, 02:00 (UTC)');
    expect(alice.text).toContain(`Latest problem (failed): disk full https://backup.example.com/jobs/${ids.failed}`);
    expect(alice.text).toContain('- Server — no runs\n  Manual');
    expect(alice.text).not.toContain('old failure');
    const bob = sent.find((m) => m.to === 'bob@example.test')!;
    expect(bob.subject).toBe('Coffer daily summary: all backups fine');
    expect(bob.text).toContain('- Bob files — 1 succeeded (1 with warnings)');

    // The next day is a new digest.
    const nextDay = await sendDailyDigests(database.db, new Date(now.getTime() + 24 * 3600_000), '2026-11-30', { publicUrl: undefined, send });
    expect(nextDay.sent.map((m) => m.to).sort()).toEqual(['alice@example.test', 'bob@example.test']);
    expect(nextDay.sent[0]!.text).toContain('Open /dashboard in Coffer for more.');
  });

  it('reports a failed send and does not retry it the same day', async () => {
    const out = await sendDailyDigests(database.db, now, '2026-12-01', {
      publicUrl: undefined,
      send: async () => {
        throw new Error('mail server down');
      },
    });
    expect(out.errors.map((e) => e.message)).toEqual(['mail server down', 'mail server down']);
    const retry = await sendDailyDigests(database.db, now, '2026-12-01', { publicUrl: undefined, send: async () => {} });
    expect(retry.sent).toEqual([]);
  });
});
