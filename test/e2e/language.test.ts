import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { ADMIN_PASSWORD, REPO_ROOT, postEvents, shadowCopyDeletion, useVigil } from '../support/harness.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');

describe('console language switcher (real headless Chromium)', function () {
  this.timeout(60_000);
  const ctx = useVigil();
  let browser: Browser;
  let page: Page;

  before(async function () {
    if (!chromiumAvailable()) this.skip();
    browser = await launchChromium();
    // An English browser in Hanoi: the console starts in English and shows times in the user's zone.
    page = await browser.newPage({ viewport: { width: 1280, height: 720 }, locale: 'en-GB', timezoneId: 'Asia/Ho_Chi_Minh' });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });

  it('switches to Vietnamese without a reload, remembers it across a reload, and switches back', async () => {
    const r = await postEvents(ctx.vigil.url, ctx.key, { events: [shadowCopyDeletion('VI-WS-01')] });
    assert.equal(r.status, 202);

    await page.goto(ctx.vigil.url);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.getByLabel(/username/i).fill('admin');
    await page.getByLabel(/password/i).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.locator('[data-testid="incident-list"]').waitFor();
    await page.locator('[data-incident-id]', { hasText: 'VI-WS-01' }).waitFor();
    await page.locator('[data-testid="live-status"]', { hasText: /live/i }).waitFor();
    const nav = page.locator('nav.nav');
    assert.match((await nav.textContent()) ?? '', /Incidents/);

    // Keyboard: Tab to the switcher, arrow to VI, activate with Enter.
    await page.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
    await page.locator('[data-lang="en"]').focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(`document.activeElement?.getAttribute('data-lang')`), 'vi');
    await page.keyboard.press('Enter');

    await page.locator('html[lang="vi"]').waitFor();
    await page.locator('h1', { hasText: 'Sự cố' }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload), true, 'no full reload');
    assert.equal(await page.getAttribute('[data-lang="vi"]', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('[data-lang="en"]', 'aria-pressed'), 'false');
    // Focus stays on the switcher.
    assert.equal(await page.evaluate(`document.activeElement?.getAttribute('data-lang')`), 'vi');
    const navText = (await nav.textContent()) ?? '';
    assert.match(navText, /Sự cố/);
    assert.match(navText, /Luật/);
    assert.match(navText, /Ngoại lệ/);
    assert.equal(await page.locator('.logout').getAttribute('title'), 'Đăng xuất');
    const logoutBox = await page.locator('.logout').boundingBox();
    assert.ok(logoutBox && logoutBox.x + logoutBox.width <= 1280, `sign-out stays on screen (${JSON.stringify(logoutBox)})`);
    await page.locator('[data-testid="live-status"]', { hasText: 'trực tuyến' }).waitFor();
    const list = page.locator('[data-testid="incident-list"]');
    await page.locator('[data-incident-id]', { hasText: 'VI-WS-01' }).waitFor();
    const listText = (await list.textContent()) ?? '';
    assert.match(listText, /Mức độ|Trạng thái|Máy chủ/);
    assert.equal(await page.evaluate(`localStorage.getItem('vigil.lang')`), 'vi');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-vi.png') });

    // Dates follow the language: the incident page in Vietnamese uses vi-VN month names.
    await page.reload();
    await page.locator('html[lang="vi"]').waitFor();
    await page.locator('h1', { hasText: 'Sự cố' }).waitFor();
    assert.match((await nav.textContent()) ?? '', /Sự cố/);
    await page.locator('[data-incident-id]', { hasText: 'VI-WS-01' }).click();
    await page.locator('[data-testid="incident-title"]').waitFor();
    await page.getByText('Ghi nhận lần đầu').first().waitFor();
    const main = (await page.locator('main').textContent()) ?? '';
    assert.match(main, /thg \d+|tháng \d+/i, 'a vi-VN date is shown');

    // Back to English with the mouse.
    await page.locator('[data-lang="en"]').click();
    await page.locator('html[lang="en"]').waitFor();
    await page.getByText('First seen').first().waitFor();
    assert.match((await nav.textContent()) ?? '', /Incidents/);
    assert.equal(await page.evaluate(`localStorage.getItem('vigil.lang')`), 'en');
  });

  it('starts in Vietnamese for a browser whose language is Vietnamese', async () => {
    const vn = await browser.newPage({ locale: 'vi-VN' });
    try {
      await vn.goto(ctx.vigil.url);
      await vn.locator('html[lang="vi"]').waitFor();
      await vn.getByRole('button', { name: 'Đăng nhập' }).waitFor();
    } finally {
      await vn.close();
    }
  });
});
