import { test, expect } from '@playwright/test';
import { demoInbox, hydrated } from './support';

test('an agent searches a word the customer wrote and lands on the message, highlighted', async ({ page }) => {
  await demoInbox(page, 'Sol Searcher');

  // Ben wrote that he was charged twice for his subscription; search it as you type.
  const search = page.getByRole('searchbox', { name: 'Search conversations' });
  await search.pressSequentially('twice subscri', { delay: 30 });
  await expect(page).toHaveURL(/q=twice%20subscri/);
  const result = page.locator('.results .row', { hasText: 'Ben Okafor' });
  await expect(result).toBeVisible();
  await expect(result.locator('mark')).toHaveText(['twice', 'subscription']);
  await expect(page.getByTestId('search-count')).toHaveText('1 conversation');
  const searchLink = page.url();

  await result.getByRole('link').click();
  await expect(page).toHaveURL(/m=\d+/);
  const found = page.locator('.msg.found');
  await expect(found).toContainText('I was charged twice for my subscription this month.');
  await expect(found).toBeInViewport();

  // A mistake in the query gets a clear message, not an error page.
  await search.fill('"twice');
  await expect(page.getByTestId('search-error')).toContainText('Close the quote');
  await search.fill('');
  await expect(page.locator('.row', { hasText: 'Carla Gómez' }).first()).toBeVisible();

  // A link to a search opens on its results (rendered by the server, then live in the browser).
  await page.goto(searchLink);
  await hydrated(page);
  await expect(page.getByTestId('search-count')).toHaveText('1 conversation');
  await result.getByRole('link').click();
  await expect(found).toContainText('I was charged twice for my subscription this month.');
});
