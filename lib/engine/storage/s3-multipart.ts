/**
 * Multipart uploads for S3Storage: objects above its threshold go up in parts, two at a time, each part
 * retried on its own, and the upload is aborted when a step fails for good.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { EngineError, NotFoundError } from '../errors';
import type { StorageEntry } from './storage';

/** What an upload needs from its S3Storage: the client, and its retrying `attempt` and `stat`. */
export interface UploadContext {
  client: S3Client;
  bucket: string;
  location: string;
  partSize: number;
  attempt<T>(
    what: string,
    name: string,
    op: (signal?: AbortSignal) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T>;
  stat(name: string): Promise<StorageEntry | undefined>;
}

/** One object to upload; `conditional` wraps the request that creates it (for `If-None-Match`). */
export interface Upload {
  name: string;
  Key: string;
  body: Buffer;
  IfNoneMatch: string | undefined;
  conditional: <T>(send: () => Promise<T>) => Promise<T>;
}

/** Base64 MD5 of `data`, for the Content-MD5 header. */
export function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

/**
 * Uploads `upload.body` in `ctx.partSize` parts. Throws the EngineError of the step that failed after
 * its retries, having aborted the upload (best effort).
 */
export async function uploadInParts(ctx: UploadContext, upload: Upload, signal?: AbortSignal): Promise<void> {
  const { client, bucket: Bucket, partSize } = ctx;
  const { name, Key, body, IfNoneMatch, conditional } = upload;
  const { UploadId } = await ctx.attempt(
    'starting the upload of',
    name,
    (abortSignal) => client.send(new CreateMultipartUploadCommand({ Bucket, Key }), { abortSignal }),
    signal,
  );
  if (!UploadId)
    throw new EngineError(
      `starting the upload of ${name} in ${ctx.location} failed: the server returned no upload id`,
    );
  try {
    const count = Math.ceil(body.length / partSize);
    const parts: { PartNumber: number; ETag?: string }[] = new Array(count);
    let next = 0;
    // Two parts in flight keep the link busy without holding more than the object in memory.
    const worker = async () => {
      for (let i = next++; i < count; i = next++) {
        const Body = body.subarray(i * partSize, (i + 1) * partSize);
        const part = await ctx.attempt(
          `uploading part ${i + 1} of`,
          name,
          (abortSignal) =>
            client.send(
              new UploadPartCommand({
                Bucket,
                Key,
                UploadId,
                PartNumber: i + 1,
                Body,
                ContentMD5: md5(Body),
              }),
              { abortSignal },
            ),
          signal,
        );
        parts[i] = { PartNumber: i + 1, ETag: part.ETag };
      }
    };
    await Promise.all([worker(), worker()]);
    try {
      await ctx.attempt(
        'completing the upload of',
        name,
        (abortSignal) =>
          conditional(() =>
            client.send(
              new CompleteMultipartUploadCommand({
                Bucket,
                Key,
                UploadId,
                IfNoneMatch,
                MultipartUpload: { Parts: parts },
              }),
              { abortSignal },
            ),
          ),
        signal,
      );
    } catch (error) {
      // A retry after a lost response finds the upload gone (NoSuchUpload) because it completed.
      if (error instanceof NotFoundError && (await ctx.stat(name))?.size === body.length) return;
      throw error;
    }
  } catch (error) {
    // Best effort: an abandoned upload only costs storage until the bucket's lifecycle rule clears it.
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
    throw error;
  }
}
