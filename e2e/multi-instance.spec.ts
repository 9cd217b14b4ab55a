/**
 * Two production servers on one fresh PostgreSQL database (each with its own port and data dir, the same
 * secrets), a plan with a per-minute schedule: every minute's slot runs exactly once (one job, one
 * snapshot), and a job's live progress is visible from both servers' HTTP APIs.
 * Needs PostgreSQL at E2E_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import postgres from 'postgres';
import { fillRegistration } from './support/accounts';

const ADMIN_URL = process.env.E2E_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const tag = `${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
const dbName = `coffer_multi_${tag}`;
// Made in beforeAll: the module is loaded by the runner and by the worker, and only the worker uses it.
let base = '';
let SRC = '';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not start`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

type JobJson = { status: string; progress: Record<string, unknown> | null };

test.describe.serial('several instances on one PostgreSQL database', () => {
  const servers: { url: string; child: ChildProcess }[] = [];
  let sql: postgres.Sql;
  let dbUrl = '';

  test.beforeAll(async () => {
    test.setTimeout(600_000);
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-multi-'));
    SRC = path.join(base, 'files', 'documents');
    fs.mkdirSync(SRC, { recursive: true });
    fs.writeFileSync(path.join(SRC, 'notes.txt'), 'several instances\n');
    // Big enough that the first backup runs for a few seconds, so its progress can be watched.
    fs.writeFileSync(path.join(SRC, 'big.bin'), crypto.randomBytes(48 * 1024 * 1024));
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${dbName}`;
    dbUrl = url.toString();
    sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
    const secrets = { AUTH_SECRET: crypto.randomBytes(33).toString('base64'), COFFER_SERVER_KEY: crypto.randomBytes(32).toString('hex') };
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const dataDir = path.join(base, `data-${name}`);
      fs.mkdirSync(dataDir, { recursive: true });
      const log = fs.openSync(path.join(base, `server-${name}.log`), 'a');
      const child = spawn(process.execPath, ['scripts/start.mjs'], {
        stdio: ['ignore', log, log],
        env: {
          ...process.env,
          ...secrets,
          PORT: String(port),
          HOSTNAME: '127.0.0.1',
          NODE_ENV: 'production',
          COFFER_DATA_DIR: dataDir,
          COFFER_BACKUP_ROOTS: path.join(base, 'files'),
          DATABASE_URL: dbUrl,
          RESEND_API_KEY: '',
          COFFER_PUBLIC_URL: '',
          NEXT_TELEMETRY_DISABLED: '1',
        },
      });
      servers.push({ url: `http://127.0.0.1:${port}`, child });
      // One at a time: both apply migrations and create pg-boss's schema at start.
      await waitForHealth(`http://127.0.0.1:${port}`, Date.now() + 300_000);
    }
  });

  test.afterAll(async () => {
    for (const s of servers) s.child.kill('SIGTERM');
    await Promise.all(servers.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))));
    await sql?.end();
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.end();
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  const jobJson = async (page: Page, server: string, id: string): Promise<JobJson> => {
    const res = await page.request.get(`${server}/api/jobs/${id}`);
    expect(res.status()).toBe(200);
    return (await res.json()) as JobJson;
  };

  test('runs a per-minute schedule exactly once per minute, with progress visible from both servers', async ({ page }) => {
    test.setTimeout(330_000);
    const [a, b] = servers.map((s) => s.url) as [string, string];
    // Both servers share the session: one AUTH_SECRET, and cookies of 127.0.0.1 go to every port.
    await page.goto(`${a}/register`);
    await fillRegistration(page, { name: 'Multi Admin', email: 'multi@example.test', password: 'multi instance passphrase' });
    await expect(page).toHaveURL(/\/dashboard/);
    await page.goto(`${b}/backups/new`);
    await page.getByLabel('Name').fill('Every minute');
    await page.getByLabel('Source paths (one per line)').fill(SRC);
    await page.getByLabel('Encrypt').uncheck();
    await page.getByLabel('Schedule', { exact: true }).selectOption('cron');
    await page.getByLabel('Cron expression').fill('* * * * *');
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page).toHaveURL(/\/backups\/[0-9a-f-]{36}/, { timeout: 60_000 });
    const planId = new URL(page.url()).pathname.split('/')[2]!;

    // The first scheduled job: watch it from both servers while it runs.
    await expect
      .poll(async () => ((await sql`select id from jobs where plan_id = ${planId} and kind = 'backup' order by scheduled_for limit 1`)[0]?.id as string | undefined) ?? '', { timeout: 120_000, intervals: [250] })
      .not.toBe('');
    const firstId = ((await sql`select id from jobs where plan_id = ${planId} and kind = 'backup' order by scheduled_for limit 1`)[0]!.id as string);
    const seenRunning = { [a]: false, [b]: false };
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      const both = await Promise.all([jobJson(page, a, firstId), jobJson(page, b, firstId)]);
      both.forEach((j, i) => {
        if (j.status === 'running' && j.progress && typeof j.progress.bytesDone === 'number') seenRunning[i === 0 ? a : b] = true;
      });
      if (both.every((j) => !['queued', 'running'].includes(j.status))) break;
      await new Promise((r) => setTimeout(r, 150));
    }
    const [fromA, fromB] = await Promise.all([jobJson(page, a, firstId), jobJson(page, b, firstId)]);
    expect(fromA.status).toBe('succeeded');
    expect(fromB).toEqual(fromA);
    expect(seenRunning).toEqual({ [a]: true, [b]: true });

    // Three minutes' slots: one job each, one snapshot each, none twice.
    await expect
      .poll(async () => Number((await sql`select count(*)::int as n from jobs where plan_id = ${planId} and kind = 'backup' and status = 'succeeded'`)[0]!.n), { timeout: 200_000, intervals: [2000] })
      .toBeGreaterThanOrEqual(3);
    const rows = await sql`select scheduled_for, status from jobs where plan_id = ${planId} and kind = 'backup' order by scheduled_for`;
    const slots = rows.map((r) => new Date(r.scheduled_for as string).getTime());
    expect(new Set(slots).size).toBe(slots.length);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBe(60_000);
    const [repo] = await sql`select r.location from repositories r join plans p on p.repository_id = r.id where p.id = ${planId}`;
    // Let a job that is still running finish, then compare: one snapshot per succeeded slot.
    await expect.poll(async () => Number((await sql`select count(*)::int as n from jobs where plan_id = ${planId} and status in ('queued', 'running')`)[0]!.n), { timeout: 120_000 }).toBe(0);
    const succeeded = Number((await sql`select count(*)::int as n from jobs where plan_id = ${planId} and kind = 'backup' and status = 'succeeded'`)[0]!.n);
    const snapshotFiles = fs.readdirSync(path.join(repo!.location as string, 'snapshots')).filter((f) => !f.startsWith('.'));
    expect(snapshotFiles).toHaveLength(succeeded);
    const cached = Number((await sql`select count(*)::int as n from snapshots where plan_id = ${planId}`)[0]!.n);
    expect(cached).toBe(succeeded);
  });
});
