/**
 * Editing a plan's S3 destination, against a real S3-compatible server (s3rver) and a real database
 * (PGlite, and PostgreSQL when DATABASE_URL is set).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPlan } from '@/lib/db/queries/plans';
import { recordSnapshot } from '@/lib/db/queries/snapshots';
import { insertUsers, makePlan } from '@/lib/db/test-fixtures';
import { createTestDatabase, testDrivers, type TestDatabase } from '@/lib/db/testing';
import { startS3Server, TEST_BUCKET, TEST_CREDENTIALS, testS3Storage, type TestS3Server } from '@/lib/engine/storage/s3-test-server';
import { createRepository, credentialsLabel, probeRepository, storageFor } from '@/lib/jobs/engine-adapter';
import { openSecret, sealSecret } from '@/lib/jobs/passphrase-seal';
import { editDestinationSchema, type EditDestinationInput } from '@/lib/validations/schedules';
import { editPlanDestination, testEditedConnection } from './edit-destination';

const SERVER_KEY = crypto.randomBytes(32).toString('hex');

describe.each(testDrivers())('editPlanDestination (%s)', (driver) => {
  let s3: TestS3Server;
  let database: TestDatabase;
  let alice: string;
  let mallory: string;
  let planId: string;
  let repositoryId: string;
  let engineId: string;
  let localPlanId: string;
  const dropped: string[] = [];
  const deps = { serverKey: () => SERVER_KEY, drop: (id: string) => void dropped.push(id) };
  const prefix = `edit-${driver}-${crypto.randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    s3 = await startS3Server();
    database = await createTestDatabase(driver);
    [alice, mallory] = await insertUsers(database.db, ['Alice', 'Mallory']);
    engineId = await createRepository(testS3Storage(s3.endpoint, { prefix: `${prefix}/home` }), { encrypted: false, compression: 'auto' });
    repositoryId = crypto.randomUUID();
    const s3Settings = { endpoint: s3.endpoint, region: 'us-east-1', bucket: TEST_BUCKET, prefix: `${prefix}/home`, pathStyle: true };
    const { plan } = await makePlan(database.db, alice, {
      repositoryId,
      kind: 's3',
      location: `s3://${TEST_BUCKET}/${prefix}/home`,
      s3: s3Settings,
      sealedCredentials: sealSecret(JSON.stringify(TEST_CREDENTIALS), credentialsLabel(repositoryId), SERVER_KEY),
      encrypted: false,
      engineRepositoryId: engineId,
      name: 'Bucket plan',
    });
    planId = plan.id;
    const local = await makePlan(database.db, alice, { name: 'Folder plan' });
    localPlanId = local.plan.id;
  }, 120_000);

  afterAll(async () => {
    await database?.dispose();
    await s3?.close();
  });

  /** The form as posted: every field of the plan's current place, the secret left blank. */
  const edit = (fields: Partial<EditDestinationInput> = {}): EditDestinationInput =>
    editDestinationSchema.parse({
      planId,
      s3Endpoint: s3.endpoint,
      s3Region: 'us-east-1',
      s3Bucket: TEST_BUCKET,
      s3Prefix: `${prefix}/home`,
      s3AccessKey: TEST_CREDENTIALS.accessKeyId,
      s3SecretKey: '',
      s3PathStyle: 'on',
      ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 'on' : '') : v])),
    });
  const repoRow = async () => (await getPlan(database.db, alice, planId))!.repository;
  const storedCredentials = async () => JSON.parse(openSecret((await repoRow()).sealedCredentials!, credentialsLabel(repositoryId), SERVER_KEY)) as { accessKeyId: string; secretAccessKey: string };

  it('refuses another user\'s plan id exactly like an unknown one, and changes nothing', async () => {
    const before = await repoRow();
    await expect(editPlanDestination(database.db, deps, mallory, edit({ s3Prefix: 'stolen' }))).rejects.toMatchObject({ code: 'not_found', message: 'This backup plan does not exist.' });
    await expect(editPlanDestination(database.db, deps, alice, edit({ planId: crypto.randomUUID() }))).rejects.toMatchObject({ code: 'not_found' });
    await expect(testEditedConnection(database.db, deps, mallory, edit())).rejects.toMatchObject({ code: 'not_found' });
    expect(await repoRow()).toEqual(before);
  });

  it('gives specific validation errors, and accepts a blank secret (it keeps the stored one)', () => {
    const parsed = editDestinationSchema.safeParse({ planId, s3Endpoint: 'ftp://x', s3Region: 'us east', s3Bucket: 'Not_A_Bucket', s3Prefix: 'a/../b', s3AccessKey: '', s3SecretKey: '' });
    expect(parsed.success).toBe(false);
    const messages = Object.fromEntries(parsed.error!.issues.map((i) => [String(i.path[0]), i.message]));
    expect(messages).toEqual({
      s3Endpoint: 'Enter an http:// or https:// address, or leave it empty for AWS.',
      s3Region: 'A region is letters, digits and hyphens, such as us-east-1.',
      s3Bucket: 'A bucket name has 3 to 63 characters: lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit.',
      s3Prefix: 'The prefix may not contain "." or ".." segments or backslashes.',
      s3AccessKey: 'Enter the access key.',
    });
    expect(edit().s3SecretKey).toBe('');
  });

  it('tests the edited values (the stored secret when the field is blank) and reports what fails', async () => {
    expect(await testEditedConnection(database.db, deps, alice, edit())).toMatchObject({ ok: true });
    // s3rver accepts any secret, so the failure here is the bucket; the message never shows the secret.
    const wrong = await testEditedConnection(database.db, deps, alice, edit({ s3Bucket: 'no-such-bucket', s3SecretKey: 'not-the-secret' }));
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toMatch(/^Connection failed: /);
    expect(wrong.message).not.toContain('not-the-secret');
  });

  it('saves nothing when the edited values do not connect', async () => {
    const before = await repoRow();
    const out = await editPlanDestination(database.db, deps, alice, edit({ s3Bucket: 'no-such-bucket', s3Region: 'eu-west-1' }));
    expect(out).toMatchObject({ ok: false, message: expect.stringMatching(/^Connection failed: .*Nothing was changed\.$/) });
    expect(await repoRow()).toEqual(before);
  });

  it('saves a new endpoint and access settings for the same repository, keeping the stored secret', async () => {
    const sameServer = s3.endpoint.replace('127.0.0.1', 'localhost');
    const out = await editPlanDestination(database.db, deps, alice, edit({ s3Endpoint: sameServer }));
    expect(out).toEqual({ ok: true, message: `Destination saved: s3://${TEST_BUCKET}/${prefix}/home holds this plan's repository and the connection works.` });
    const row = await repoRow();
    expect(row.s3).toEqual({ endpoint: sameServer, region: 'us-east-1', bucket: TEST_BUCKET, prefix: `${prefix}/home`, pathStyle: true });
    expect(row.engineRepositoryId).toBe(engineId);
    expect(await storedCredentials()).toEqual(TEST_CREDENTIALS);
    expect(row.sealedCredentials).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    expect(dropped).toContain(repositoryId);
    // The saved row opens: its storage finds the same repository.
    expect(await probeRepository(storageFor(row, () => SERVER_KEY))).toMatchObject({ kind: 'coffer', id: engineId });
    // A secret that is typed in replaces the stored one (s3rver accepts any secret for its access key).
    expect((await editPlanDestination(database.db, deps, alice, edit({ s3SecretKey: 'rotated-secret' }))).ok).toBe(true);
    expect(await storedCredentials()).toEqual({ accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: 'rotated-secret' });
  });

  it('refuses a prefix holding another Coffer repository, or objects of something else', async () => {
    await createRepository(testS3Storage(s3.endpoint, { prefix: `${prefix}/other` }), { encrypted: false, compression: 'auto' });
    const before = await repoRow();
    const other = await editPlanDestination(database.db, deps, alice, edit({ s3Prefix: `${prefix}/other` }));
    expect(other.ok).toBe(false);
    expect(other.message).toMatch(new RegExp(`^s3://${TEST_BUCKET}/${prefix}/other holds a different Coffer repository, not this plan's\\. Nothing was changed`));
    expect(!other.ok && other.fieldErrors?.s3Prefix?.[0]).toMatch(/different Coffer repository/);
    await testS3Storage(s3.endpoint, { prefix: `${prefix}/foreign` }).write('config', Buffer.from('not json'));
    const foreign = await editPlanDestination(database.db, deps, alice, edit({ s3Prefix: `${prefix}/foreign` }));
    expect(foreign.message).toMatch(/already holds objects that are not a Coffer repository/);
    expect(await repoRow()).toEqual(before);
  });

  it('creates a repository in an empty place for a plan without snapshots, and refuses once it has some', async () => {
    const moved = await editPlanDestination(database.db, deps, alice, edit({ s3Prefix: `${prefix}/fresh` }));
    expect(moved).toMatchObject({ ok: true, message: expect.stringMatching(/a new, empty repository was created at .*\/fresh/) });
    const row = await repoRow();
    expect(row.location).toBe(`s3://${TEST_BUCKET}/${prefix}/fresh`);
    expect(row.engineRepositoryId).not.toBe(engineId);
    expect(await probeRepository(testS3Storage(s3.endpoint, { prefix: `${prefix}/fresh` }))).toEqual({ kind: 'coffer', id: row.engineRepositoryId, encrypted: false });

    await recordSnapshot(database.db, alice, { repositoryId, planId, engineSnapshotId: 'a'.repeat(64), time: new Date() });
    const refused = await editPlanDestination(database.db, deps, alice, edit({ s3Prefix: `${prefix}/elsewhere` }));
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(/^There is no Coffer repository at s3:\/\/.*\/elsewhere\. This plan's 1 snapshot is in s3:\/\/.*\/fresh; nothing was changed/);
    expect(await repoRow()).toEqual(row);
    expect(await probeRepository(testS3Storage(s3.endpoint, { prefix: `${prefix}/elsewhere` }))).toEqual({ kind: 'empty' });
  });

  it('refuses to edit a local folder plan as S3', async () => {
    await expect(editPlanDestination(database.db, deps, alice, edit({ planId: localPlanId }))).rejects.toMatchObject({ code: 'invalid' });
  });
});
