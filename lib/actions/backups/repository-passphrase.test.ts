import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getPlan } from '@/lib/db/queries/plans';
import { insertUsers, makePlan } from '@/lib/db/test-fixtures';
import { createTestDatabase, type TestDatabase } from '@/lib/db/testing';
import { initRepository, LocalStorage, openRepository, WrongPassphraseError } from '@/lib/engine';
import { openPassphrase, sealPassphrase } from '@/lib/jobs/passphrase-seal';
import { changeRepositoryPassphrase, changePassphraseSchema } from './repository-passphrase';

const SERVER_KEY = '11'.repeat(32);
const OLD = 'the old passphrase';
const NEW = 'the new passphrase';

// Each engine call derives a key (argon2id, 64 MiB) several times: seconds on a loaded machine.
describe('changeRepositoryPassphrase', { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let dir: string;
  let alice: string;
  let mallory: string;
  let planId: string;
  let repositoryId: string;
  const drop = vi.fn();
  const jobs = { access: { storage: (r: { location: string }) => r.location, drop }, serverKey: () => SERVER_KEY };

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-passphrase-'));
    [alice, mallory] = await insertUsers(database.db, ['Alice', 'Mallory']);
    const engine = await initRepository(new LocalStorage(dir, { durable: false }), { encryption: 'aes-256-gcm', passphrase: OLD });
    repositoryId = crypto.randomUUID();
    const { plan } = await makePlan(database.db, alice, {
      repositoryId,
      location: dir,
      encrypted: true,
      sealedPassphrase: sealPassphrase(OLD, repositoryId, SERVER_KEY),
      engineRepositoryId: engine.id,
      name: 'Alice plan',
    });
    planId = plan.id;
  });

  afterAll(async () => {
    await database?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const p = jobs as unknown as Parameters<typeof changeRepositoryPassphrase>[1];
  const keySlots = () => fs.readdirSync(path.join(dir, 'keys')).sort();

  it('answers another user with not found and changes nothing', async () => {
    const before = keySlots();
    await expect(changeRepositoryPassphrase(database.db, p, mallory, { planId, oldPassphrase: OLD, newPassphrase: NEW })).rejects.toMatchObject({ code: 'not_found' });
    expect(keySlots()).toEqual(before);
  });

  it('refuses a wrong current passphrase and changes nothing', async () => {
    const before = keySlots();
    await expect(changeRepositoryPassphrase(database.db, p, alice, { planId, oldPassphrase: 'wrong passphrase', newPassphrase: NEW })).rejects.toMatchObject({
      code: 'invalid',
    });
    expect(keySlots()).toEqual(before);
  });

  it('changes the passphrase, re-seals the remembered one and drops cached handles', async () => {
    await changeRepositoryPassphrase(database.db, p, alice, { planId, oldPassphrase: OLD, newPassphrase: NEW });
    await expect(openRepository(new LocalStorage(dir), { passphrase: OLD })).rejects.toBeInstanceOf(WrongPassphraseError);
    expect((await openRepository(new LocalStorage(dir), { passphrase: NEW })).encryption).toBe('aes-256-gcm');
    const row = (await getPlan(database.db, alice, planId))!.repository;
    expect(openPassphrase(row.sealedPassphrase!, repositoryId, SERVER_KEY)).toBe(NEW);
    expect(drop).toHaveBeenCalledWith(repositoryId);
  });

  it('validates the form: confirmation must match and differ from the old one', () => {
    const base = { planId, oldPassphrase: OLD, newPassphrase: NEW, confirmPassphrase: NEW };
    expect(changePassphraseSchema.safeParse(base).success).toBe(true);
    expect(changePassphraseSchema.safeParse({ ...base, confirmPassphrase: 'other passphrase' }).success).toBe(false);
    expect(changePassphraseSchema.safeParse({ ...base, newPassphrase: OLD, confirmPassphrase: OLD }).success).toBe(false);
  });
});
