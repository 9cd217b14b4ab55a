import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EngineError } from '../errors';
import { initRepository, openRepository } from '../index';
import {
  cleanup,
  describeTree,
  pseudoRandom,
  TEST_CHUNKER,
  TEST_PACK_SIZE,
  TEST_PASSPHRASE,
  tempDir,
  text,
} from '../test-helpers';
import { S3Storage } from './s3';
import {
  startProxy,
  startS3Server,
  TEST_BUCKET,
  TEST_CREDENTIALS,
  testS3Storage,
  type ProxyControl,
  type TestS3Server,
} from './s3-test-server';

const SECRET = 'wJalrXUtnFEMI-not-the-real-secret-K7MDENG';
const KEY_ID = 'AKIAEXAMPLEKEYID0001';

let server: TestS3Server;
let proxy: ProxyControl;
const opened: S3Storage[] = [];
const dirs: string[] = [];

function storage(
  endpoint: string,
  options: Partial<ConstructorParameters<typeof S3Storage>[0]> = {},
): S3Storage {
  const s = testS3Storage(endpoint, options);
  opened.push(s);
  return s;
}

beforeAll(async () => {
  server = await startS3Server();
  proxy = await startProxy(server.endpoint);
});
afterAll(async () => {
  for (const s of opened) s.destroy();
  await proxy?.close();
  await server?.close();
  cleanup(...dirs);
});
beforeEach(() => {
  proxy.fail = 0;
  proxy.stall = 0;
  proxy.failNext = undefined;
  proxy.seen = [];
});

