import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const saved = { ...process.env };

async function loadRoute(env: Record<string, string | undefined>) {
  vi.resetModules();
  (globalThis as { cofferDatabase?: unknown }).cofferDatabase = undefined;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return import('./route');
}

describe('GET /api/health', () => {
  afterEach(async () => {
    const db = (globalThis as { cofferDatabase?: Promise<{ close(): Promise<void> }> }).cofferDatabase;
    (globalThis as { cofferDatabase?: unknown }).cofferDatabase = undefined;
    await db?.then((d) => d.close()).catch(() => {});
    process.env = { ...saved };
  });

  it('answers 200 with db ok on a fresh data dir', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-health-'));
    const { GET } = await loadRoute({ COFFER_DATA_DIR: dataDir, DATABASE_URL: undefined });
    const res = await GET();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', db: 'ok', version: expect.any(String) });
    expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
  });

  it('answers 503 naming the database when it is unreachable', async () => {
    const { GET } = await loadRoute({ DATABASE_URL: 'postgres://postgres@127.0.0.1:9/nothing' });
    const res = await GET();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'error', db: 'down' });
  });
});
