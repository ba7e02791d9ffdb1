import { test, expect } from '@playwright/test';
import { demoInbox } from './support';

test('an agent opens the customer profile, adds a detail and opens a past conversation', async ({ page }) => {
  await demoInbox(page, 'Pia Profile');

  // Olivia is back: her open conversation's profile lists the closed one.
  await page.locator('.row', { hasText: 'Olivia Rossi' }).getByRole('link').click();
  await expect(page.locator('.thread .msg.customer .body')).toContainText('gift wrapping');
  const profile = page.getByTestId('profile');
  await profile.locator('summary').click();
  await expect(profile).toContainText('WhatsApp (demo) · demo-olivia-rossi');

  await profile.getByLabel('Detail name').fill('Plan');
  await profile.getByLabel('Detail value').fill('Gold member');
  await profile.getByRole('button', { name: 'Save detail' }).click();
  await expect(page.getByTestId('profile').locator('.profile-attributes')).toContainText('Gold member');

  const past = page.getByTestId('profile').locator('ul.past li');
  await expect(past).toHaveCount(1);
  await expect(past).toContainText('Closed');
  await past.getByRole('link').click();
  await expect(page).toHaveURL(/status=all.*c=\d+/);
  await expect(page.locator('.thread .msg.customer .body')).toContainText('Thanks for the quick help yesterday!');
  await expect(page.locator('.thread .msg.agent .body')).toContainText('Always happy to help, Olivia!');
});
