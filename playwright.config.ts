import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!fs.existsSync(chromium)) {
  console.error(`Chromium not found at ${chromium}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}

/** A free TCP port on 127.0.0.1, found synchronously so workers inherit it through the environment. */
function freePort(): string {
  return execFileSync(process.execPath, [
    '-e',
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
  ]).toString();
}

// Chosen once in the runner; worker processes inherit these variables.
process.env.E2E_PORT ??= freePort();
process.env.E2E_MAIL_PORT ??= freePort();
process.env.E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-e2e-'));
process.env.E2E_ROOT_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-e2e-files-'));
process.env.E2E_BASE_URL = `http://127.0.0.1:${process.env.E2E_PORT}`;
process.env.E2E_MAIL_URL = `http://127.0.0.1:${process.env.E2E_MAIL_PORT}`;

export default defineConfig({
  testDir: './e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: process.env.E2E_BASE_URL,
    trace: 'on-first-retry',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: [
    {
      command: `node e2e/support/mail-catcher.mjs ${process.env.E2E_MAIL_PORT}`,
      url: `${process.env.E2E_MAIL_URL}/__health`,
      reuseExistingServer: false,
      timeout: 15_000,
    },
    {
      command: 'node scripts/start.mjs',
      url: `${process.env.E2E_BASE_URL}/api/health`,
      reuseExistingServer: false,
      timeout: 600_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        PORT: process.env.E2E_PORT,
        HOSTNAME: '127.0.0.1',
        NODE_ENV: 'production',
        COFFER_DATA_DIR: process.env.E2E_DATA_DIR,
        COFFER_BACKUP_ROOTS: process.env.E2E_ROOT_DIR,
        COFFER_PUBLIC_URL: process.env.E2E_BASE_URL,
        RESEND_API_KEY: 're_test_local_catcher',
        RESEND_BASE_URL: process.env.E2E_MAIL_URL,
        MAIL_FROM: 'Coffer <coffer@example.test>',
        DATABASE_URL: '',
        NEXT_TELEMETRY_DISABLED: '1',
      },
    },
  ],
});
