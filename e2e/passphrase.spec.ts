import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ensureAdmin } from './support/accounts';

const ROOT = process.env.E2E_ROOT_DIR!;
const tag = crypto.randomBytes(3).toString('hex');
const SRC = path.join(ROOT, `letters-${tag}`);
const OLD = 'the first e2e passphrase';
const NEW = 'the second e2e passphrase';

async function waitForJob(page: Page, status: string, timeout = 120_000): Promise<void> {
  await expect(page.getByTestId('job-progress').last()).toHaveAttribute('data-status', status, { timeout });
}

test.describe.serial('repository passphrase', () => {
  let planUrl = '';
  const name = `Letters ${tag}`;

  test.beforeAll(() => {
    fs.mkdirSync(path.join(SRC, 'inner'), { recursive: true });
    fs.writeFileSync(path.join(SRC, 'letter.txt'), 'Dear Coffer,\n'.repeat(200));
    fs.writeFileSync(path.join(SRC, 'inner', 'data.bin'), crypto.randomBytes(300_000));
  });

  test('backs up an encrypted plan', async ({ page }) => {
    test.setTimeout(240_000);
    await ensureAdmin(page);
    await page.goto('/backups/new');
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Source paths (one per line)').fill(SRC);
    await expect(page.getByLabel('Encrypt')).toBeChecked();
    await page.getByLabel('Passphrase', { exact: true }).fill(OLD);
    await page.getByLabel('Confirm passphrase').fill(OLD);
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page).toHaveURL(/\/backups\/[0-9a-f-]{36}/, { timeout: 30_000 });
    planUrl = new URL(page.url()).pathname;
    await page.getByLabel('Passphrase').fill(OLD);
    await page.getByRole('button', { name: 'Run backup now' }).click();
    await waitForJob(page, 'succeeded');
  });

  test('changes the passphrase in Settings; a wrong current passphrase changes nothing', async ({ page }) => {
    test.setTimeout(180_000);
    await ensureAdmin(page);
    await page.goto('/settings');
    await page.getByRole('link', { name: 'Change repository passphrase' }).click();
    await expect(page).toHaveURL(/\/settings\/repository-passphrase/);
    const form = page.getByRole('form', { name: `Change the passphrase of ${name}` });
    await form.getByLabel('Current passphrase').fill('not the passphrase');
    await form.getByLabel('New passphrase', { exact: true }).fill(NEW);
    await form.getByLabel('Repeat the new passphrase').fill(NEW);
    await form.getByRole('button', { name: 'Change passphrase' }).click();
    await expect(form.getByRole('alert').filter({ hasText: 'The current passphrase is wrong' })).toBeVisible({ timeout: 60_000 });
    await form.getByLabel('Current passphrase').fill(OLD);
    await form.getByLabel('New passphrase', { exact: true }).fill(NEW);
    await form.getByLabel('Repeat the new passphrase').fill(NEW);
    await form.getByRole('button', { name: 'Change passphrase' }).click();
    await expect(form.getByText('Passphrase changed')).toBeVisible({ timeout: 90_000 });
  });

  test('refuses the old passphrase and restores with the new one', async ({ page }) => {
    test.setTimeout(240_000);
    await ensureAdmin(page);
    await page.goto(planUrl);
    await page.getByRole('table').getByRole('link').first().click();
    await expect(page).toHaveURL(/\/snapshots\/[0-9a-f-]{36}/);
    await page.getByLabel('Passphrase').fill(OLD);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'That passphrase is wrong' })).toBeVisible({ timeout: 60_000 });
    await page.getByLabel('Passphrase').fill(NEW);
    await page.getByRole('button', { name: 'Unlock' }).click();
    const target = path.join(ROOT, `letters-restored-${tag}`);
    await page.getByLabel('Target folder').fill(target);
    await page.getByRole('button', { name: 'Restore' }).click();
    await waitForJob(page, 'succeeded');
    const top = path.join(target, path.basename(SRC));
    expect(fs.readFileSync(path.join(top, 'letter.txt'))).toEqual(fs.readFileSync(path.join(SRC, 'letter.txt')));
    expect(fs.readFileSync(path.join(top, 'inner', 'data.bin'))).toEqual(fs.readFileSync(path.join(SRC, 'inner', 'data.bin')));
  });
});
