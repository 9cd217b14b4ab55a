/**
 * Test fixtures for S3Storage: a real S3-compatible server (`s3rver`, pure JS, on 127.0.0.1 with a
 * random port) and an HTTP proxy in front of it that can fail or stall requests and can enforce
 * `If-None-Match: *` (which s3rver ignores) the way AWS does. Not used by production code.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Storage, type S3StorageOptions } from './s3';

/** s3rver's built-in account. */
export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const TEST_BUCKET = 'coffer-test';

/** A running s3rver; `close` stops it and removes its folder. */
export interface TestS3Server {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts s3rver in a child process (see s3rver-child.mjs for why) with the test bucket in a temp
 * folder, and resolves once it listens.
 */
export async function startS3Server(): Promise<TestS3Server> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'coffer-s3rver-'));
  const script = fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, directory, TEST_BUCKET], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      child.stdin.end();
      await exited;
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}

/** What the proxy does to each request; counters are read and set by tests. */
export interface ProxyControl {
  endpoint: string;
  /** Answer this many next requests with 503 SlowDown-style errors. */
  fail: number;
  /** Answer with 503 the next request for which this returns true (once). */
  failNext?: (method: string, url: string) => boolean;
  /** Leave this many next requests unanswered (the client's timeout must fire). */
  stall: number;
  /** Requests seen, as `METHOD path?query`. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * Starts a proxy to `upstream`. Headers pass unchanged (the SigV4 signature covers the Host header,
 * which s3rver recomputes from what it receives). With `conditional`, writes carrying
 * `If-None-Match: *` are serialised per key and answered 412 when the key exists, as on AWS. The proxy
 * knows which keys exist from the writes and deletes it forwarded, so every object of a conditional
 * test must be written through it.
 */
export async function startProxy(
  upstream: string,
  options: { conditional?: boolean } = {},
): Promise<ProxyControl> {
  const target = new URL(upstream);
  const stalled: http.ServerResponse[] = [];
  const keyLocks = new Map<string, Promise<void>>();
  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) =>
    new Promise<void>((resolve) => {
      const out = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res).on('finish', resolve);
          up.on('error', () => resolve());
        },
      );
      out.on('error', () => {
        res.destroy();
        resolve();
      });
      out.end(body);
    });
  const created = new Set<string>();
  const control: ProxyControl = {
    endpoint: '',
    fail: 0,
    stall: 0,
    seen: [],
    async close() {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      control.seen.push(`${req.method} ${req.url}`);
      if (control.stall > 0) {
        control.stall--;
        stalled.push(res);
        return;
      }
      const failNext = control.failNext?.(req.method ?? '', req.url ?? '') ?? false;
      if (failNext) control.failNext = undefined;
      if (control.fail > 0 || failNext) {
        if (!failNext) control.fail--;
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>injected failure</Message></Error>',
        );
        return;
      }
      const [key = '', query = ''] = (req.url ?? '').split('?');
      const completes = req.method === 'POST' && query.includes('uploadId=');
      const creates = (req.method === 'PUT' && !query.includes('uploadId=')) || completes;
      if (options.conditional && creates && req.headers['if-none-match'] === '*') {
        const run = (keyLocks.get(key) ?? Promise.resolve()).then(async () => {
          if (created.has(key)) {
            res.writeHead(412, { 'content-type': 'application/xml' });
            res.end(
              '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
            );
            return;
          }
          await forward(req, res, body);
          if (res.statusCode < 300) created.add(key);
        });
        keyLocks.set(key, run);
        return;
      }
      if (creates) created.add(key);
      if (req.method === 'DELETE' && !query.includes('uploadId=')) created.delete(key);
      void forward(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  control.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return control;
}

/** An S3Storage on the test bucket under a fresh random prefix, with short retry delays. */
export function testS3Storage(endpoint: string, options: Partial<S3StorageOptions> = {}): S3Storage {
  return new S3Storage({
    endpoint,
    region: 'us-east-1',
    bucket: TEST_BUCKET,
    prefix: `repo-${Math.random().toString(36).slice(2, 10)}`,
    forcePathStyle: true,
    retryBaseDelayMs: 5,
    ...TEST_CREDENTIALS,
    ...options,
  });
}
