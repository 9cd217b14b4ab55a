/**
 * Storage on an S3-compatible object store (AWS S3, MinIO, Ceph RGW, Backblaze B2, Wasabi…). Keys map
 * to objects under an optional prefix (`data/ab/ab12…` → `<prefix>/data/ab/ab12…`). A PUT is atomic by
 * nature (readers see the old object or the new one); objects above `multipartThreshold` go up as a
 * multipart upload. Transient failures (5xx, throttling, timeouts, dropped connections) are retried
 * with exponential backoff and full jitter, then reported as an `EngineError` naming the bucket and
 * key — never the credentials.
 */
import { randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AbortedError, AlreadyExistsError, EngineError, IntegrityError, NotFoundError } from '../errors';
import { checkKey } from './local';
import {
  describeS3Error,
  isAbort,
  isNotFound,
  isPreconditionFailed,
  isRetryable,
  redact,
  sanitize,
} from './s3-errors';
import { md5, uploadInParts, type UploadContext } from './s3-multipart';
import type { Storage, StorageEntry } from './storage';

/** Options for `S3Storage`. */
export interface S3StorageOptions {
  /** Endpoint URL for non-AWS services, e.g. `https://s3.example.net` (default: AWS for `region`). */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Folder inside the bucket holding the repository (no leading or trailing slash needed). */
  prefix?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most self-hosted servers need. */
  forcePathStyle?: boolean;
  /** Retries after the first attempt of each request (default 6). */
  retries?: number;
  /** First backoff ceiling in ms; doubles per retry up to 20 s, with full jitter (default 250). */
  retryBaseDelayMs?: number;
  /** A request whose socket stays idle this long is abandoned and retried (default 60 s). */
  idleTimeoutMs?: number;
  /** Objects larger than this use a multipart upload (default 16 MiB). */
  multipartThreshold?: number;
  /** Multipart part size; S3 needs at least 5 MiB except for the last part (default 8 MiB). */
  partSize?: number;
  /** Keys per ListObjectsV2 page (default and S3 maximum 1000). */
  listPageSize?: number;
}

const MiB = 1024 * 1024;

/** A `Storage` on an S3 bucket. Construction does no I/O; `testConnection` checks the settings. */
export class S3Storage implements Storage {
  readonly location: string;
  readonly bucket: string;
  private readonly root: string;
  private readonly client: S3Client;
  private readonly retries: number;
  private readonly retryBaseDelayMs: number;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly listPageSize: number;
  private readonly secrets: string[];

