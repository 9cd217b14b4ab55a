import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveFilename, archiveResponse, contentDisposition } from './download';
import { createRepository, openRepositoryAt, type Repository } from './engine-adapter';

describe('download', () => {
  let base: string;
  let repo: Repository;
  let snapshotId: string;

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-download-'));
    const src = path.join(base, 'src');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'sub', 'small.txt'), 'small\n');
    fs.writeFileSync(path.join(src, 'big.bin'), crypto.randomBytes(12 * 1024 * 1024));
    const location = path.join(base, 'repo');
    await createRepository(location, { encrypted: false, compression: 'none' });
    repo = await openRepositoryAt(location, undefined);
    snapshotId = (await repo.backup([src])).snapshot.id;
  });

  afterAll(async () => {
    await repo?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('names the file per RFC 6266 with an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('Fotos – été "x".zip')).toBe(`attachment; filename="Fotos _ _t_ _x_.zip"; filename*=UTF-8''Fotos%20%E2%80%93%20%C3%A9t%C3%A9%20%22x%22.zip`);
    expect(archiveFilename('a/b\\c:d', new Date('2026-01-02T03:04:05Z'), 'tar.gz')).toBe('a_b_c_d-2026-01-02-03-04-05.tar.gz');
  });

  it('streams a complete zip with the right headers', async () => {
    let outcome: { ok: boolean; bytes: number } | undefined;
    const res = archiveResponse(repo, snapshotId, [], 'zip', 'x.zip', new AbortController().signal, (o) => (outcome = o));
    expect(res.headers.get('content-type')).toBe('application/zip');
    const file = path.join(base, 'x.zip');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    execFileSync('unzip', ['-tq', file]);
    expect(execFileSync('unzip', ['-l', file]).toString()).toContain('src/sub/small.txt');
    await new Promise((r) => setTimeout(r, 50));
    expect(outcome).toMatchObject({ ok: true, bytes: fs.statSync(file).size });
  });

  it('aborts the engine when the client goes away or cancels the body', async () => {
    for (const how of ['signal', 'cancel'] as const) {
      let engineSignal: AbortSignal | undefined;
      const fake = {
        restoreToArchive: (_s: string, _p: string[], _f: string, out: NodeJS.WritableStream, opts: { signal?: AbortSignal }) => {
          engineSignal = opts.signal;
          out.write(Buffer.alloc(1024));
          return new Promise((_resolve, reject) => opts.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
        },
      } as unknown as Repository;
      const client = new AbortController();
      const outcome = new Promise<{ ok: boolean }>((resolve) => {
        const res = archiveResponse(fake, 'snap', [], 'zip', 'x.zip', client.signal, resolve);
        const reader = res.body!.getReader();
        void reader.read().then(() => (how === 'signal' ? client.abort() : void reader.cancel()));
      });
      expect((await outcome).ok).toBe(false);
      expect(engineSignal?.aborted).toBe(true);
    }
  });
});
