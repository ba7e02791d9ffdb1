import { test, expect, Page } from '@playwright/test';
import { customerOnShop, demoInbox, hydrated, invite, join, ownerWithBot as newOwnerWithBot, signUp, unique, widgetId } from './support';

/** Ali owns a new bot (the threads below name him). */
const ownerWithBot = (page: Page, botName: string) => newOwnerWithBot(page, botName, 'Ali Owner');

test('a customer on another site and an agent chat live both ways; customer HTML stays text', async ({
  page,
  browser,
  baseURL,
}) => {
  const botId = await ownerWithBot(page, 'Acme Shoes');
  const widget = await widgetId(page, botId);
  await page.goto(`/bots/${botId}/inbox`);
  await hydrated(page);
  await expect(page.locator('.live-dot.on')).toBeVisible();

  const customer = await customerOnShop(browser, baseURL!, widget);
  const chat = customer.chat;
  await expect(chat.getByRole('heading', { name: 'Chat with Acme Shoes' })).toBeVisible();
  await chat.getByLabel('Your name').fill('Carla Customer');
  await chat.getByRole('textbox', { name: 'Message' }).fill('Where is my order <img src=x onerror="window.__xss=1">?');
  await chat.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(chat.locator('.msg.from-customer')).toContainText('Where is my order <img');
  await chat.getByRole('button', { name: 'Talk to a person' }).click();

  // The agent's Open list shows it without a reload, marked as asking for an agent.
  const row = page.locator('.row', { hasText: 'Carla Customer' });
  await expect(row).toBeVisible();
  await expect(row.locator('.badge.ask')).toHaveText('asked for an agent');
  await row.getByRole('link').click();
  const thread = page.locator('.thread');
  await expect(thread.locator('.msg.customer .body')).toHaveText('Where is my order <img src=x onerror="window.__xss=1">?');
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();

  // The customer types: the agent sees it.
  await chat.getByRole('textbox', { name: 'Message' }).pressSequentially('one more thing', { delay: 20 });
  await expect(page.locator('.typing')).toContainText('is typing…');

  // The agent types: the customer sees it.
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.pressSequentially('Hi Carla', { delay: 20 });
  await expect(chat.locator('.chat-typing')).toHaveText('Ali Owner is typing…');

  // The agent replies with Enter; the customer sees it live.
  await box.fill('Hi Carla, it ships today.');
  await box.press('Enter');
  await expect(box).toHaveValue('');
  await expect(chat.locator('.msg.from-agent')).toContainText('Hi Carla, it ships today.');
  await expect(chat.locator('.msg.from-agent .who')).toHaveText('Ali Owner');
  await expect(thread.locator('.msg.agent')).toHaveCount(1);

  // An internal note never reaches the customer.
  await page.getByRole('button', { name: 'Internal note' }).click();
  await box.fill('VIP — be nice');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(thread.locator('.msg.note')).toContainText('VIP — be nice');
  await chat.getByRole('textbox', { name: 'Message' }).fill('Thanks!');
  await chat.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(thread.locator('.msg.customer').last()).toContainText('Thanks!');
  await expect(chat.locator('.msg', { hasText: 'VIP' })).toHaveCount(0);

  // Close: the system event appears in the thread.
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(thread.locator('.msg.system').last()).toHaveText(/Closed by Ali Owner/);
  await customer.context.close();
});

test('a seatless viewer sees the conversation with the reply box disabled; a team member finds the team queue', async ({
  page,
  browser,
  baseURL,
}) => {
  const botId = await ownerWithBot(page, 'Team Bot');
  const widget = await widgetId(page, botId);
  const customer = await customerOnShop(browser, baseURL!, widget);
  await customer.chat.getByRole('textbox', { name: 'Message' }).fill('Billing question');
  await customer.chat.getByRole('textbox', { name: 'Message' }).press('Enter');
  await customer.chat.getByRole('button', { name: 'Talk to a person' }).click();
  await expect(customer.chat.getByRole('button', { name: 'Talk to a person' })).toBeHidden();

  const viewerEmail = `vic-${unique()}@example.com`;
  const viewer = await join(browser, await invite(page, botId, viewerEmail, 'Viewer'), 'Vic Viewer', viewerEmail);

  // Owner makes a team with the viewer in it and assigns the conversation to it.
  await page.goto(`/bots/${botId}/team/teams`);
  await hydrated(page);
  await page.getByLabel('New team').fill('Billing');
  await page.getByRole('button', { name: 'Create team' }).click();
  const card = page.locator('.team-card', { hasText: 'Billing' });
  await card.getByLabel('Add a member to Billing').selectOption({ label: 'Vic Viewer' });
  await card.getByRole('button', { name: 'Add' }).click();
  await expect(card.locator('.team-members')).toContainText('Vic Viewer');
  await page.goto(`/bots/${botId}/inbox`);
  await hydrated(page);
  await page.locator('.row', { hasText: 'Billing question' }).getByRole('link').click();
  await page.getByLabel('Assign to team').selectOption({ label: 'Billing' });
  await page.getByRole('button', { name: 'Assign team' }).click();
  await expect(page.locator('.thread .msg.system').last()).toHaveText(/Assigned to the Billing team by Ali Owner/);

  // The viewer filters by the team and opens it: everything visible, nothing actionable.
  const v = viewer.page;
  await v.goto(`/bots/${botId}/inbox`);
  await hydrated(v);
  await v.locator('.filters.teams').getByRole('link', { name: 'Billing' }).click();
  const row = v.locator('.row', { hasText: 'Billing question' });
  await expect(row.locator('.assignee')).toHaveText('Team Billing');
  await row.getByRole('link').click();
  await expect(v.locator('.thread .msg.customer')).toContainText('Billing question');
  // The owner still has it open.
  await expect(v.getByTestId('also-viewing')).toHaveText('Also viewing: Ali Owner');
  // The owner leaves the conversation's page: the viewer is told at once, not a minute later;
  // the owner opens it again: each is told the other has it open.
  await page.goto(`/bots/${botId}/inbox`);
  await expect(v.getByTestId('also-viewing')).toHaveCount(0, { timeout: 5_000 });
  await hydrated(page);
  await page.locator('.row', { hasText: 'Billing question' }).getByRole('link').click();
  await expect(page.getByTestId('also-viewing')).toHaveText('Also viewing: Vic Viewer', { timeout: 5_000 });
  await expect(v.getByTestId('also-viewing')).toHaveText('Also viewing: Ali Owner', { timeout: 5_000 });
  await expect(v.getByRole('textbox', { name: 'Message' })).toBeDisabled();
  await expect(v.getByTestId('reply-reason')).toHaveText('Viewers cannot hold an Inbox seat.');
  await expect(v.getByRole('button', { name: 'Close', exact: true })).toBeDisabled();
  await viewer.context.close();
  await customer.context.close();
});

