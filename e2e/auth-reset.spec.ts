import { expect, test, type Page } from '@playwright/test';
import { extractOtp, waitForEmail } from './support/mail';
import { inviteUser, signIn, uniqueEmail } from './support/accounts';

async function requestCode(page: Page, email: string): Promise<string> {
  const after = Date.now();
  await page.goto('/forgot-password');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send code' }).click();
  await expect(page).toHaveURL(/\/verify-otp$/);
  const mail = await waitForEmail(email, { subject: /reset code/, after });
  expect(mail.html).toContain('<');
  return extractOtp(mail.text);
}

/**
 * Submits a code and waits for the answer: the reset page when `accepted`, else the refusal (the form is
 * reset when the action completes, which tells one refusal from the next).
 */
async function enterCode(page: Page, code: string, accepted = false): Promise<void> {
  const field = page.getByLabel('Code');
  await field.fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  if (accepted) {
    await expect(page).toHaveURL(/\/reset-password$/);
    return;
  }
  await expect(field).toHaveValue('');
  await expect(page.getByRole('alert').filter({ hasText: 'That code is not valid.' })).toBeVisible();
}

test.describe('forgot password', () => {
  test('resets the password with the emailed code; the new password works and the old does not', async ({ browser }) => {
    const user = { name: 'Rita Reset', email: uniqueEmail('reset'), password: 'first long passphrase' };
    const page = await inviteUser(browser, user);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();

    const code = await requestCode(page, user.email);
    await enterCode(page, code, true);
    await page.getByLabel('New password').fill('second long passphrase');
    await page.getByLabel('Confirm password').fill('second long passphrase');
    await page.getByRole('button', { name: 'Reset password' }).click();
    await expect(page).toHaveURL(/\/login\?reset=1$/);
    await expect(page.getByRole('status')).toHaveText('Your password was reset. Sign in with your new password.');
    await waitForEmail(user.email, { subject: /password was reset/ });

    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Wrong email or password.' })).toBeVisible();
    await signIn(page, user.email, 'second long passphrase');

    // The reset right is single use: the reset page no longer offers the form.
    await page.goto('/reset-password');
    await expect(page.getByText('This reset has expired or was already used.')).toBeVisible();
    await page.context().close();
  });

  test('refuses a code that was already used', async ({ browser }) => {
    const user = { name: 'Uma Used', email: uniqueEmail('reuse'), password: 'first long passphrase' };
    const page = await inviteUser(browser, user);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    const code = await requestCode(page, user.email);
    const flowCookie = (await page.context().cookies()).filter((c) => c.name.endsWith('coffer.flow'));
    expect(flowCookie).toHaveLength(1);
    await enterCode(page, code, true);

    // Replay: put back the cookie that was waiting for this code, and send the same code again.
    await page.context().addCookies(flowCookie);
    await page.goto('/verify-otp');
    await enterCode(page, code);
    await expect(page).toHaveURL(/\/verify-otp$/);
    await page.context().close();
  });

  test('refuses the right code after 5 wrong ones', async ({ browser }) => {
    const user = { name: 'Wes Wrong', email: uniqueEmail('wrong'), password: 'first long passphrase' };
    const page = await inviteUser(browser, user);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    const code = await requestCode(page, user.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await enterCode(page, wrong);
    await enterCode(page, code);
    await expect(page).toHaveURL(/\/verify-otp$/);
    await page.context().close();
  });

  test('answers an unknown email exactly like a known one', async ({ page }) => {
    await page.goto('/forgot-password');
    const email = uniqueEmail('ghost');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send code' }).click();
    await expect(page).toHaveURL(/\/verify-otp$/);
    await expect(page.getByText(`If an account exists for ${email}, we sent it a 6-digit code.`)).toBeVisible();
    await enterCode(page, '123456');
  });
});
