import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../schema';
import { insertUsers } from '../test-fixtures';
import { createTestDatabase, testDrivers, type TestDatabase } from '../testing';
import { beatJob, requestJobCancel } from './schedules';

describe.each(testDrivers())('job heartbeats and cancel requests (%s)', (driver) => {
  let database: TestDatabase;
  let owner: string;
  let other: string;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    [owner, other] = await insertUsers(database.db, ['A', 'B']);
  });

  afterAll(async () => database?.dispose());

  it('passes a cancel request from any instance to the heartbeat of the running job, for its owner only', async () => {
    const [job] = await database.db.insert(jobs).values({ ownerId: owner, kind: 'backup', status: 'running', heartbeatAt: new Date(0) }).returning();
    expect(await beatJob(database.db, owner, job!.id)).toBe('ok');
    expect(await requestJobCancel(database.db, other, job!.id)).toBe(false);
    expect(await beatJob(database.db, owner, job!.id)).toBe('ok');
    expect(await requestJobCancel(database.db, owner, job!.id)).toBe(true);
    expect(await beatJob(database.db, owner, job!.id)).toBe('cancel');
  });

  it('tells the heartbeat when the job is no longer running (another instance interrupted it)', async () => {
    const [job] = await database.db.insert(jobs).values({ ownerId: owner, kind: 'backup', status: 'interrupted' }).returning();
    expect(await beatJob(database.db, owner, job!.id)).toBe('gone');
    expect(await requestJobCancel(database.db, owner, job!.id)).toBe(false);
  });
});
