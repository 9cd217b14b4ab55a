import { expect, test } from '@playwright/test';
import { extractOtp, failNextEmail, waitForEmail } from './support/mail';
import { inviteUser, signOut, uniqueEmail } from './support/accounts';

test.describe('second factor', () => {
  test('when on, sign-in asks for the emailed code before granting the session', async ({ browser }) => {
    const user = { name: 'Sam Second', email: uniqueEmail('second'), password: 'a second factor passphrase' };
    const page = await inviteUser(browser, user);
    await page.goto('/settings');
    await page.getByRole('button', { name: 'Turn on email codes at sign-in' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Sign-in now asks for a code' })).toBeVisible();
    await signOut(page);

    // The account is proven by the password here, so a mail failure is shown, not hidden.
    await failNextEmail();
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'We could not send the code.' })).toBeVisible();
    await expect(page).toHaveURL(/\/login/);

    const after = Date.now();
    await page.goto('/login');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/verify-otp$/);
    await expect(page.getByText(`We sent a 6-digit code to ${user.email}.`)).toBeVisible();

    // No session yet: the app still sends this browser to the sign-in page.
    await page.goto('/dashboard');
    await expect(page).toHaveURL(/\/login\?next=%2Fdashboard$/);
    await page.goto('/verify-otp');

    const code = extractOtp((await waitForEmail(user.email, { subject: /sign-in code/, after })).text);
    await page.getByLabel('Code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId('current-user')).toHaveText(user.name);
    await page.context().close();
  });
});
