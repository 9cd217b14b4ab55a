import { expect, test } from '@playwright/test';
import { ADMIN, ensureAdmin, fillRegistration, signIn, signOut, uniqueEmail } from './support/accounts';

test.describe.configure({ mode: 'serial' });

test.describe('register, sign out, sign in', () => {
  test('registers the first user as the administrator', async ({ page }) => {
    const created = await ensureAdmin(page);
    // Only the first spec of a run meets an empty database; later ones sign in as the same administrator.
    test.info().annotations.push({ type: 'first account', description: created ? 'registered here' : 'registered earlier in this run' });
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId('current-user')).toHaveText(ADMIN.name);
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByRole('heading', { name: 'Administration' })).toBeVisible();
    await expect(page.getByRole('cell', { name: ADMIN.email })).toBeVisible();
  });

  test('closes registration to others once the administrator exists', async ({ page }) => {
    await page.goto('/register');
    await expect(page.getByRole('heading', { name: 'Registration is closed' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create account' })).toHaveCount(0);
  });

  test('refuses a common or short password at registration by invitation', async ({ page, browser }) => {
    await ensureAdmin(page);
    await page.goto('/settings');
    await page.getByRole('button', { name: 'Create invitation link' }).click();
    const link = await page.getByLabel('Invitation link').inputValue();
    const guest = await (await browser.newContext()).newPage();
    await guest.goto(link);
    await fillRegistration(guest, { name: 'Weak', email: uniqueEmail('weak'), password: 'password123' });
    await expect(guest.getByText('This password is too common')).toBeVisible();
    const password = guest.getByLabel('Password', { exact: true });
    await expect(password).toHaveAttribute('aria-invalid', 'true');
    await expect(password).toHaveValue('');
    await guest.context().close();
  });

  test('signs out from the header, and app pages then send to /login', async ({ page }) => {
    await ensureAdmin(page);
    await signOut(page);
    await expect(page.getByRole('status')).toHaveText('You are signed out.');
    await page.goto('/dashboard');
    await expect(page).toHaveURL(/\/login\?next=%2Fdashboard$/);
  });

  test('signs in and lands on the dashboard, honouring a same-site next', async ({ page }) => {
    await page.goto('/login?next=%2Fsettings');
    await page.getByLabel('Email').fill(ADMIN.email.toUpperCase());
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await signOut(page);
    await signIn(page, ADMIN.email, ADMIN.password);
    await expect(page).toHaveURL(/\/dashboard$/);
  });

  test('ignores a next that leads off the site', async ({ page }) => {
    await page.goto('/login?next=https%3A%2F%2Fevil.example%2F');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/dashboard$/);
  });

  test('shows the same message for a wrong password and an unknown email', async ({ page }) => {
    const messages: string[] = [];
    for (const [email, password] of [
      [ADMIN.email, 'not the right password'],
      [uniqueEmail('nobody'), 'not the right password'],
    ] as const) {
      await page.goto('/login');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'Wrong email or password.' });
      await expect(alert).toBeVisible();
      messages.push((await alert.textContent()) ?? '');
      await expect(page).toHaveURL(/\/login/);
      await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
    }
    expect(messages[0]).toBe(messages[1]);
  });
});
