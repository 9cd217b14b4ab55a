import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ensureAdmin } from './support/accounts';

const ROOT = process.env.E2E_ROOT_DIR!;
const tag = Date.now().toString(36);
const SRC = path.join(ROOT, `scheduled-${tag}`);

test.describe.serial('schedules and retention', () => {
  test.beforeAll(() => {
    fs.mkdirSync(SRC, { recursive: true });
    fs.writeFileSync(path.join(SRC, 'notes.txt'), 'scheduled backup\n');
  });

  test('refuses a scheduled encrypted plan without a remembered passphrase', async ({ page }) => {
    await ensureAdmin(page);
    await page.goto('/backups/new');
    await page.getByLabel('Name').fill(`Refused ${tag}`);
    await page.getByLabel('Source paths (one per line)').fill(SRC);
    await page.getByLabel('Passphrase', { exact: true }).fill('a long passphrase');
    await page.getByLabel('Confirm passphrase').fill('a long passphrase');
    await page.getByLabel('Schedule', { exact: true }).selectOption('hourly');
    await expect(page.getByText('Scheduled encrypted backups need "Remember passphrase for scheduled backups"')).toBeVisible();
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'needs "Remember passphrase for scheduled backups"' })).toBeVisible();
    await expect(page).toHaveURL(/\/backups\/new/);
  });

  test('sets a daily schedule and a retention preset, and shows the next 3 runs', async ({ page }) => {
    await ensureAdmin(page);
    await page.goto('/backups/new');
    await page.getByLabel('Name').fill(`Scheduled ${tag}`);
    await page.getByLabel('Source paths (one per line)').fill(SRC);
    await page.getByLabel('Encrypt').uncheck();
    await page.getByLabel('Schedule', { exact: true }).selectOption('daily');
    await page.getByLabel('Time (HH:MM)').fill('02:30');
    const runs = page.getByRole('list', { name: 'Next runs' }).getByRole('listitem');
    await expect(runs).toHaveCount(3);
    await expect(runs.first()).toContainText('2:30');
    await page.getByLabel('Retention').selectOption('standard');
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page).toHaveURL(/\/backups\/[0-9a-f-]{36}/, { timeout: 30_000 });
    await expect(page.getByTestId('plan-schedule')).toContainText('Every day at 02:30');
    await expect(page.getByTestId('plan-retention')).toContainText('7');
  });

  test('edits the plan to a weekly schedule with a custom retention policy', async ({ page }) => {
    await ensureAdmin(page);
    await page.goto('/dashboard');
    await page.getByRole('link', { name: `Scheduled ${tag}` }).first().click();
    await expect(page).toHaveURL(/\/backups\/[0-9a-f-]{36}/);
    const edit = page.locator('section', { has: page.getByRole('heading', { name: 'Edit plan' }) });
    await edit.getByLabel('Schedule', { exact: true }).selectOption('weekly');
    await edit.getByLabel('Day').selectOption('fri');
    await edit.getByLabel('Time (HH:MM)').fill('06:15');
    const runs = edit.getByRole('list', { name: 'Next runs' }).getByRole('listitem');
    await expect(runs).toHaveCount(3);
    for (const run of await runs.all()) await expect(run).toContainText('Friday');
    await edit.getByLabel('Retention').selectOption('custom');
    await edit.getByLabel('Keep last').fill('5');
    await edit.getByLabel('Keep within').fill('bogus');
    await edit.getByRole('button', { name: 'Save schedule' }).click();
    await expect(edit.getByRole('alert')).toContainText('Check the highlighted fields');
    await edit.getByLabel('Keep within').fill('30d');
    await edit.getByRole('button', { name: 'Save schedule' }).click();
    await expect(edit.getByRole('status')).toContainText('Schedule and retention saved');
    await page.reload();
    await expect(page.getByTestId('plan-schedule')).toContainText('Every Friday at 06:15');
    await expect(page.getByTestId('plan-retention')).toContainText('5');
    await expect(page.getByTestId('plan-retention')).toContainText('30d');
  });

  test('the dashboard shows each plan\'s schedule and next run in its time zone, or Manual', async ({ page }) => {
    await ensureAdmin(page);
    await page.goto('/backups/new');
    await page.getByLabel('Name').fill(`Manual ${tag}`);
    await page.getByLabel('Source paths (one per line)').fill(SRC);
    await page.getByLabel('Encrypt').uncheck();
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page).toHaveURL(/\/backups\/[0-9a-f-]{36}/, { timeout: 30_000 });
    await page.goto('/dashboard');
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const item = (name: string) => page.getByRole('listitem').filter({ has: page.getByRole('link', { name, exact: true }) });
    const scheduled = item(`Scheduled ${tag}`).getByTestId('plan-schedule-summary');
    await expect(scheduled).toContainText('Every Friday at 06:15');
    await expect(scheduled).toHaveText(new RegExp(`· next Fri \\d{1,2} \\w{3} \\d{4}, 06:15 \\(${zone.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
    // The <time> names the same instant: a Friday, 06:15 on the plan's wall clock, in the future.
    const at = new Date((await scheduled.locator('time').getAttribute('datetime'))!);
    expect(at.getTime()).toBeGreaterThan(Date.now());
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at)).toBe('Fri 06:15');
    await expect(item(`Manual ${tag}`).getByTestId('plan-schedule-summary')).toHaveText('Manual');
    await expect(item(`Manual ${tag}`)).toContainText('Never run');
  });
});
