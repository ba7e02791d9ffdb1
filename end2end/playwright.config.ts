import { defineConfig } from '@playwright/test';
import * as path from 'path';

// Runs against the release build made by `.ci/build.sh`, in Debian's Chromium (never a
// downloaded browser), with a fresh SQLite file per run.
const port = Number(process.env.E2E_PORT ?? 3107);
const root = path.resolve(__dirname, '..');
const dataDir = path.join(root, 'target', 'e2e');

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  outputDir: path.join(root, 'target', 'e2e-results'),
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: `rm -rf "${dataDir}" && mkdir -p "${dataDir}" && exec "${path.join(root, 'target', 'release', 'switchboard')}"`,
    cwd: root,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      SWITCHBOARD_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: `sqlite://${dataDir}/switchboard.db`,
      SWITCHBOARD_SITE_ROOT: path.join(root, 'target', 'site'),
      RUST_LOG: 'warn',
    },
  },
});