  constructor(options: S3StorageOptions) {
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (prefix !== '') checkKey(prefix);
    if (!options.bucket) throw new EngineError('An S3 bucket name is required');
    if (!options.region)
      throw new EngineError('An S3 region is required (us-east-1 suits most self-hosted servers)');
    if (options.endpoint !== undefined) checkEndpoint(options.endpoint);
    this.bucket = options.bucket;
    this.root = prefix === '' ? '' : `${prefix}/`;
    this.location = `s3://${options.bucket}${prefix === '' ? '' : `/${prefix}`}`;
    this.retries = options.retries ?? 6;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
    this.multipartThreshold = options.multipartThreshold ?? 16 * MiB;
    this.partSize = Math.max(options.partSize ?? 8 * MiB, 5 * MiB);
    this.listPageSize = options.listPageSize ?? 1000;
    this.secrets = [options.secretAccessKey, options.accessKeyId].filter((s) => s.length >= 4);
    const idle = options.idleTimeoutMs ?? 60_000;
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // Retries are ours (counted, with jitter, and reported with the key), so the SDK makes one attempt.
      maxAttempts: 1,
      // Many S3-compatible servers reject the SDK's default aws-chunked CRC trailers; packs carry
      // their own SHA-256 and uploads send Content-MD5, so checksums only when an operation needs them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: Math.min(idle, 10_000), socketTimeout: idle },
    });
  }

  private key(name: string): string {
    checkKey(name);
    return this.root + name;
  }

  /** Runs `op`, retrying transient failures; maps "no such key" to NotFoundError, the rest to EngineError. */
  private async attempt<T>(
    what: string,
    name: string,
    op: (signal?: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    for (let tries = 0; ; tries++) {
      if (signal?.aborted) throw new AbortedError();
      try {
        return await op(signal);
      } catch (error) {
        if (error instanceof EngineError) throw error;
        if (isAbort(error) && signal?.aborted) throw new AbortedError();
        if (isNotFound(error)) throw new NotFoundError(name);
        if (isRetryable(error) && tries < this.retries) {
          const ceiling = Math.min(20_000, this.retryBaseDelayMs * 2 ** tries);
          await sleep(Math.random() * ceiling, signal);
          continue;
        }
        const after = tries > 0 ? ` after ${tries + 1} attempts` : '';
        const message = `${what} ${name} in ${this.location} failed${after}: ${describeS3Error(error, this.bucket)}`;
        throw new EngineError(redact(message, this.secrets), { cause: sanitize(error, this.secrets) });
      }
    }
  }

  /** Lists objects under `prefix/` (everything for `''`) page by page; foreign keys are skipped. */
  async list(prefix: string, signal?: AbortSignal): Promise<StorageEntry[]> {
    const listPrefix = prefix === '' ? this.root : `${this.key(prefix)}/`;
    const entries: StorageEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.attempt(
        'listing',
        prefix || '/',
        (abortSignal) =>
          this.client.send(
            new ListObjectsV2Command({
              Bucket: this.bucket,
              Prefix: listPrefix,
              ContinuationToken: token,
              MaxKeys: this.listPageSize,
            }),
            { abortSignal },
          ),
        signal,
      );
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(this.root.length);
        // Folder markers made by consoles ("a/"), temp-like names and anything unsafe are not ours.
        if (name === undefined || !isSafeKey(name)) continue;
        entries.push({ name, size: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Reads a whole object; `NotFoundError` when missing. */
  async read(name: string, signal?: AbortSignal): Promise<Buffer> {
    const Key = this.key(name);
    return this.attempt(
      'reading',
      name,
      async (abortSignal) => {
        const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }), {
          abortSignal,
        });
        const body = Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array());
        if (response.ContentLength !== undefined && body.length !== response.ContentLength) {
          throw new IntegrityError(
            `${name} in ${this.location} is truncated: expected ${response.ContentLength} bytes, got ${body.length}`,
            name,
          );
        }
        return body;
      },
      signal,
    );
  }

  /** Reads exactly `length` bytes at `offset` with a Range request; fewer available is an `IntegrityError`. */
  async readRange(name: string, offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
    const Key = this.key(name);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new IntegrityError(`invalid range ${offset}+${length} in ${name}`, name);
    }
    const short = (got: number) =>
      new IntegrityError(
        `${name} is truncated: wanted ${length} bytes at offset ${offset}, got ${got}`,
        name,
      );
    if (length === 0) {
      // An empty HTTP range cannot be expressed; existence is what a zero-length read checks.
      if (!(await this.stat(name))) throw new NotFoundError(name);
      return Buffer.alloc(0);
    }
    return this.attempt(
      'reading',
      name,
      async (abortSignal) => {
        let response;
        try {
          response = await this.client.send(
            new GetObjectCommand({
              Bucket: this.bucket,
              Key,
              Range: `bytes=${offset}-${offset + length - 1}`,
            }),
            { abortSignal },
          );
        } catch (error) {
          // 416: the range starts at or past the end of the object.
          if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416)
            throw short(0);
          throw error;
        }
        let body = Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array());
        // A server that ignores Range sends the whole object with status 200.
        if (!response.ContentRange) body = body.subarray(Math.min(offset, body.length));
        if (body.length < length) throw short(body.length);
        return body.subarray(0, length);
      },
      signal,
    );
  }

  /**
   * Writes an object; a PUT replaces atomically. With `exclusive`, fails with `AlreadyExistsError` when
   * the key exists: a HEAD first, then the write conditioned on `If-None-Match: *`. Servers that honour
   * the condition (AWS S3 since 2024 and several others) make this race-free; on servers that ignore it
   * (s3rver, older ones) the HEAD makes it best-effort only: two writers racing within one round trip
   * could both succeed.
   */
  async write(
    name: string,
    data: Buffer | Buffer[],
    options: { exclusive?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    const Key = this.key(name);
    const body = Array.isArray(data) ? Buffer.concat(data) : data;
    if (options.signal?.aborted) throw new AbortedError();
    if (options.exclusive && (await this.stat(name))) throw new AlreadyExistsError(name);
    const IfNoneMatch = options.exclusive ? '*' : undefined;
    // Counts attempts of the request that creates the object (PUT, or completing a multipart upload).
    const tries = { count: 0 };
    const conditional = async <T>(send: () => Promise<T>): Promise<T> => {
      tries.count++;
      try {
        return await send();
      } catch (error) {
        if (options.exclusive && isPreconditionFailed(error)) throw new AlreadyExistsError(name);
        throw error;
      }
    };
    try {
      if (body.length > this.multipartThreshold) {
        const context: UploadContext = {
          client: this.client,
          bucket: this.bucket,
          location: this.location,
          partSize: this.partSize,
          attempt: (what, key, op, signal) => this.attempt(what, key, op, signal),
          stat: (key) => this.stat(key),
        };
        await uploadInParts(context, { name, Key, body, IfNoneMatch, conditional }, options.signal);
      } else {
        await this.attempt(
          'writing',
          name,
          (abortSignal) =>
            conditional(() =>
              this.client.send(
                new PutObjectCommand({
                  Bucket: this.bucket,
                  Key,
                  Body: body,
                  ContentMD5: md5(body),
                  IfNoneMatch,
                }),
                { abortSignal },
              ),
            ),
          options.signal,
        );
      }
    } catch (error) {
      // A retried exclusive write may find the object its own lost-response attempt created.
      if (error instanceof AlreadyExistsError && tries.count > 1) {
        const existing = await this.read(name, options.signal).catch(() => undefined);
        if (existing?.equals(body)) return;
      }
      throw error;
    }
  }

  /** Deletes an object; a missing one is not an error (S3 DELETE is idempotent). */
  async delete(name: string): Promise<void> {
    const Key = this.key(name);
    try {
      await this.attempt('deleting', name, (abortSignal) =>
        this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }), { abortSignal }),
      );
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  /** Size of an object (HEAD), or undefined when it does not exist. */
  async stat(name: string): Promise<StorageEntry | undefined> {
    const head = await this.head(name);
    return head && { name, size: head.ContentLength ?? 0 };
  }

  /** When an object was last written (its Last-Modified, by the server's clock), or undefined when it does not exist. */
  async lastModified(name: string): Promise<number | undefined> {
    return (await this.head(name))?.LastModified?.getTime();
  }

  private async head(name: string) {
    const Key = this.key(name);
    try {
      return await this.attempt('inspecting', name, (abortSignal) =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }), { abortSignal }),
      );
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Checks the settings by writing, reading back, listing and deleting a probe object next to the
   * repository (the permissions a repository needs). Never throws: returns `{ ok: false, message }`
   * with a message for people (no credentials in it). Failures are retried like any request, so a
   * caller behind a button may want a storage built with `retries: 1`.
   */
  async testConnection(signal?: AbortSignal): Promise<{ ok: boolean; message: string }> {
    const probe = `connection-test-${randomBytes(8).toString('hex')}`;
    const payload = randomBytes(32);
    let written = false;
    try {
      await this.write(probe, payload, { signal });
      written = true;
      const back = await this.read(probe, signal);
      await this.list('locks', signal);
      await this.delete(probe);
      written = false;
      if (!back.equals(payload))
        return { ok: false, message: `${this.location}: an object read back differs from what was written` };
      return {
        ok: true,
        message: `Connected to ${this.location}: writing, reading, listing and deleting work`,
      };
    } catch (error) {
      return { ok: false, message: redact((error as Error).message, this.secrets) };
    } finally {
      if (written) await this.delete(probe).catch(() => undefined);
    }
  }

  /** Closes the HTTP connections. The storage must not be used afterwards. */
  destroy(): void {
    this.client.destroy();
  }
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EngineError(
      `The S3 endpoint must be a URL such as https://s3.example.net, not ${JSON.stringify(endpoint)}`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new EngineError('The S3 endpoint must start with https:// or http://');
  // Credentials belong in the key fields, where they are kept out of messages and logs.
  if (url.username || url.password)
    throw new EngineError(
      'The S3 endpoint URL must not contain a user name or password; use the access key fields',
    );
}

function isSafeKey(name: string): boolean {
  try {
    checkKey(name);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
