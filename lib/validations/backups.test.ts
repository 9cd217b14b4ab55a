import { describe, expect, it } from 'vitest';
import { createPlanSchema, deletePlanSchema, restoreSchema } from './backups';

describe('backups validations', () => {
  it('reads an unchecked checkbox (absent from the form) as false', () => {
    const r = createPlanSchema.safeParse({ name: 'N', sources: '/srv/a\n\n /srv/b ', excludes: '' });
    expect(r.success && r.data).toMatchObject({ sources: ['/srv/a', '/srv/b'], compress: false, encrypt: false, rememberPassphrase: false, schedule: 'manual', plan: { schedule: null, timeZone: 'UTC', retention: null } });
    expect(deletePlanSchema.parse({ planId: '6f1c2b1e-8d3a-4c55-9a7e-1f2e3d4c5b6a' }).removeRepository).toBe(false);
  });

  it('requires matching passphrases of 8+ characters only when encrypting', () => {
    const base = { name: 'N', sources: '/srv', encrypt: 'on' };
    expect(createPlanSchema.safeParse({ ...base, passphrase: 'short', confirmPassphrase: 'short' }).success).toBe(false);
    const mismatch = createPlanSchema.safeParse({ ...base, passphrase: 'long enough', confirmPassphrase: 'long enougH' });
    expect(mismatch.success ? [] : mismatch.error.issues.map((i) => i.path[0])).toEqual(['confirmPassphrase']);
    expect(createPlanSchema.safeParse({ ...base, passphrase: 'long enough', confirmPassphrase: 'long enough' }).success).toBe(true);
  });

  it('refuses a plan without sources and a restore elsewhere without a target', () => {
    expect(createPlanSchema.safeParse({ name: 'N', sources: '  \n ' }).success).toBe(false);
    const id = '6f1c2b1e-8d3a-4c55-9a7e-1f2e3d4c5b6a';
    expect(restoreSchema.safeParse({ planId: id, snapshotId: id, destination: 'elsewhere', overwrite: 'skip' }).success).toBe(false);
    const ok = restoreSchema.parse({ planId: id, snapshotId: id, destination: 'original', overwrite: 'keep-both', include: 'a/b' });
    expect(ok.include).toEqual(['a/b']);
  });
});