describe('S3Storage', () => {
  it('shows its location as s3://bucket/prefix without the endpoint or credentials', () => {
    const base = { region: 'eu-1', bucket: 'backups', accessKeyId: KEY_ID, secretAccessKey: SECRET };
    const s = new S3Storage({ ...base, endpoint: 'https://s3.example.net:9000', prefix: '/coffer/alice/' });
    expect(s.location).toBe('s3://backups/coffer/alice');
    expect(new S3Storage(base).location).toBe('s3://backups');
  });

  it('refuses unusable settings with a message saying what to fix', () => {
    const base = { region: 'eu-1', bucket: 'backups', accessKeyId: KEY_ID, secretAccessKey: SECRET };
    expect(() => new S3Storage({ ...base, prefix: 'a/../b' })).toThrow(/unsafe/);
    expect(() => new S3Storage({ ...base, bucket: '' })).toThrow('An S3 bucket name is required');
    expect(() => new S3Storage({ ...base, region: '' })).toThrow('An S3 region is required');
    expect(() => new S3Storage({ ...base, endpoint: 's3.example.net' })).toThrow('must be a URL such as');
    expect(() => new S3Storage({ ...base, endpoint: 'ftp://s3.example.net' })).toThrow(
      'must start with https://',
    );
    const withUser = (() => {
      try {
        return new S3Storage({ ...base, endpoint: `https://${KEY_ID}:${SECRET}@s3.example.net` });
      } catch (error) {
        return error as Error;
      }
    })();
    expect(withUser).toBeInstanceOf(EngineError);
    expect((withUser as Error).message).toBe(
      'The S3 endpoint URL must not contain a user name or password; use the access key fields',
    );
  });

  it('retries requests that fail with 503 and then succeeds', async () => {
    const s = storage(proxy.endpoint);
    proxy.fail = 3;
    await s.write('config', Buffer.from('survives'));
    expect(proxy.seen.filter((r) => r.startsWith('PUT '))).toHaveLength(4);
    proxy.fail = 2;
    expect((await s.read('config')).toString()).toBe('survives');
    proxy.fail = 2;
    expect((await s.list('')).map((e) => e.name)).toEqual(['config']);
  });

  it('gives up after its retries with an error naming the bucket and key', async () => {
    const s = storage(proxy.endpoint, { retries: 2 });
    proxy.fail = 1000;
    const error = await s.write('snapshots/abc', Buffer.from('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toMatch(
      /^writing snapshots\/abc in s3:\/\/coffer-test\/repo-\w+ failed after 3 attempts: .*HTTP 503/,
    );
    expect(proxy.seen).toHaveLength(3);
  });

  it('abandons a request that stalls and retries it', async () => {
    const s = storage(proxy.endpoint, { idleTimeoutMs: 1000 });
    await s.write('index/aa', Buffer.from('index'));
    proxy.stall = 1;
    expect((await s.read('index/aa')).toString()).toBe('index');
    expect(proxy.seen.filter((r) => r.startsWith('GET ')).length).toBeGreaterThanOrEqual(2);
  });

  it('uploads an object above the threshold in parts and reads it back whole and by range', async () => {
    const s = storage(proxy.endpoint);
    const big = pseudoRandom(17 * 1024 * 1024 + 123, 1);
    await s.write('data/ab/big', [big.subarray(0, 1000), big.subarray(1000)]);
    const parts = proxy.seen.filter((r) => r.startsWith('PUT ') && r.includes('uploadId='));
    expect(parts).toHaveLength(3);
    expect(proxy.seen.filter((r) => r.startsWith('POST ') && r.includes('uploadId='))).toHaveLength(1);
    expect(await s.stat('data/ab/big')).toEqual({ name: 'data/ab/big', size: big.length });
    expect((await s.read('data/ab/big')).equals(big)).toBe(true);
    expect(
      (await s.readRange('data/ab/big', 8 * 1024 * 1024 - 10, 20)).equals(
        big.subarray(8 * 1024 * 1024 - 10, 8 * 1024 * 1024 + 10),
      ),
    ).toBe(true);
  });

  it('retries a failed part of a multipart upload', async () => {
    const s = storage(proxy.endpoint, { multipartThreshold: 6 * 1024 * 1024, partSize: 5 * 1024 * 1024 });
    const big = pseudoRandom(11 * 1024 * 1024, 2);
    // Fail the first request for part 2 once.
    proxy.failNext = (method, url) => method === 'PUT' && /[?&]partNumber=2(&|$)/.test(url);
    await s.write('data/cd/big', big);
    // Three parts, one of them sent twice.
    expect(proxy.seen.filter((r) => r.startsWith('PUT ') && r.includes('uploadId='))).toHaveLength(4);
    expect((await s.read('data/cd/big')).equals(big)).toBe(true);
  });

  it('never puts the credentials in errors, their causes or test results', async () => {
    const wrongSecret = storage(server.endpoint, { accessKeyId: KEY_ID, secretAccessKey: SECRET });
    const denied = await wrongSecret.read('config').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(EngineError);
    expect((denied as Error).message).toMatch(/access denied to bucket coffer-test .*check the access key/);
    const unreachable = storage('http://127.0.0.1:9', {
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
      retries: 1,
    });
    const refused = await unreachable.write('config', Buffer.from('x')).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(
      /writing config in s3:\/\/coffer-test\/repo-\w+ failed after 2 attempts: cannot reach the S3 endpoint/,
    );
    const probe = await wrongSecret.testConnection();
    expect(probe.ok).toBe(false);
    for (const text of [
      inspect(denied, { depth: 10 }),
      inspect(refused, { depth: 10 }),
      JSON.stringify(denied),
      probe.message,
    ]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(KEY_ID);
    }
  });

  it('tests a connection by writing, reading and deleting a probe object', async () => {
    const s = storage(server.endpoint);
    expect(await s.testConnection()).toEqual({
      ok: true,
      message: `Connected to ${s.location}: writing, reading, listing and deleting work`,
    });
    expect(await s.list('')).toEqual([]);
    const noBucket = storage(server.endpoint, { bucket: 'no-such-bucket' });
    expect(await noBucket.testConnection()).toEqual({
      ok: false,
      message: expect.stringContaining('the bucket no-such-bucket does not exist'),
    });
  });

  it('skips folder markers and foreign objects when listing', async () => {
    const s = storage(server.endpoint);
    const client = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: TEST_CREDENTIALS,
    });
    const root = s.location.slice(`s3://${TEST_BUCKET}/`.length);
    for (const Key of [`${root}/data/.hidden`, `${root}/data/ab/.partial`]) {
      await client.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key, Body: 'x' }));
    }
    client.destroy();
    await s.write('data/ab/real', Buffer.from('real'));
    expect(await s.list('data')).toEqual([{ name: 'data/ab/real', size: 4 }]);
  });

  it('holds an engine repository: backup, restore and check round trip', async () => {
    const src = tempDir('coffer-s3-src');
    const out = tempDir('coffer-s3-out');
    dirs.push(src, out);
    fs.mkdirSync(path.join(src, 'docs/deep'), { recursive: true });
    fs.writeFileSync(path.join(src, 'docs/deep/notes.txt'), text(50_000, 3));
    fs.writeFileSync(path.join(src, 'random.bin'), pseudoRandom(300_000, 4));
    fs.writeFileSync(path.join(src, 'empty'), '');
    fs.symlinkSync('docs/deep/notes.txt', path.join(src, 'link'));
    const s = storage(server.endpoint);
    const repo = await initRepository(s, {
      encryption: 'aes-256-gcm',
      passphrase: TEST_PASSPHRASE,
      chunker: TEST_CHUNKER,
      packSize: TEST_PACK_SIZE,
    });
    const first = await repo.backup([src]);
    expect(first.summary.warnings).toEqual([]);
    fs.writeFileSync(path.join(src, 'added.txt'), text(10_000, 5));
    const second = await repo.backup([src]);
    await repo.close();

    // A second handle, as another process would open it.
    const again = await openRepository(
      storage(server.endpoint, { prefix: s.location.slice(`s3://${TEST_BUCKET}/`.length) }),
      { passphrase: TEST_PASSPHRASE },
    );
    expect((await again.listSnapshots()).map((snap) => snap.id)).toEqual([
      first.snapshot.id,
      second.snapshot.id,
    ]);
    const restored = await again.restore(second.snapshot.id, out);
    expect(restored.failures).toEqual([]);
    expect(describeTree(path.join(out, path.basename(src)))).toEqual(describeTree(src));
    const report = await again.check({ readData: true });
    expect(report.ok).toBe(true);
    expect((await s.list('locks')).length).toBe(0);
    expect((await s.list('data')).length).toBeGreaterThan(1);
    await again.close();
  });
});
