import { test, expect } from '@playwright/test';
import { hydrated, invite, join, ownerWithBot, signUp, unique } from './support';

test('dead ends have a heading, a top bar and a way back', async ({ page }) => {
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { level: 1, name: 'Not found' })).toBeVisible();
  await expect(page.locator('header.topbar').getByRole('link', { name: 'Switchboard' })).toBeVisible();
  await page.getByRole('link', { name: 'Back to your bots' }).click();
  await expect(page).toHaveURL(/\/$/);

  await page.goto('/bots/1/team');
  await expect(page.getByRole('heading', { level: 1, name: 'Please log in' })).toBeVisible();
  await expect(page.locator('header.topbar')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Log in' })).toHaveAttribute('href', '/login');
});

test('a plan change shows its exact charge and changes nothing until confirmed', async ({ page }) => {
  const botId = await ownerWithBot(page, 'Plan Bot', 'Paula Plan');

  await page.goto(`/bots/${botId}/addons`);
  await hydrated(page);
  await page.getByRole('row', { name: /^Pro/ }).getByRole('button', { name: 'Switch…' }).click();
  const preview = page.getByTestId('plan-change-preview');
  await expect(preview.getByTestId('plan-change-text')).toContainText('Upgrade to Pro now:');
  await expect(preview.getByTestId('plan-change-text')).toContainText('is charged today');
  // Nothing has changed yet.
  await expect(page.locator('.card').first().locator('.big')).toHaveText('Free');
  const confirm = preview.getByRole('button', { name: /^Confirm and pay / });
  await confirm.click();
  await expect(preview.getByRole('status')).toHaveText('Done — the plan change is saved.');
  await expect(page.locator('.card').first().locator('.big')).toHaveText('Pro');
});

test('copy the invitation link; role-true texts; a refused row action says so in its row', async ({ page, browser }) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/signup');
  await hydrated(page);
  await signUp(page, 'Olga Owner', `owner-${unique()}@example.com`);
  await page.getByLabel('Bot name').fill('Truth Bot');
  await page.getByRole('button', { name: 'Create bot' }).click();
  await expect(page).toHaveURL(/\/bots\/\d+\/inbox$/);
  const botId = new URL(page.url()).pathname.split('/')[2];

  // The link copies with one click.
  const viewerEmail = `viewer-${unique()}@example.com`;
  const viewerLink = await invite(page, botId, viewerEmail, 'Viewer');
  await expect(page.getByText(/expires \d{1,2}\s\w{3}\s\d{4} \d\d:\d\d UTC/)).toBeVisible();
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByText('Copied.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(viewerLink);

  // A Viewer can never hold a seat: the Inbox says so instead of "ask an admin".
  const viewer = await join(browser, viewerLink, 'Vera Viewer', viewerEmail);
  await expect(viewer.page.getByTestId('inbox-status')).toHaveText(
    'You can view conversations. Viewers cannot hold an Inbox seat, so replying, assigning and tagging are for Owners, Admins and Agents with a seat.',
  );
  await viewer.context.close();

  const agentEmail = `agent-${unique()}@example.com`;
  const agent = await join(browser, await invite(page, botId, agentEmail, 'Agent'), 'Abe Agent', agentEmail);
  await agent.context.close();
  const supervisorEmail = `sup-${unique()}@example.com`;
  const supervisor = await join(
    browser,
    await invite(page, botId, supervisorEmail, 'Supervisor'),
    'Sue Supervisor',
    supervisorEmail,
  );

  // A Supervisor is not sent to Add-ons, which their role cannot open: they are told who can.
  const sup = supervisor.page;
  await sup.goto(`/bots/${botId}/team`);
  await hydrated(sup);
  await expect(sup.getByRole('link', { name: 'Buy more seats in Add-ons' })).toHaveCount(0);
  await expect(sup.getByTestId('seat-detail')).toContainText('Only Owners and Admins can buy seats and change the plan.');
  const agentRow = sup.locator(`tr[data-email="${agentEmail}"]`);
  await expect(agentRow).toContainText('No free seats — Owners and Admins can buy more in Add-ons.');
  await expect(agentRow.getByRole('link', { name: 'Open Add-ons' })).toHaveCount(0);

  // Meanwhile the Owner makes the agent an Admin, above the Supervisor. The Supervisor's page
  // still offers Remove; the server refuses, and the reason appears in the row that was
  // clicked, not at the top of the page.
  await page.goto(`/bots/${botId}/team`);
  await hydrated(page);
  const ownerRow = page.locator(`tr[data-email="${agentEmail}"]`);
  await ownerRow.getByLabel('Role of Abe Agent').selectOption({ label: 'Admin' });
  await ownerRow.getByRole('button', { name: 'Change' }).click();
  await expect(ownerRow.getByLabel('Role of Abe Agent')).toHaveValue('admin');

  await agentRow.getByText('Remove', { exact: true }).click();
  await agentRow.getByRole('button', { name: 'Yes, remove Abe Agent' }).click();
  await expect(agentRow.locator('.row-error')).toHaveText('You cannot change a member whose role is above yours.');
  await expect(sup.locator('.row-error')).toHaveCount(1);
  await supervisor.context.close();
});

test('the team page: switcher names match, roles fit at 1280 px, search keeps the app', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/signup');
  await hydrated(page);
  await signUp(page, 'Rita Roles', `rita-${unique()}@example.com`);
  await page.getByLabel('Bot name').fill('Layout Bot');
  await page.getByRole('button', { name: 'Create bot' }).click();
  await expect(page).toHaveURL(/\/bots\/\d+\/inbox$/);
  const botId = new URL(page.url()).pathname.split('/')[2];
  await invite(page, botId, `x-${unique()}@example.com`, 'Agent');

  // WCAG 2.5.3: the switcher's accessible name contains its visible text.
  const switcher = page.locator('.bot-switcher summary');
  const visible = (await switcher.textContent())!.trim();
  expect(await switcher.getAttribute('aria-label')).toContain(visible);

  // The Roles help scrolls inside its box; the page itself does not get wider than the window.
  await page.getByText('Roles', { exact: true }).click();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  // Searching members is a router navigation: the page (and its state) is not reloaded.
  await page.evaluate(() => ((window as any).__stillHere = true));
  await page.getByLabel('Search members').fill('rita');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/q=rita/);
  await expect(page.getByTestId('member-range')).toHaveText('Members 1–1 of 1');
  expect(await page.evaluate(() => (window as any).__stillHere)).toBe(true);
});
