import { test, expect } from '@playwright/test';
import { demoInbox } from './support';

test('an agent tags conversations, filters by a tag and finds them; the Tags page renames and deletes', async ({ page }) => {
  await demoInbox(page, 'Tia Tagger');

  // Type a new name: the tag is created and applied; the row shows it without a reload.
  const carla = page.locator('.row', { hasText: 'Carla Gómez' });
  await carla.getByRole('link').click();
  const tags = page.getByRole('group', { name: 'Tags' });
  await tags.getByLabel('Add a tag').fill('Refund');
  await tags.getByRole('button', { name: 'Tag' }).click();
  await expect(tags.locator('.tag', { hasText: 'Refund' })).toBeVisible();
  await expect(carla.locator('.row-tags .tag', { hasText: 'Refund' })).toBeVisible();

  const emma = page.locator('.row', { hasText: 'Emma Website' });
  await emma.getByRole('link').click();
  await expect(page.locator('.thread-head .contact')).toHaveText('Emma Website');
  await tags.getByLabel('Add a tag').fill('VIP');
  await tags.getByLabel('Add a tag').press('Enter');
  await expect(emma.locator('.row-tags .tag', { hasText: 'VIP' })).toBeVisible();

  // Filter by Refund: Carla's conversation stays, Emma's goes; the filter is in the address.
  await page.getByRole('navigation', { name: 'Tags' }).getByRole('link', { name: 'Refund' }).click();
  await expect(page).toHaveURL(/tags=\d+/);
  await expect(emma).toHaveCount(0);
  await expect(carla).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Tags' }).getByRole('link', { name: 'Refund' })).toHaveAttribute('aria-pressed', 'true');

  // Remove it from the conversation: the filtered list empties.
  await carla.getByRole('link').click();
  await tags.getByRole('button', { name: 'Remove tag Refund' }).click();
  await expect(carla).toHaveCount(0);

  // The Tags page: rename VIP, then delete it after a confirmation that says where it is used.
  await page.getByRole('link', { name: 'Tags', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Tags' })).toBeVisible();
  const vip = page.locator('tr', { has: page.locator('.tag', { hasText: 'VIP' }) });
  await expect(vip).toContainText('1 conversation');
  await vip.getByLabel('Name of VIP').fill('VIP customer');
  await vip.getByRole('button', { name: 'Save' }).click();
  const renamed = page.locator('tr', { has: page.locator('.tag', { hasText: 'VIP customer' }) });
  await expect(renamed).toBeVisible();
  await renamed.getByRole('button', { name: 'Delete…' }).click();
  await expect(renamed.getByRole('alertdialog')).toContainText('Delete VIP customer? It is removed from 1 conversation.');
  await renamed.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.locator('.tag', { hasText: 'VIP customer' })).toHaveCount(0);
});
