import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchDir, safeRelativePath, stageFile, stagedBytes, UPLOAD_FOLDER } from './uploads';

function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
}

describe('uploads', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-uploads-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses names that climb, are empty, or carry NUL or backslashes', () => {
    for (const bad of ['../x', 'a/../../x', '', '/', 'a/./b', 'a\0b', 'a\\b', 'x'.repeat(256)]) expect(() => safeRelativePath(bad), bad).toThrow(/not a file name that can be uploaded/);
    expect(safeRelativePath('/folder//sub/Ünï ✓.txt')).toEqual(['folder', 'sub', 'Ünï ✓.txt']);
  });

  it('accepts only uuid batches under the user folder', () => {
    expect(() => batchDir(dir, '6f1c2b1e-8d3a-4c55-9a7e-1f2e3d4c5b6a', '../../etc')).toThrow(/Unknown upload/);
    expect(batchDir(dir, '6f1c2b1e-8d3a-4c55-9a7e-1f2e3d4c5b6a', '7f1c2b1e-8d3a-4c55-9a7e-1f2e3d4c5b6a')).toBe(
      path.join(dir, 'uploads', '6f1c2b1e-8d3a-4c55-9a7e-1f2e3d4c5b6a', '7f1c2b1e-8d3a-4c55-9a7e-1f2e3d4c5b6a'),
    );
  });

  it('streams files into the batch and counts them against the limit', async () => {
    const batch = path.join(dir, 'b1');
    expect(await stageFile(batch, 'docs/a.txt', streamOf(new Uint8Array(600), new Uint8Array(400)), 1500)).toBe(1000);
    expect(fs.statSync(path.join(batch, UPLOAD_FOLDER, 'docs', 'a.txt')).size).toBe(1000);
    await expect(stageFile(batch, 'b.bin', streamOf(new Uint8Array(300), new Uint8Array(300)), 1500)).rejects.toThrow(/larger than the limit/);
    expect(fs.existsSync(path.join(batch, UPLOAD_FOLDER, 'b.bin'))).toBe(false);
    expect(await stagedBytes(batch)).toBe(1000);
  });

  it('refuses the same name twice in one batch', async () => {
    const batch = path.join(dir, 'b2');
    await stageFile(batch, 'same.txt', streamOf(new Uint8Array(1)), 100);
    await expect(stageFile(batch, 'same.txt', streamOf(new Uint8Array(2)), 100)).rejects.toThrow(/sent twice/);
    expect(fs.statSync(path.join(batch, UPLOAD_FOLDER, 'same.txt')).size).toBe(1);
  });
});
