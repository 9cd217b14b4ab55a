import { expect, test } from '@playwright/test';
import { ADMIN, ensureAdmin, inviteUser, signIn, uniqueEmail } from './support/accounts';

test.describe('access control', () => {
  test('redirects unauthenticated requests for app pages to /login', async ({ page, request }) => {
    for (const path of ['/dashboard', '/settings', '/backups/new', '/jobs/00000000-0000-0000-0000-000000000000']) {
      const res = await request.get(path, { maxRedirects: 0 });
      expect(res.status()).toBe(307);
      expect(res.headers().location).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    await page.goto('/settings');
    await expect(page).toHaveURL(/\/login\?next=%2Fsettings$/);
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  });

  test('treats a forged session cookie as no session', async ({ page, context }) => {
    await context.addCookies([{ name: 'coffer.session', value: 'forged.token.value', url: process.env.E2E_BASE_URL }]);
    await page.goto('/dashboard');
    await expect(page).toHaveURL(/\/login\?next=%2Fdashboard$/);
  });

  test('a second user sees only their own account and cannot administer', async ({ browser }) => {
    const user = { name: 'Bea Second', email: uniqueEmail('bea'), password: 'bea has a long passphrase' };
    const page = await inviteUser(browser, user);
    await expect(page.getByTestId('current-user')).toHaveText(user.name);
    await page.goto('/settings');
    await expect(page.getByLabel('Name')).toHaveValue(user.name);
    await expect(page.getByRole('heading', { name: 'Administration' })).toHaveCount(0);
    await expect(page.getByText(ADMIN.email)).toHaveCount(0);
    await page.context().close();
  });

  test('a password change ends the other sessions of the account at their next request', async ({ browser }) => {
    const user = { name: 'Pat Change', email: uniqueEmail('change'), password: 'pat has a long passphrase' };
    const first = await inviteUser(browser, user);
    const second = await (await browser.newContext()).newPage();
    await signIn(second, user.email, user.password);

    await first.goto('/settings');
    await first.getByLabel('Current password').fill(user.password);
    await first.getByLabel('New password').fill('pat has a newer passphrase');
    await first.getByLabel('Confirm password').fill('pat has a newer passphrase');
    await first.getByRole('button', { name: 'Change password' }).click();
    await expect(first.getByRole('status').filter({ hasText: 'Your password was changed.' })).toBeVisible();

    await second.goto('/dashboard');
    await expect(second).toHaveURL(/\/login\?next=%2Fdashboard$/);
    await first.goto('/dashboard');
    await expect(first).toHaveURL(/\/dashboard$/);
    await first.context().close();
    await second.context().close();
  });

  test('"Sign out of all other sessions" keeps this one and ends the others', async ({ browser }) => {
    const user = { name: 'Oli Others', email: uniqueEmail('others'), password: 'oli has a long passphrase' };
    const first = await inviteUser(browser, user);
    const second = await (await browser.newContext()).newPage();
    await signIn(second, user.email, user.password);
    await first.goto('/settings');
    await first.getByRole('button', { name: 'Sign out of all other sessions' }).click();
    await expect(first.getByRole('status').filter({ hasText: 'Every other session was signed out.' })).toBeVisible();
    await second.reload();
    await expect(second).toHaveURL(/\/login/);
    await first.goto('/dashboard');
    await expect(first).toHaveURL(/\/dashboard$/);
    await first.context().close();
    await second.context().close();
  });

  test('the administrator can disable a user, whose session then ends', async ({ browser, page }) => {
    const user = { name: 'Dee Disabled', email: uniqueEmail('disabled'), password: 'dee has a long passphrase' };
    const victim = await inviteUser(browser, user);
    await ensureAdmin(page);
    await page.goto('/settings');
    await page.getByRole('button', { name: `Disable ${user.email}` }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The account was disabled' })).toBeVisible();
    await victim.reload();
    await expect(victim).toHaveURL(/\/login/);
    await victim.getByLabel('Email').fill(user.email);
    await victim.getByLabel('Password', { exact: true }).fill(user.password);
    await victim.getByRole('button', { name: 'Sign in' }).click();
    await expect(victim.getByRole('alert').filter({ hasText: 'Wrong email or password.' })).toBeVisible();
    await victim.context().close();
  });

  test('sends security headers with a per-request CSP nonce', async ({ request }) => {
    const a = await request.get('/login');
    const b = await request.get('/login');
    const csp = a.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toMatch(/https?:\/\//);
    expect(b.headers()['content-security-policy']).not.toBe(csp);
    expect(a.headers()['x-content-type-options']).toBe('nosniff');
    expect(a.headers()['referrer-policy']).toBe('strict-origin-when-cross-origin');
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(await a.text()).toContain(`nonce="${nonce}"`);
  });

  test('refuses cross-site state-changing requests to route handlers', async ({ request }) => {
    const crossSite = await request.post('/api/health', { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status()).toBe(403);
    const noOrigin = await request.post('/api/health', { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(noOrigin.status()).toBe(403);
    const sameOrigin = await request.post('/api/health', { headers: { origin: process.env.E2E_BASE_URL ?? '' } });
    expect(sameOrigin.status()).not.toBe(403);
  });

  test('runs pages without CSP violations', async ({ page }) => {
    const violations: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/.test(msg.text())) violations.push(msg.text());
    });
    await ensureAdmin(page);
    await page.goto('/settings');
    await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
    expect(violations).toEqual([]);
  });
});
