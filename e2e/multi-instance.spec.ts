/**
 * Two production servers on one fresh PostgreSQL database (each with its own port and data dir, the same
 * secrets), a plan with a per-minute schedule: every minute's slot runs exactly once (one job, one
 * snapshot), and a job's live progress is visible from both servers' HTTP APIs.
 * Then, on a plan stored in a local S3-compatible server (s3rver) behind a proxy that limits upload
 * bandwidth (so a backup keeps running for as long as the test needs, whatever the engine's speed): a
 * job running on one server is cancelled from the other, and a server killed with SIGKILL mid-run leaves a
 * job that the other marks interrupted after the (short, configured) heartbeat timeout, after which a new
 * backup of the same plan succeeds.
 * Needs PostgreSQL at E2E_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { expect, test, type Page } from '@playwright/test';
import postgres from 'postgres';
import { fillRegistration } from './support/accounts';

const ADMIN_URL = process.env.E2E_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const USER = { name: 'Multi Admin', email: 'multi@example.test', password: 'multi instance passphrase' };
const BUCKET = 'coffer-multi';
const PREFIX = 'slow-link';
/** Heartbeat and stale timeouts of both servers (short, so the test is fast). */
const HEARTBEAT_SECONDS = 1;
const STALE_SECONDS = 8;
/** Upload bandwidth of the slow link while a backup must keep running. */
const SLOW_RATE = 4 * 1024 * 1024;
const tag = `${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
const dbName = `coffer_multi_${tag}`;
// Made in beforeAll: the module is loaded by the runner and by the worker, and only the worker uses it.
let base = '';
let SRC = '';
let SLOW_SRC = '';

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

/** s3rver in a child process (as the engine's S3 tests start it), storing into `directory`. */
async function startS3rver(directory: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', 'lib/engine/storage/s3rver-child.mjs', directory, BUCKET], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

/** A proxy to `upstream` that passes request bodies at `bytesPerSecond` in all (shared by every request). */
interface SlowLink {
  endpoint: string;
  bytesPerSecond: number;
  close(): Promise<void>;
}

async function startSlowLink(upstream: string): Promise<SlowLink> {
  const target = new URL(upstream);
  let nextFree = 0;
  const link: SlowLink = { endpoint: '', bytesPerSecond: Infinity, close: async () => {} };
  const pace = async (bytes: number) => {
    if (!Number.isFinite(link.bytesPerSecond)) return;
    const now = Date.now();
    const wait = Math.max(0, nextFree - now);
    nextFree = Math.max(now, nextFree) + (bytes / link.bytesPerSecond) * 1000;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
  const slow = () =>
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        void (async () => {
          for (let i = 0; i < chunk.length; i += 16 * 1024) {
            const piece = chunk.subarray(i, i + 16 * 1024);
            await pace(piece.length);
            this.push(piece);
          }
        })().then(() => done(), done);
      },
    });
  const server = http.createServer((req, res) => {
    // "Expect" is not signed by SigV4; dropping it keeps the proxy simple (no 100-continue relay).
    const headers = { ...req.headers };
    delete headers.expect;
    const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.on('error', () => out.destroy());
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    req.pipe(slow()).pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  link.endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  link.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return link;
}

/** The repository locks held in the bucket (s3rver keeps each object as a file), as the engine wrote them. */
function s3Locks(directory: string): { pid: number; host: string }[] {
  const folder = path.join(directory, BUCKET, PREFIX, 'locks');
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('._S3rver_object'))
    .flatMap((f) => {
      try {
        return [JSON.parse(fs.readFileSync(path.join(folder, f), 'utf8')) as { pid: number; host: string }];
      } catch {
        return []; // written or removed while read
      }
    });
}

/** The PORT a process was started with (the server's Node process inherits it from scripts/start.mjs). */
function portOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((v) => v.startsWith('PORT='))?.slice(5);
  } catch {
    return undefined;
  }
}

type JobJson = { status: string; progress: Record<string, unknown> | null };

test.describe.serial('several instances on one PostgreSQL database', () => {
  const servers: { url: string; child: ChildProcess }[] = [];
  let sql: postgres.Sql;
  let dbUrl = '';
  let s3: { endpoint: string; child: ChildProcess } | undefined;
  let s3Dir = '';
  let link: SlowLink | undefined;

  test.beforeAll(async () => {
    test.setTimeout(600_000);
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-multi-'));
    SRC = path.join(base, 'files', 'documents');
    fs.mkdirSync(SRC, { recursive: true });
    fs.writeFileSync(path.join(SRC, 'notes.txt'), 'several instances\n');
    // Big enough that the first backup runs for a few seconds, so its progress can be watched from both
    // servers (48 MiB of random data took about 0.3 s once packs were written two at a time).
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(SRC, `big-${i}.bin`), crypto.randomBytes(32 * 1024 * 1024));
    // Through the slow link (SLOW_RATE while a test needs a running job) this takes far longer than the tests
    // wait. It is more than the engine keeps in flight (two packs being written, two open), so reading is
    // still going on, and a cancel is seen, as soon as a pack upload finishes.
    SLOW_SRC = path.join(base, 'files', 'slow');
    fs.mkdirSync(SLOW_SRC, { recursive: true });
    fs.writeFileSync(path.join(SLOW_SRC, 'notes.txt'), 'a slow link\n');
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(SLOW_SRC, `big-${i}.bin`), crypto.randomBytes(32 * 1024 * 1024));
    s3Dir = path.join(base, 's3');
    fs.mkdirSync(s3Dir);
    s3 = await startS3rver(s3Dir);
    link = await startSlowLink(s3.endpoint);
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
          COFFER_JOB_HEARTBEAT_SECONDS: String(HEARTBEAT_SECONDS),
          COFFER_JOB_STALE_SECONDS: String(STALE_SECONDS),
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
    await link?.close();
    if (s3) {
      const child = s3.child;
      const exited = new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      child.stdin!.end();
      await exited;
    }
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
    await fillRegistration(page, USER);
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

  /** Signs in on `url` (registering the account when the first test did not run in this invocation). */
  const signIn = async (page: Page, url: string) => {
    await page.goto(`${url}/register`);
    if (await page.getByText('This is the first account').isVisible()) {
      await fillRegistration(page, USER);
    } else {
      await page.goto(`${url}/login`);
      await page.getByLabel('Email').fill(USER.email);
      await page.getByLabel('Password', { exact: true }).fill(USER.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await expect(page).toHaveURL(/\/dashboard/);
  };

  /** Waits until the plan's job runs, and finds the server running it from the pid in its repository lock. */
  const runningJob = async (planId: string) => {
    let found: { jobId: string; runner: string; pid: number } | undefined;
    await expect
      .poll(
        async () => {
          const [row] = await sql`select id from jobs where plan_id = ${planId} and status = 'running'`;
          for (const lock of s3Locks(s3Dir)) {
            const server = servers.find((s) => new URL(s.url).port === portOf(lock.pid));
            if (row && server) found = { jobId: row.id as string, runner: server.url, pid: lock.pid };
          }
          return found !== undefined;
        },
        { timeout: 60_000, intervals: [200] },
      )
      .toBe(true);
    return found!;
  };

  let slowPlanId = '';

  test('a job running on one server is cancelled from the other (slow S3 link)', async ({ page }) => {
    test.setTimeout(240_000);
    const [a, b] = servers.map((s) => s.url) as [string, string];
    // The per-minute plan has done its part: keep the servers free for these runs.
    await sql`update plans set schedule = null`;
    await signIn(page, a);
    await page.goto(`${a}/backups/new`);
    await page.getByLabel('Name').fill('Slow link');
    await page.getByLabel('Source paths (one per line)').fill(SLOW_SRC);
    await page.getByLabel('Encrypt').uncheck();
    await page.getByLabel('S3-compatible bucket').check();
    await page.getByLabel('Endpoint', { exact: true }).fill(link!.endpoint);
    await page.getByLabel('Bucket', { exact: true }).fill(BUCKET);
    await page.getByLabel('Prefix', { exact: true }).fill(PREFIX);
    await page.getByLabel('Access key').fill('S3RVER');
    await page.getByLabel('Secret key').fill('S3RVER');
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page).toHaveURL(/\/backups\/[0-9a-f-]{36}/, { timeout: 60_000 });
    slowPlanId = new URL(page.url()).pathname.split('/')[2]!;

    link!.bytesPerSecond = SLOW_RATE;
    await page.getByRole('button', { name: 'Run backup now' }).click();
    const { jobId, runner } = await runningJob(slowPlanId);
    const other = runner === a ? b : a;
    await page.goto(`${other}/jobs/${jobId}`);
    const view = page.getByTestId('job-progress');
    await expect(view).toHaveAttribute('data-status', 'running');
    await page.getByRole('button', { name: 'Cancel' }).click();
    // The running server sees the request at its next heartbeat and stops the backup.
    await expect(view).toHaveAttribute('data-status', 'cancelled', { timeout: 30_000 });
    await expect(page.getByRole('alert').filter({ hasText: 'Cancelled while running' })).toBeVisible();
    expect(await jobJson(page, runner, jobId)).toMatchObject({ status: 'cancelled' });
    // It let go of its repository lock, and no snapshot was made.
    await expect.poll(() => s3Locks(s3Dir).length, { timeout: 15_000 }).toBe(0);
    expect(Number((await sql`select count(*)::int as n from snapshots where plan_id = ${slowPlanId}`)[0]!.n)).toBe(0);
  });

  test('a server killed mid-run: the other marks the job interrupted, and a new backup of the plan succeeds', async ({ page }) => {
    test.setTimeout(240_000);
    expect(slowPlanId).not.toBe('');
    const [a, b] = servers.map((s) => s.url) as [string, string];
    await signIn(page, a);
    link!.bytesPerSecond = SLOW_RATE;
    await page.goto(`${a}/backups/${slowPlanId}`);
    await page.getByRole('button', { name: 'Run backup now' }).click();
    const { jobId, runner, pid } = await runningJob(slowPlanId);
    const survivor = runner === a ? b : a;
    const victim = servers.find((s) => s.url === runner)!;
    expect((await jobJson(page, survivor, jobId)).status).toBe('running');

    const exited = new Promise((r) => (victim.child.exitCode !== null ? r(null) : victim.child.once('exit', r)));
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    await exited;
    await page.goto(`${survivor}/jobs/${jobId}`);
    const view = page.getByTestId('job-progress');
    await expect(view).toHaveAttribute('data-status', 'interrupted', { timeout: (3 * STALE_SECONDS + 15) * 1000 });
    // Not before the heartbeat timeout: the last heartbeat was at most one interval before the kill.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual((STALE_SECONDS - HEARTBEAT_SECONDS - 1) * 1000);
    await expect(view.getByText('interrupted', { exact: true })).toBeVisible();
    await expect(page.getByRole('alert').filter({ hasText: `The server stopped responding while running this job (no heartbeat for ${STALE_SECONDS} s` })).toBeVisible();
    // The killed server's repository lock is removed by the survivor (its process no longer exists on this host).
    await expect.poll(() => s3Locks(s3Dir).length, { timeout: 30_000 }).toBe(0);

    // A new backup of the same plan, from the survivor, at full speed.
    link!.bytesPerSecond = Infinity;
    await page.goto(`${survivor}/backups/${slowPlanId}`);
    await page.getByRole('button', { name: 'Run backup now' }).click();
    await expect
      .poll(async () => (await sql`select status from jobs where plan_id = ${slowPlanId} and kind = 'backup' order by created_at desc limit 1`)[0]?.status, { timeout: 120_000, intervals: [500] })
      .toBe('succeeded');
    await expect(page.getByTestId('job-progress').last()).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    const statuses = (await sql`select status from jobs where plan_id = ${slowPlanId} and kind = 'backup' order by created_at`).map((r) => r.status as string);
    expect(statuses).toEqual(['cancelled', 'interrupted', 'succeeded']);
    expect(Number((await sql`select count(*)::int as n from snapshots where plan_id = ${slowPlanId}`)[0]!.n)).toBe(1);
    expect(s3Locks(s3Dir)).toEqual([]);
  });

  test('the S3 destination is edited on the plan page: tested, refused elsewhere, saved for the same repository', async ({ page }) => {
    test.setTimeout(120_000);
    expect(slowPlanId).not.toBe('');
    const live = servers.find((s) => s.child.exitCode === null && s.child.signalCode === null)!.url;
    await signIn(page, live);
    await page.goto(`${live}/backups/${slowPlanId}`);
    const form = page.getByRole('region', { name: 'Destination' });
    await expect(form.getByRole('note')).toContainText(`This plan has 1 snapshot in s3://${BUCKET}/${PREFIX}`);
    await expect(form.getByLabel('Bucket', { exact: true })).toHaveValue(BUCKET);
    await expect(form.getByLabel('Access key')).toHaveValue('S3RVER');
    await expect(form.getByLabel('Secret key')).toHaveValue('');
    // Straight to s3rver, not through the slow link; the secret field stays blank (the stored one is used).
    await form.getByLabel('Endpoint', { exact: true }).fill(s3!.endpoint);
    await form.getByRole('button', { name: 'Test connection' }).click();
    await expect(form.getByRole('status').filter({ hasText: /^Connected: / })).toBeVisible();

    await form.getByLabel('Bucket', { exact: true }).fill('Not_A_Bucket');
    await form.getByRole('button', { name: 'Save destination' }).click();
    await expect(form.getByText('A bucket name has 3 to 63 characters')).toBeVisible();
    await form.getByLabel('Bucket', { exact: true }).fill(BUCKET);
    await form.getByLabel('Prefix', { exact: true }).fill('elsewhere');
    await form.getByRole('button', { name: 'Save destination' }).click();
    await expect(form.getByRole('alert').filter({ hasText: `There is no Coffer repository at s3://${BUCKET}/elsewhere. This plan's 1 snapshot is in s3://${BUCKET}/${PREFIX}` })).toBeVisible();

    await form.getByLabel('Prefix', { exact: true }).fill(PREFIX);
    await form.getByRole('button', { name: 'Save destination' }).click();
    await expect(form.getByRole('status').filter({ hasText: `Destination saved: s3://${BUCKET}/${PREFIX} holds this plan's repository` })).toBeVisible();
    const [repo] = await sql`select r.s3 from repositories r join plans p on p.repository_id = r.id where p.id = ${slowPlanId}`;
    expect((repo!.s3 as { endpoint: string }).endpoint).toBe(s3!.endpoint);
    // The plan still works at its (now direct) endpoint.
    await page.reload();
    await page.getByRole('button', { name: 'Run backup now' }).click();
    await expect
      .poll(async () => (await sql`select status from jobs where plan_id = ${slowPlanId} and kind = 'backup' order by created_at desc limit 1`)[0]?.status, { timeout: 60_000, intervals: [500] })
      .toBe('succeeded');
  });
});
