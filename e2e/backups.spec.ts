import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ensureAdmin, inviteUser, uniqueEmail } from './support/accounts';

const ROOT = process.env.E2E_ROOT_DIR!;
const tag = crypto.randomBytes(3).toString('hex');
const SRC = path.join(ROOT, `photos-${tag}`);
const PASSPHRASE = 'e2e backup passphrase';
const SHOTS = path.join('test-results', 'screens');

/** Every file under `dir` as relative path → sha256. */
function digestTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

async function shoot(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Waits until the newest job view on the page shows `status`. */
async function waitForJob(page: Page, status: string, timeout = 120_000): Promise<void> {
  await expect(page.getByTestId('job-progress').last()).toHaveAttribute('data-status', status, { timeout });
}

test.describe.serial('backups', () => {
  let planUrl = '';
  let snapshotUrl = '';
  let snapshotId = '';
  let jobId = '';

  test.beforeAll(() => {
    fs.mkdirSync(path.join(SRC, 'nested', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(SRC, 'readme.txt'), 'Coffer end-to-end test\n');
    fs.writeFileSync(path.join(SRC, 'nested', 'Ünïcødé – ✓ 名前.txt'), 'unicode name\n');
    fs.writeFileSync(path.join(SRC, 'nested', 'deeper', 'empty'), '');
    fs.writeFileSync(path.join(SRC, 'big.bin'), crypto.randomBytes(20 * 1024 * 1024));
    fs.writeFileSync(path.join(SRC, 'skip.tmp'), 'excluded');
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  test('creates an encrypted, compressed plan and runs it to 100 %', async ({ page }) => {
    test.setTimeout(240_000);
    await ensureAdmin(page);
    await page.goto('/dashboard');
    await shoot(page, 'dashboard-before');
    await page.getByRole('link', { name: 'New backup' }).first().click();
    await expect(page).toHaveURL(/\/backups\/new/);
    await page.getByLabel('Name').fill(`Photos ${tag}`);
    await page.getByLabel('Source paths (one per line)').fill(SRC);
    await page.getByLabel('Exclude patterns').fill('*.tmp');
    await expect(page.getByLabel('Compress')).toBeChecked();
    await expect(page.getByLabel('Encrypt')).toBeChecked();
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByLabel('Confirm passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page).toHaveURL(/\/backups\/[0-9a-f-]{36}/, { timeout: 30_000 });
    planUrl = new URL(page.url()).pathname;

    await page.getByLabel('Passphrase').fill('not the passphrase');
    await page.getByRole('button', { name: 'Run backup now' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'That passphrase is wrong' })).toBeVisible();
    await expect(page.getByTestId('job-progress')).toHaveCount(0);
    await page.getByLabel('Passphrase').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Run backup now' }).click();
    const bar = page.getByRole('progressbar', { name: 'Backup progress' });
    await expect(bar).toBeVisible();
    await waitForJob(page, 'succeeded');
    await expect(bar).toHaveAttribute('aria-valuenow', '100');
    jobId = (await page.getByTestId('job-progress').last().getAttribute('data-job-id'))!;
    await expect(page.getByRole('status').filter({ hasText: 'Bytes added' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('table')).toContainText('4');
  });

  test('refuses sources outside the allowed roots, naming the path', async ({ page }) => {
    await ensureAdmin(page);
    await page.goto('/backups/new');
    await page.getByRole('button', { name: 'Browse folders on the server' }).click();
    const root = fs.realpathSync(ROOT);
    await page.getByRole('button', { name: `Open ${root}` }).click();
    await page.getByRole('button', { name: `Add ${path.join(root, path.basename(SRC))}`, exact: true }).click();
    await expect(page.getByLabel('Source paths (one per line)')).toHaveValue(path.join(root, path.basename(SRC)));
    await page.getByLabel('Name').fill('Outside');
    await page.getByLabel('Source paths (one per line)').fill(`/etc\n${path.join(ROOT, 'missing-folder')}`);
    await page.getByLabel('Encrypt').uncheck();
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page.getByText('"/etc" is outside the folders')).toBeVisible();
    await expect(page.getByText(`"${path.join(ROOT, 'missing-folder')}" does not exist.`)).toBeVisible();
  });

  test('browses the snapshot and restores it to another folder byte for byte', async ({ page }) => {
    test.setTimeout(180_000);
    await ensureAdmin(page);
    await page.goto(planUrl);
    await page.getByRole('table').getByRole('link').first().click();
    await expect(page).toHaveURL(/\/snapshots\/[0-9a-f-]{36}/);
    snapshotUrl = new URL(page.url()).pathname;
    snapshotId = snapshotUrl.split('/').pop()!;
    const top = path.basename(SRC);
    await page.getByRole('button', { name: `Open ${top}` }).click();
    await page.getByRole('button', { name: 'Open nested' }).click();
    await expect(page.getByText('Ünïcødé – ✓ 名前.txt')).toBeVisible();
    await page.getByPlaceholder('Search by name').fill('ünïcødé');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByRole('tree', { name: 'Search results' })).toContainText('Ünïcødé – ✓ 名前.txt');
    await shoot(page, 'snapshot-browser');

    const target = path.join(ROOT, `restored-${tag}`);
    await page.getByLabel('Target folder').fill(target);
    await page.getByLabel('If a file exists').selectOption({ label: 'Skip' });
    await page.getByRole('button', { name: 'Restore' }).click();
    await waitForJob(page, 'succeeded');
    const expected = digestTree(SRC);
    expected.delete('skip.tmp');
    expect(digestTree(path.join(target, top))).toEqual(expected);
  });

  for (const format of ['zip', 'tar.gz'] as const) {
    test(`downloads a .${format} that matches the source`, async ({ page }) => {
      test.setTimeout(120_000);
      await ensureAdmin(page);
      await page.goto(snapshotUrl);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: `Download .${format}` }).click()]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^Photos ${tag}-.*\\.${format.replace('.', '\\.')}$`));
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-dl-'));
      const file = path.join(dir, `archive.${format}`);
      await download.saveAs(file);
      const out = path.join(dir, 'out');
      fs.mkdirSync(out);
      if (format === 'zip') {
        execFileSync('unzip', ['-t', file]);
        execFileSync('unzip', ['-q', file, '-d', out]);
      } else {
        expect(execFileSync('tar', ['-tzf', file]).toString()).toContain('big.bin');
        execFileSync('tar', ['-xzf', file, '-C', out]);
      }
      const expected = digestTree(SRC);
      expected.delete('skip.tmp');
      expect(digestTree(path.join(out, path.basename(SRC)))).toEqual(expected);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  test('backs up two files dropped on the plan page', async ({ page }) => {
    test.setTimeout(120_000);
    await ensureAdmin(page);
    await page.goto(planUrl);
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['first dropped file\n'], 'dropped-one.txt', { type: 'text/plain' }));
      // Over 10 MB: Next's proxy would buffer and cut such a body, so this proves the upload streams past it.
      dt.items.add(new File([new Uint8Array(12 * 1024 * 1024).fill(7)], 'dropped-two.bin'));
      return dt;
    });
    await page.getByTestId('upload-dropzone').dispatchEvent('drop', { dataTransfer });
    await expect(page.getByText('2 files selected')).toBeVisible();
    await page.getByRole('button', { name: 'Upload and back up' }).click();
    await waitForJob(page, 'succeeded');
    await page.reload();
    await page.getByRole('table').getByRole('link').first().click();
    await page.getByRole('button', { name: 'Open uploads' }).click();
    await expect(page.getByText('dropped-one.txt')).toBeVisible();
    await expect(page.getByRole('treeitem', { name: /dropped-two\.bin/ })).toContainText('12 MiB');
  });

  test('cancels a long run, leaving a repository that passes check', async ({ page }) => {
    test.setTimeout(240_000);
    const long = path.join(ROOT, `long-${tag}`);
    fs.mkdirSync(long, { recursive: true });
    // Random data (no deduplication, no compression) keeps the backup busy for several seconds.
    const block = Buffer.alloc(64 * 1024 * 1024);
    for (let i = 0; i < 24; i++) {
      crypto.randomFillSync(block);
      fs.writeFileSync(path.join(long, `random-${i}.bin`), block);
    }
    await ensureAdmin(page);
    await page.goto('/backups/new');
    await page.getByLabel('Name').fill(`Long ${tag}`);
    await page.getByLabel('Source paths (one per line)').fill(long);
    await page.getByLabel('Encrypt').uncheck();
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page).toHaveURL(/\/backups\/[0-9a-f-]{36}/, { timeout: 30_000 });
    await page.getByRole('button', { name: 'Run backup now' }).click();
    await waitForJob(page, 'running', 60_000);
    await expect(page.getByRole('progressbar', { name: 'Backup progress' })).toHaveAttribute('aria-valuenow', /\d+/);
    await shoot(page, 'running-job');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await waitForJob(page, 'cancelled');
    await page.getByRole('button', { name: 'Delete plan' }).click();
    const location = /repository at (\S+) is kept/.exec((await page.getByRole('note').textContent()) ?? '')?.[1];
    expect(location).toBeTruthy();
    execFileSync(process.execPath, ['bin/coffer.mjs', 'check', '--repo', location!, '--read-data'], { stdio: 'pipe' });
    await page.getByLabel('Also remove the repository and every snapshot in it').check();
    await page.getByRole('button', { name: 'Delete plan and repository' }).click();
    await expect(page).toHaveURL(/\/dashboard\?deleted=removed/);
    await expect(page.getByRole('status')).toContainText('The plan and its repository were deleted.');
    expect(fs.existsSync(location!)).toBe(false);
    fs.rmSync(long, { recursive: true, force: true });
  });

  test('the dashboard lists the plan with its last run', async ({ page }) => {
    await ensureAdmin(page);
    await page.goto('/dashboard');
    await expect(page.getByRole('link', { name: `Photos ${tag}`, exact: true })).toBeVisible();
    await expect(page.getByText('Repository size')).toBeVisible();
    await shoot(page, 'dashboard');
  });

  test("another user gets 404 for the first user's plan, snapshot, job and download", async ({ browser }) => {
    test.setTimeout(120_000);
    const other = await inviteUser(browser, { name: 'Other Person', email: uniqueEmail('other'), password: 'other has a long passphrase' });
    for (const url of [planUrl, snapshotUrl, `/jobs/${jobId}`]) {
      const res = await other.goto(url);
      expect(res?.status()).toBe(404);
      await expect(other.getByRole('heading', { name: 'Not found' })).toBeVisible();
    }
    const planId = planUrl.split('/')[2];
    for (const api of [
      `/api/snapshots/${snapshotId}/download?format=zip`,
      `/api/snapshots/${snapshotId}/tree?path=`,
      `/api/snapshots/${snapshotId}/search?q=a`,
      `/api/jobs/${jobId}`,
      `/api/snapshots/${crypto.randomUUID()}/download?format=zip`,
    ]) {
      expect((await other.request.get(api)).status(), api).toBe(404);
    }
    expect((await other.request.put(`/api/uploads/${planId}?batch=${crypto.randomUUID()}&path=x.txt`, { data: 'x' })).status()).toBe(404);
    expect((await other.request.post(`/api/uploads/${planId}?batch=${crypto.randomUUID()}`, { data: {} })).status()).toBe(404);
    await other.context().close();
  });
});