test('a newcomer creates a demo bot, sees a living inbox and logs in as a seatless teammate', async ({ page, browser }) => {
  await page.goto('/signup');
  await hydrated(page);
  await signUp(page, 'Nina Newcomer', `nina-${unique()}@example.com`);
  await page.getByRole('button', { name: 'Create a demo bot' }).click();
  const logins = page.getByTestId('demo-logins');
  await expect(logins).toBeVisible({ timeout: 20_000 });
  const sam = logins.locator('tr', { hasText: 'Sam Seatless' });
  const email = (await sam.locator('td').nth(3).textContent())!.trim();
  const samPassword = (await sam.locator('td').nth(4).textContent())!.trim();
  await logins.getByRole('link', { name: 'open its Inbox' }).click();
  await hydrated(page);
  await expect(page.locator('.row', { hasText: 'Carla Gómez' })).toBeVisible();
  await expect(page.locator('.row', { hasText: 'Emma Website' })).toBeVisible();
  await page.getByRole('link', { name: 'Banned', exact: true }).click();
  await expect(page.locator('.row', { hasText: 'Spam Bot 3000' })).toBeVisible();

  const other = await browser.newContext();
  const s = await other.newPage();
  await s.goto('/login');
  await hydrated(s);
  await s.getByLabel('Email').fill(email);
  await s.getByLabel('Password').fill(samPassword);
  await s.getByRole('button', { name: 'Log in' }).click();
  await s.getByRole('link', { name: 'Acme Shoes (demo)' }).click();
  await hydrated(s);
  await s.locator('.row', { hasText: 'Carla Gómez' }).getByRole('link').click();
  await expect(s.getByTestId('reply-reason')).toHaveText('You need an Inbox seat to reply — ask an admin.');
  await expect(s.getByRole('textbox', { name: 'Message' })).toBeDisabled();
  await other.close();
});

test('the chat fits a phone, and a long unbroken message breaks neither the chat nor the Inbox', async ({
  page,
  browser,
}) => {
  const botId = await ownerWithBot(page, 'Phone Shop');
  const widget = await widgetId(page, botId);
  const phone = await browser.newContext({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
  const chat = await phone.newPage();
  await chat.goto(`/chat/${widget}`);
  const long = 'x'.repeat(400);
  await chat.getByRole('textbox', { name: 'Message' }).fill(long);
  await chat.getByRole('button', { name: 'Send' }).click();
  await expect(chat.locator('.msg.from-customer')).toHaveCount(1);
  await chat.getByRole('button', { name: 'Talk to a person' }).click();
  const chatOverflow = await chat.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(chatOverflow).toBeLessThanOrEqual(0);
  await expect(chat.getByRole('button', { name: 'Send' })).toBeInViewport();

  await page.goto(`/bots/${botId}/inbox`);
  await hydrated(page);
  await page.locator('.row', { hasText: 'Visitor' }).getByRole('link').click();
  await expect(page.locator('.thread .msg.customer .body')).toHaveText(long);
  const inboxOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(inboxOverflow).toBeLessThanOrEqual(0);
  await phone.close();
});

test('a visit that starts on a conversation hydrates it (its code is a chunk of its own) and can reply', async ({
  page,
  context,
}) => {
  await demoInbox(page, 'Lena Link');
  await page.locator('.row', { hasText: 'Carla Gómez' }).getByRole('link').click();
  await expect(page.locator('.thread .msg').first()).toBeVisible();
  const link = page.url();
  expect(link).toContain('c=');

  // A new tab on that link: the server renders the conversation, the browser hydrates it.
  const tab = await context.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (error) => errors.push(error.message));
  const packEncodings: string[] = [];
  tab.on('response', (response) => {
    if (/\/pkg\/pack_\d+\.wasm$/.test(response.url())) packEncodings.push(response.headers()['content-encoding'] ?? 'none');
  });
  await tab.goto(link);
  await hydrated(tab);
  // Its chunks come as one pack, compressed against the main module the browser already holds.
  expect(packEncodings).toEqual(['dcb']);
  const box = tab.getByRole('textbox', { name: 'Message' });
  await box.fill('Straight from a link');
  await box.press('Enter');
  await expect(box).toHaveValue('');
  await expect(tab.locator('.thread .msg.agent', { hasText: 'Straight from a link' })).toHaveCount(1);
  // Another conversation from the list replaces the view without a reload.
  await tab.locator('.row', { hasText: 'Emma Website' }).getByRole('link').click();
  await expect(tab.locator('.thread-head .contact')).toHaveText('Emma Website');
  expect(errors).toEqual([]);
});
