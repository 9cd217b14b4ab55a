import { expect, test } from '@playwright/test';

test.describe('welcome page', () => {
  test('shows the product name and what it does', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Coffer' })).toBeVisible();
    await expect(page.getByText(/back them up compressed and encrypted/i)).toBeVisible();
    await expect(page.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
  });

  test('health endpoint answers ok with the database up', async ({ request }) => {
    const res = await request.get('/api/health');
    expect(res.status()).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', db: 'ok' });
  });

  test('loads no asset from another origin', async ({ page }) => {
    const foreign: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(process.env.E2E_BASE_URL ?? '') && !req.url().startsWith('data:')) foreign.push(req.url());
    });
    await page.goto('/');
    await page.waitForLoadState('networkidle');
    expect(foreign).toEqual([]);
  });
});
