import { test, expect } from '@playwright/test';
import { customerOnShop, demoInbox, hydrated, widgetId } from './support';

test('an agent goes offline and new website chats go to the online agent', async ({ page, browser, baseURL }) => {
  await demoInbox(page, 'Otto Offline');
  await expect(page).toHaveURL(/\/bots\/\d+\/inbox/);
  const botId = new URL(page.url()).pathname.split('/')[2];

  // Automatic assignment on, with room for everyone.
  await page.goto(`/bots/${botId}/team/assignment`);
  await hydrated(page);
  await page.getByLabel('Assign new conversations automatically').check();
  await page.getByLabel('Workload capacity').fill('50');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByLabel('Assign new conversations automatically')).toBeChecked();

  // The owner goes offline from the top bar.
  const status = page.getByTestId('availability');
  await expect(status).toHaveText('Online');
  await status.click();
  await expect(page.getByTestId('availability')).toHaveText('Offline');
  await page.reload();
  await hydrated(page);
  await expect(page.locator('tr[data-member="Otto Offline"]')).toContainText('Offline');
  await expect(page.locator('tr[data-member="Mona Agent"]')).toContainText('Online');

  const widget = await widgetId(page, botId);
  await page.goto(`/bots/${botId}/inbox?status=open&scope=everyone`);
  await hydrated(page);
  const customer = await customerOnShop(browser, baseURL!, widget);
  await customer.chat.getByLabel('Your name').fill('Wendy Widget');
  await customer.chat.getByRole('textbox', { name: 'Message' }).fill('I need a person please');
  await customer.chat.getByRole('textbox', { name: 'Message' }).press('Enter');
  await customer.chat.getByRole('button', { name: 'Talk to a person' }).click();

  // It went to Mona (online), not to the offline owner.
  const row = page.locator('.row', { hasText: 'Wendy Widget' });
  await expect(row).toContainText('Mona Agent');
  await row.getByRole('link').click();
  await expect(page.locator('.thread .msg.system')).toContainText(['Assigned to Mona Agent automatically']);
  // The conversation's header names her, with her dot.
  await expect(page.getByTestId('assignee-line')).toHaveText('Assigned to Mona Agent');
  await expect(page.getByTestId('assignee-line').getByRole('img')).toHaveAttribute('aria-label', 'Online');
  await customer.context.close();
});

test('the Inbox assigns the whole queue in one click', async ({ page, browser, baseURL }) => {
  await demoInbox(page, 'Quinn Queue');
  await expect(page).toHaveURL(/\/bots\/\d+\/inbox/);
  const botId = new URL(page.url()).pathname.split('/')[2];
  const widget = await widgetId(page, botId);
  // Automatic assignment is off: a new chat waits in the queue.
  await page.goto(`/bots/${botId}/inbox?status=open&scope=unassigned`);
  await hydrated(page);
  const customer = await customerOnShop(browser, baseURL!, widget);
  await customer.chat.getByLabel('Your name').fill('Quentin Queue');
  await customer.chat.getByRole('textbox', { name: 'Message' }).fill('Anyone there?');
  await customer.chat.getByRole('textbox', { name: 'Message' }).press('Enter');
  await customer.chat.getByRole('button', { name: 'Talk to a person' }).click();
  const row = page.locator('.row', { hasText: 'Quentin Queue' });
  await expect(row).toBeVisible();

  await page.getByRole('button', { name: 'Auto assign the queue' }).click();
  // The page comes back to the Unassigned list, without it; its header names who has it.
  await expect(page).toHaveURL(/scope=unassigned/);
  await hydrated(page);
  await expect(row).toHaveCount(0);
  await page.goto(`/bots/${botId}/inbox?status=open&scope=all`);
  await hydrated(page);
  await page.locator('.row', { hasText: 'Quentin Queue' }).getByRole('link').click();
  await expect(page.getByTestId('assignee-line')).toHaveText(/^Assigned to (Quinn Queue|Mona Agent)$/);
  await expect(page.getByTestId('assignee-line').getByRole('img')).toHaveAttribute('aria-label', 'Online');
  await customer.context.close();
});

test('removing a seat opens the handoff step; the conversations go to a team queue and the seat counter drops', async ({
  page,
}) => {
  await demoInbox(page, 'Hana Handoff');
  await expect(page).toHaveURL(/\/bots\/\d+\/inbox/);
  const botId = new URL(page.url()).pathname.split('/')[2];
  await page.goto(`/bots/${botId}/team`);
  await hydrated(page);
  const counter = page.getByTestId('seat-counter');
  await expect(counter).toContainText('2 of');

  const mona = page.locator('tr', { hasText: 'Mona Agent' });
  // A seat holder's status shows beside their name.
  await expect(mona.getByRole('img', { name: /^(Online|Offline)$/ })).toBeVisible();
  await mona.getByRole('button', { name: 'Remove seat' }).click();
  const step = page.getByTestId('handoff');
  await expect(step).toContainText(/Mona Agent holds \d+ open conversation/);
  const customers = await step.locator('tbody tr td:first-child').evaluateAll((cells) =>
    cells.map((td) => (td.firstChild?.textContent ?? '').trim()),
  );
  expect(customers.length).toBeGreaterThan(0);
  const all = step.getByLabel('Hand all to');
  const billing = await all.locator('option', { hasText: 'Billing team queue' }).getAttribute('value');
  await all.selectOption({ label: 'Billing team queue' });
  await step.getByLabel(/Note for each conversation/).fill('Mona is on holiday');
  await step.getByRole('button', { name: /Hand (it|them) off and remove the seat/ }).click();

  await expect(counter).toContainText('1 of');
  await expect(page.locator('tr', { hasText: 'Mona Agent' })).toContainText('No seat');
  await expect(page.locator('tr', { hasText: 'Mona Agent' }).getByRole('img')).toHaveCount(0);
  await expect(page.getByTestId('handoff')).toHaveCount(0);

  // They wait in the Billing team's queue.
  const teamId = billing!.replace('t-', '');
  await page.goto(`/bots/${botId}/inbox?status=open&scope=team-${teamId}`);
  await hydrated(page);
  for (const name of customers) {
    await expect(page.locator('.row', { hasText: name })).toBeVisible();
  }
});
