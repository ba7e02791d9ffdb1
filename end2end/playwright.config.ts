import { defineConfig } from '@playwright/test';
import * as path from 'path';

// Runs against the release build made by `.ci/build.sh`, in Debian's Chromium (never a
// downloaded browser), with a fresh SQLite file per run.
const port = Number(process.env.E2E_PORT ?? 3107);
// A second server whose invitation links expire after 2 seconds, for the expired-link page.
export const shortTtlPort = port + 1;
// A business's website on another origin, for the embedded chat widget.
export const shopPort = port + 2;
const root = path.resolve(__dirname, '..');
const dataDir = path.join(root, 'target', 'e2e');
const binary = path.join(root, 'target', 'release', 'switchboard');

function server(listen: number, dir: string, extra: Record<string, string> = {}) {
  return {
    command: `rm -rf "${dir}" && mkdir -p "${dir}" && exec "${binary}"`,
    cwd: root,
    url: `http://127.0.0.1:${listen}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    env: {
      SWITCHBOARD_ADDR: `127.0.0.1:${listen}`,
      DATABASE_URL: `sqlite://${dir}/switchboard.db`,
      SWITCHBOARD_MEDIA_DIR: `${dir}/media`,
      SWITCHBOARD_SITE_ROOT: path.join(root, 'target', 'site'),
      RUST_LOG: 'warn',
      // Every browser test signs up from 127.0.0.1; the per-address limit has its own HTTP test.
      SWITCHBOARD_SIGNUPS_PER_HOUR: '1000',
      ...extra,
    },
  };
}

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
  webServer: [
    server(port, dataDir),
    server(shortTtlPort, `${dataDir}-short-ttl`, { SWITCHBOARD_INVITATION_TTL_SECONDS: '2' }),
    {
      command: `node shop-server.js ${shopPort}`,
      cwd: __dirname,
      url: `http://127.0.0.1:${shopPort}/healthz`,
      reuseExistingServer: false,
      timeout: 10_000,
    },
  ],
});
