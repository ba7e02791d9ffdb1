// Steps the browser tests share: sign up, make a bot, invite, join.
import { expect, Page, Browser, FrameLocator } from '@playwright/test';
import { shopPort } from '../playwright.config';

export const password = 'correct horse battery';
export const unique = () => `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

/** The WebAssembly has taken over the page. */
export async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

/** Fills and sends the sign-up form already open on `page`. */
export async function signUp(page: Page, name: string, email: string) {
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
}

/** A new account that creates the demo bot and opens its Inbox (as its Owner, with a seat). */
export async function demoInbox(page: Page, ownerName: string) {
  await page.goto('/signup');
  await hydrated(page);
  await signUp(page, ownerName, `demo-${unique()}@example.com`);
  await page.getByRole('button', { name: 'Create a demo bot' }).click();
  await expect(page.getByTestId('demo-logins')).toBeVisible({ timeout: 20_000 });
  await page.getByTestId('demo-logins').getByRole('link', { name: 'open its Inbox' }).click();
  await hydrated(page);
}

/** A new account that creates a bot; returns the bot id (the page is on its Inbox). */
export async function ownerWithBot(page: Page, botName: string, ownerName = 'Olive Owner', base = ''): Promise<string> {
  await page.goto(`${base}/signup`);
  await hydrated(page);
  await signUp(page, ownerName, `owner-${unique()}@example.com`);
  await page.getByLabel('Bot name').fill(botName);
  await page.getByRole('button', { name: 'Create bot' }).click();
  await expect(page).toHaveURL(/\/bots\/\d+\/inbox$/);
  return new URL(page.url()).pathname.split('/')[2];
}

/** An invitation made in the Team tab; returns its link. */
export async function invite(page: Page, botId: string, email: string, role: string, base = ''): Promise<string> {
  await page.goto(`${base}/bots/${botId}/team`);
  await hydrated(page);
  await page.getByText('+ Assign new team member').click();
  await page.getByLabel('Invitee email').fill(email);
  await page.locator('.invite-form select[name=role]').selectOption({ label: role });
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  const link = page.getByLabel('Invitation link');
  await expect(link).toHaveValue(/\/invite\/[0-9a-f]{64}$/);
  return await link.inputValue();
}

/** A new user opens the link in their own browser context, signs up and joins. */
export async function join(browser: Browser, link: string, name: string, email: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await hydrated(page);
  await page.getByRole('link', { name: 'Sign up to join' }).click();
  await hydrated(page);
  // Arriving from the invitation, the invited email is already filled in.
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await signUp(page, name, email);
  await expect(page).toHaveURL(/\/invite\//);
  await page.getByRole('button', { name: 'Accept and join' }).click();
  await expect(page).not.toHaveURL(/\/invite\//);
  return { context, page };
}

/** The widget id, read from the embed snippet in Bot Settings > Channels. */
export async function widgetId(page: Page, botId: string): Promise<string> {
  await page.goto(`/bots/${botId}/channels`);
  await hydrated(page);
  const snippet = await page.getByTestId('embed-snippet').inputValue();
  const match = snippet.match(/data-widget="([0-9a-f]+)"/);
  expect(match).not.toBeNull();
  expect(snippet).toContain('/widget.js');
  return match![1];
}

/** A customer on the business's own site (another origin), with the snippet pasted in. */
export async function customerOnShop(browser: Browser, baseURL: string, widget: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${shopPort}/shop?widget=${widget}&switchboard=${encodeURIComponent(baseURL)}`);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  const chat: FrameLocator = page.frameLocator('iframe[title="Chat"]');
  return { context, page, chat };
}
