import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialsLabel, storageFor } from '@/lib/jobs/engine-adapter';
import { openPassphrase, openSecret } from '@/lib/jobs/passphrase-seal';
import { planDestination, type DestinationInput } from './plan-destination';

const key = crypto.randomBytes(32).toString('hex');
const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-destination-')));
const empty: DestinationInput = { destination: 'local', localFolder: '', s3Endpoint: '', s3Region: '', s3Bucket: '', s3Prefix: '', s3AccessKey: '', s3SecretKey: '', s3PathStyle: false };

afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe('planDestination', () => {
  it('seals S3 credentials for the repository and stores no secret in clear', async () => {
    const input = { ...empty, destination: 's3' as const, s3Endpoint: 'http://127.0.0.1:9', s3Region: 'us-east-1', s3Bucket: 'backups', s3Prefix: '/team/a/', s3AccessKey: 'AKIAEXAMPLE', s3SecretKey: 'very-secret-key', s3PathStyle: true };
    const out = await planDestination(input, 'repo-1', { dataDir: base, roots: [base], serverKey: () => key });
    if (!out.ok) throw new Error(out.message);
    expect(out.row).toMatchObject({ kind: 's3', location: 's3://backups/team/a', s3: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', bucket: 'backups', prefix: 'team/a', pathStyle: true } });
    const stored = JSON.stringify(out.row);
    expect(stored).not.toContain('very-secret-key');
    expect(stored).not.toContain('AKIAEXAMPLE');
    expect(JSON.parse(openSecret(out.row.sealedCredentials!, credentialsLabel('repo-1'), key))).toEqual({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'very-secret-key' });
    // Bound to its repository and its purpose: it opens neither for another repository nor as a passphrase.
    expect(() => openSecret(out.row.sealedCredentials!, credentialsLabel('repo-2'), key)).toThrow();
    expect(() => openPassphrase(out.row.sealedCredentials!, 'repo-1', key)).toThrow();
    const storage = storageFor({ id: 'repo-1', ...out.row }, () => key);
    expect(storage.location).toBe('s3://backups/team/a');
  });

  it('puts a local repository under the data dir, or in a new folder inside an allowed root', async () => {
    const def = await planDestination(empty, 'r2', { dataDir: base, roots: [base], serverKey: () => key });
    expect(def.ok && def.row.location).toBe(path.join(base, 'repos', 'r2'));
    fs.mkdirSync(path.join(base, 'disk'));
    const inRoot = await planDestination({ ...empty, localFolder: path.join(base, 'disk') }, 'r3', { dataDir: base, roots: [base], serverKey: () => key });
    expect(inRoot.ok && inRoot.row.location).toBe(path.join(base, 'disk', 'coffer-r3'));
    const outside = await planDestination({ ...empty, localFolder: os.tmpdir() }, 'r4', { dataDir: base, roots: [path.join(base, 'disk')], serverKey: () => key });
    expect(outside.ok).toBe(false);
    expect(!outside.ok && outside.fieldErrors.localFolder?.[0]).toMatch(/outside|allowed/i);
  });
});
