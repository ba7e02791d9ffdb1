// Two real server processes on one Postgres database, as behind a load balancer: a customer
// chatting through process B and an agent's browser connected to process A see each other's
// messages live. Runs whenever Postgres answers (CI requires it), skipped otherwise.
import { test, expect } from '@playwright/test';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import { customerOnShop, hydrated, ownerWithBot, unique } from './support';

const root = path.resolve(__dirname, '..', '..');
const binary = path.join(root, 'target', 'release', 'switchboard');
const basePort = Number(process.env.E2E_PORT ?? 3107);
const ports = [basePort + 3, basePort + 4];
const adminUrl = process.env.SWITCHBOARD_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `switchboard_e2e_${unique().replace('-', '_')}`;
const databaseUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
})();

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 5432) });
    socket.setTimeout(3000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function healthy(port: number, server: ChildProcess) {
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`the server on port ${port} exited with ${server.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server on port ${port} did not come up`);
}

const servers: ChildProcess[] = [];
let usable = false;

test.beforeAll(async () => {
  usable = await reachable(adminUrl);
  if (!usable) {
    if (process.env.CI === 'true') throw new Error(`CI requires Postgres at ${adminUrl}`);
    return;
  }
  execFileSync('psql', [adminUrl, '-qc', `CREATE DATABASE ${database}`]);
  // One process first (it migrates the fresh database), then the second.
  for (const port of ports) {
    const server = spawn(binary, [], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        SWITCHBOARD_ADDR: `127.0.0.1:${port}`,
        DATABASE_URL: databaseUrl,
        // Several processes share one media folder (README).
        SWITCHBOARD_MEDIA_DIR: path.join(root, 'target', 'e2e-pg', 'media'),
        SWITCHBOARD_SITE_ROOT: path.join(root, 'target', 'site'),
        SWITCHBOARD_SIGNUPS_PER_HOUR: '1000',
        RUST_LOG: 'warn',
      },
    });
    servers.push(server);
    await healthy(port, server);
  }
});

test.afterAll(async () => {
  for (const server of servers) {
    if (server.exitCode === null) {
      // A clean stop (open live streams end at once); killed if it takes too long.
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
      if (!stopped) {
        server.kill('SIGKILL');
        await exited;
      }
    }
  }
  if (usable) execFileSync('psql', [adminUrl, '-qc', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`]);
});

test('with two processes on Postgres, a customer on one and an agent on the other chat live', async ({
  page,
  browser,
}) => {
  test.skip(!usable, `no Postgres at ${adminUrl}`);
  const [a, b] = ports.map((port) => `http://127.0.0.1:${port}`);

  // The agent works on process A.
  const botId = await ownerWithBot(page, 'Two Rooms', 'Ali Owner', a);
  await page.goto(`${a}/bots/${botId}/channels`);
  await hydrated(page);
  const widget = (await page.getByTestId('embed-snippet').inputValue()).match(/data-widget="([0-9a-f]+)"/)![1];
  await page.goto(`${a}/bots/${botId}/inbox`);
  await hydrated(page);
  await expect(page.locator('.live-dot.on')).toBeVisible();

  // The customer's widget is served by process B.
  const customer = await customerOnShop(browser, b, widget);
  const chat = customer.chat;
  await expect(chat.getByRole('heading', { name: 'Chat with Two Rooms' })).toBeVisible();
  await chat.getByLabel('Your name').fill('Bea Across');
  await chat.getByRole('textbox', { name: 'Message' }).fill('Hello from the other process');
  await chat.getByRole('textbox', { name: 'Message' }).press('Enter');
  await chat.getByRole('button', { name: 'Talk to a person' }).click();

  // Ingested at B, it appears at A without a reload.
  const row = page.locator('.row', { hasText: 'Bea Across' });
  await expect(row).toBeVisible();
  await row.getByRole('link').click();
  const thread = page.locator('.thread');
  await expect(thread.locator('.msg.customer .body')).toHaveText('Hello from the other process');

  // The agent's reply, written at A, reaches the widget at B live; and back again.
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('Hi Bea, A here.');
  await box.press('Enter');
  await expect(chat.locator('.msg.from-agent')).toContainText('Hi Bea, A here.');
  await chat.getByRole('textbox', { name: 'Message' }).fill('And B again');
  await chat.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(thread.locator('.msg.customer').last()).toContainText('And B again');
  await customer.context.close();
});
