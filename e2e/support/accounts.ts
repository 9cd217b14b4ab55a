/**
 * Accounts for end-to-end tests. The server's database is shared by every spec of a run, and the first
 * account registered becomes the administrator, so every spec goes through `ensureAdmin` (which registers
 * ADMIN if nobody has, or signs in as ADMIN) and makes further users with `inviteUser`.
 */
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

/** The administrator every spec shares. */
export const ADMIN = { name: 'Ada Admin', email: 'admin@example.test', password: 'admin passphrase for e2e' };

/** A fresh, unique email for a test user. */
export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}@example.test`;
}

/** Signs in on `page` and waits for the dashboard (or the `next` page). */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/dashboard/);
}

/** Signs out from the header and waits for the sign-in page. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/login/);
}

/** Fills and submits the registration form on the current page. */
export async function fillRegistration(page: Page, user: { name: string; email: string; password: string }): Promise<void> {
  await page.getByLabel('Name').fill(user.name);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByLabel('Confirm password').fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

/**
 * Leaves `page` signed in as ADMIN: registers ADMIN when no account exists yet, else signs in. Returns true
 * when this call created the administrator.
 */
export async function ensureAdmin(page: Page): Promise<boolean> {
  await page.goto('/register');
  const first = page.getByText('This is the first account');
  if (await first.isVisible()) {
    await fillRegistration(page, ADMIN);
    await expect(page).toHaveURL(/\/dashboard/);
    return true;
  }
  await signIn(page, ADMIN.email, ADMIN.password);
  return false;
}

type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;
let adminState: StorageState | undefined;

/** A context signed in as ADMIN, showing /settings; reuses this worker's saved admin session when it still works. */
async function adminSettings(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  if (adminState) {
    const context = await browser.newContext({ storageState: adminState });
    const page = await context.newPage();
    await page.goto('/settings');
    if (new URL(page.url()).pathname === '/settings') return { context, page };
    await context.close();
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  await ensureAdmin(page);
  adminState = await context.storageState();
  await page.goto('/settings');
  return { context, page };
}

/**
 * Creates a user through an invitation link made by the administrator, in a browser context of its own;
 * returns that signed-in page (close its context when done).
 */
export async function inviteUser(browser: Browser, user: { name: string; email: string; password: string }): Promise<Page> {
  const admin = await adminSettings(browser);
  await admin.page.getByRole('button', { name: 'Create invitation link' }).click();
  const link = await admin.page.getByLabel('Invitation link').inputValue();
  await admin.context.close();

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await fillRegistration(page, user);
  await expect(page).toHaveURL(/\/dashboard/);
  return page;
}
