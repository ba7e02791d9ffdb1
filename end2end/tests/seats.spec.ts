import { test, expect } from '@playwright/test';
import { hydrated, invite as createInvitation, join as acceptAsNewUser, ownerWithBot as signUpOwnerWithBot, unique } from './support';
import { shortTtlPort } from '../playwright.config';

test('Free plan: invite an agent, buy a seat with a proration preview, seat them — 2 of 2', async ({ page, browser }) => {
  const botId = await signUpOwnerWithBot(page, 'Seat Shop');
  const agentEmail = `agent-${unique()}@example.com`;
  const link = await createInvitation(page, botId, agentEmail, 'Agent');

  const agent = await acceptAsNewUser(browser, link, 'Andy Agent', agentEmail);
  await expect(agent.page.getByTestId('inbox-status')).toHaveText(
    'You can view conversations. To reply, assign or tag you need an Inbox seat — Owners, Admins and Supervisors can give you one.',
  );

  // Back to the owner: the agent's seat cannot be turned on — no free seat, with the way out.
  await page.goto(`/bots/${botId}/team`);
  await hydrated(page);
  await expect(page.getByTestId('seat-counter')).toHaveText('Inbox seats: 1 of 1 used');
  const row = page.locator(`tr[data-email="${agentEmail}"]`);
  await expect(row.getByRole('button', { name: 'Give seat' })).toBeDisabled();
  await expect(row).toContainText('No free seats — buy more in Add-ons.');
  await row.getByRole('link', { name: 'Open Add-ons' }).click();
  await expect(page).toHaveURL(new RegExp(`/bots/${botId}/addons$`));
  await hydrated(page);

  // Buy one seat: the exact prorated price is shown before confirming.
  await page.getByLabel('How many seats').fill('1');
  await page.getByRole('button', { name: 'Preview price' }).click();
  const preview = page.getByTestId('proration-preview');
  await expect(preview).toContainText('prorated for the');
  const amount = (await page.getByTestId('proration-amount').textContent())!.trim();
  expect(amount).toMatch(/^\d+\.\d\d USD$/);
  await page.getByRole('button', { name: `Confirm purchase of ${amount}` }).click();
  await expect(preview.getByRole('status')).toHaveText('Done — Inbox seats: 1 of 2 used.');
  await expect(page.locator('.invoices')).toContainText(amount);

  // Now the seat can be given, and the counter reads 2 of 2.
  await page.goto(`/bots/${botId}/team`);
  await hydrated(page);
  await row.getByRole('button', { name: 'Give seat' }).click();
  await expect(page.getByTestId('seat-counter')).toHaveText('Inbox seats: 2 of 2 used');
  await expect(row.locator('.badge.seat')).toHaveText('Seat');

  // The agent's next request sees the seat.
  await agent.page.reload();
  await expect(agent.page.getByText('You hold an Inbox seat')).toBeVisible();
  // Agents cannot open Team Manager or Add-ons.
  await expect(agent.page.locator('.tabs [aria-disabled="true"]', { hasText: 'Add-ons' })).toBeVisible();
  await agent.context.close();

  // Everything above is in the audit log.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.locator('tr[data-action="seats.purchased"]')).toHaveCount(1);
  await expect(page.locator('tr[data-action="seat.granted"]')).toContainText('Andy Agent');
  await expect(page.locator('tr[data-action="member.joined"]')).toContainText('Andy Agent joined as Agent');
});

test('an Analyst: seat toggle disabled with its reason; cannot open Add-ons', async ({ page, browser }) => {
  const botId = await signUpOwnerWithBot(page, 'Numbers');
  const email = `analyst-${unique()}@example.com`;
  const link = await createInvitation(page, botId, email, 'Analyst');
  const analyst = await acceptAsNewUser(browser, link, 'Ana Analyst', email);
  // Analysts cannot open any built section yet: joining lands on the bot's shell, which says
  // what their role opens.
  await expect(analyst.page).toHaveURL(new RegExp(`/bots/${botId}/inbox$`));
  await expect(analyst.page.getByText('Only Owners, Admins, Editors, Agents and Viewers can view the Inbox.')).toBeVisible();

  await page.goto(`/bots/${botId}/team`);
  await hydrated(page);
  const row = page.locator(`tr[data-email="${email}"]`);
  await expect(row.getByRole('button', { name: 'Give seat' })).toBeDisabled();
  await expect(row).toContainText('Analysts cannot hold an Inbox seat.');

  const ana = analyst.page;
  await ana.goto('/');
  await ana.getByRole('link', { name: 'Numbers' }).click();
  await expect(ana.locator('.tabs [aria-disabled="true"]', { hasText: 'Add-ons' })).toHaveAttribute(
    'title',
    'Only Owners, Admins and Viewers can view Add-ons and billing.',
  );
  await ana.goto(`/bots/${botId}/addons`);
  await expect(ana.getByRole('heading', { name: 'Not available for your role' })).toBeVisible();
  await expect(ana.getByText('Only Owners, Admins and Viewers can view Add-ons and billing.')).toBeVisible();
  await analyst.context.close();
});

test('an expired invitation link says so', async ({ page }) => {
  const base = `http://127.0.0.1:${shortTtlPort}`;
  const botId = await signUpOwnerWithBot(page, 'Short Links', 'Olive Owner', base);
  const link = await createInvitation(page, botId, `late-${unique()}@example.com`, 'Agent', base);
  await page.waitForTimeout(2500);
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'This invitation has expired' })).toBeVisible();
  await expect(page.getByText(/It expired .* UTC\. Ask Olive Owner for a new link\./)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Accept and join' })).toHaveCount(0);
});
