import { test, expect } from '@playwright/test';
import * as zlib from 'zlib';
import { customerOnShop, demoInbox, hydrated, ownerWithBot, widgetId } from './support';

/** A real PNG of `w` × `h` pixels (a colour gradient), made here so no fixture file is needed. */
function png(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (b: Buffer) => {
    let c = 0xffffffff;
    for (const byte of b) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + body.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 4 + body.length);
    return out.subarray(0, 4 + body.length + 4);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rows.set([(x * 255) / w, (y * 255) / h, 160], y * (w * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('the customer sends a photo from the widget and the agent sees its preview; the agent sends a file back', async ({
  page,
  browser,
  baseURL,
}) => {
  const botId = await ownerWithBot(page, 'Acme Parcels', 'Ali Owner');
  const widget = await widgetId(page, botId);
  await page.goto(`/bots/${botId}/inbox`);
  await hydrated(page);
  await expect(page.locator('.live-dot.on')).toBeVisible();

  const customer = await customerOnShop(browser, baseURL!, widget);
  const chat = customer.chat;
  await chat.getByLabel('Your name').fill('Dana Damage');
  await chat.getByRole('textbox', { name: 'Message' }).fill('My parcel arrived broken');
  await chat.getByRole('textbox', { name: 'Message' }).press('Enter');
  await chat.getByRole('button', { name: 'Talk to a person' }).click();
  await chat.locator('input.chat-file').setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: png(800, 600) });
  await expect(chat.locator('.msg.from-customer .attachment.image img')).toBeVisible();

  // The agent sees the preview in the thread (a real image, served to the signed-in member).
  await page.locator('.row', { hasText: 'Dana Damage' }).getByRole('link').click();
  const preview = page.getByTestId('attachment-preview');
  await expect(preview).toBeVisible();
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);
  await expect(page.locator('.row', { hasText: 'Dana Damage' })).toContainText('📎 parcel.png');

  // The agent sends a PDF; the customer gets it as a download link, live.
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  await page.getByTestId('attach-input').setInputFiles({ name: 'return-label.pdf', mimeType: 'application/pdf', buffer: pdf });
  await expect(page.getByTestId('attachment-file')).toContainText('return-label.pdf');
  await expect(chat.locator('.msg.from-agent .attachment.file')).toContainText('return-label.pdf');

  // A web page renamed to .png is refused with a reason, and nothing is sent.
  const html = Buffer.from('<!DOCTYPE html><script>alert(1)</script>');
  await page.getByTestId('attach-input').setInputFiles({ name: 'cute.png', mimeType: 'image/png', buffer: html });
  await expect(page.getByTestId('upload-error')).toContainText('HTML');
  await expect(page.locator('.thread .attachment')).toHaveCount(2);
  await customer.context.close();
});

test('the Contacts page finds a customer, opens them, and merges two contacts of one person', async ({ page }) => {
  await demoInbox(page, 'Max Merge');
  await page.getByRole('link', { name: 'Contacts' }).click();
  await hydrated(page);
  await page.getByLabel('Search contacts').fill('emma@');
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page.locator('tr[data-contact="Emma Website"]');
  await expect(row).toBeVisible();
  await expect(page.locator('.contacts-table tbody tr')).toHaveCount(1);
  await row.getByRole('link').click();
  await expect(page.getByTestId('contact-name')).toHaveText('Emma Website');
  await expect(page.getByTestId('contact-conversations').locator('li')).toHaveCount(1);

  // Emma is Olivia: find her and merge, confirming first.
  await page.getByLabel('Find a contact to merge with').fill('Olivia');
  await page.getByRole('button', { name: 'Find' }).click();
  const candidate = page.locator('li[data-candidate="Olivia Rossi"]');
  await candidate.getByRole('button', { name: 'Merge into this contact…' }).click();
  await expect(candidate.getByRole('alertdialog')).toContainText('Merge Emma Website into Olivia Rossi?');
  await candidate.getByRole('button', { name: 'Merge', exact: true }).click();

  await expect(page.getByTestId('contact-name')).toHaveText('Olivia Rossi');
  await expect(page.getByTestId('contact-conversations').locator('li')).toHaveCount(3);
  await expect(page.getByTestId('merged-identity')).toHaveCount(1);
  await expect(page.locator('.profile-facts')).toContainText('emma@example.com');
  // A past conversation opens in the Inbox.
  await page.getByTestId('contact-conversations').getByRole('link').first().click();
  await expect(page).toHaveURL(/\/inbox\?status=all.*c=\d+/);
});
