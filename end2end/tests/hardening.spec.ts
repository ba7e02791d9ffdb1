import { test, expect, Page } from '@playwright/test';

const password = 'correct horse battery';
const unique = () => `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

async function hydrated(page: Page) {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
}

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
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Your name').fill('Paula Plan');
  await page.getByLabel('Email').fill(`plan-${unique()}@example.com`);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByLabel('Bot name').fill('Plan Bot');
  await page.getByRole('button', { name: 'Create bot' }).click();
  await expect(page).toHaveURL(/\/bots\/\d+\/inbox$/);
  const botId = new URL(page.url()).pathname.split('/')[2];

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
