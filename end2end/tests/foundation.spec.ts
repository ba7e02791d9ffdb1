import { test, expect, Page } from '@playwright/test';

const password = 'correct horse battery';
const unique = () => `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

async function signUp(page: Page, name: string, email: string) {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${name}` })).toBeVisible();
}

async function createBot(page: Page, name: string): Promise<string> {
  await page.getByLabel('Bot name').fill(name);
  await page.getByRole('button', { name: 'Create bot' }).click();
  await expect(page).toHaveURL(/\/bots\/\d+\/inbox$/);
  await expect(page.getByRole('heading', { name: 'Inbox' })).toBeVisible();
  return new URL(page.url()).pathname.split('/')[2];
}

test('a newcomer signs up, creates a bot, sees the Inbox and Team Manager, logs out and back in', async ({ page }) => {
  const email = `ada-${unique()}@example.com`;
  await signUp(page, 'Ada Lovelace', email);
  const botId = await createBot(page, 'Acme Support');

  await expect(page.getByText('You hold an Inbox seat')).toBeVisible();
  await expect(page.getByText('No conversations here.')).toBeVisible();
  // Sections that are not built yet are visibly disabled, not fake pages.
  await expect(page.locator('.tabs [aria-disabled="true"]', { hasText: 'Analytics' })).toBeVisible();
  await expect(page.locator('.tabs a', { hasText: 'Analytics' })).toHaveCount(0);

  await page.getByRole('link', { name: 'Bot Settings › Team Manager' }).click();
  await expect(page).toHaveURL(new RegExp(`/bots/${botId}/team$`));
  await expect(page.getByTestId('seat-counter')).toHaveText('Inbox seats: 1 of 1 used');
  const owner = page.locator('table.team-list tbody tr');
  await expect(owner).toHaveCount(1);
  await expect(owner).toContainText('Ada Lovelace');
  await expect(owner).toContainText(email);
  await expect(owner).toContainText('Owner');
  await expect(owner.locator('.badge.seat')).toHaveText('Seat');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto(`/bots/${botId}/team`);
  await expect(page.getByText('Please log in to continue.')).toBeVisible();

  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email.toUpperCase());
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('link', { name: 'Acme Support' })).toBeVisible();
  await page.getByRole('link', { name: 'Acme Support' }).click();
  await expect(page.getByRole('heading', { name: 'Inbox' })).toBeVisible();
});

test('a wrong password shows a clear message and keeps the user out', async ({ page }) => {
  const email = `bob-${unique()}@example.com`;
  await signUp(page, 'Bob', email);
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('definitely wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText("That email and password don't match an account.");
  await expect(page).toHaveURL(/\/login$/);
});

test('another user cannot see the first user\'s bot', async ({ browser }) => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  try {
    const ada = await first.newPage();
    await signUp(ada, 'Ada', `ada-${unique()}@example.com`);
    const botId = await createBot(ada, 'Private Bot');

    const eve = await second.newPage();
    await signUp(eve, 'Eve', `eve-${unique()}@example.com`);
    await expect(eve.getByText('Private Bot')).toHaveCount(0);

    for (const section of ['inbox', 'team']) {
      await eve.goto(`/bots/${botId}/${section}`);
      await expect(eve.getByRole('heading', { name: 'Not found' })).toBeVisible();
      await expect(eve.getByText('Private Bot')).toHaveCount(0);
    }
  } finally {
    await first.close();
    await second.close();
  }
});
