import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { ADMIN_PASSWORD, REPO_ROOT, postEvents, provisionAgent, shadowCopyDeletion, startTestRedis, startTestVigil } from '../support/harness.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');

describe('console end to end (real headless Chromium, real server, Redis, SQLite)', function () {
  this.timeout(60_000);
  let redis: EmbeddedRedis;
  let vigil: Awaited<ReturnType<typeof startTestVigil>>;
  let browser: Browser;
  let page: Page;

  before(async function () {
    if (!chromiumAvailable()) {
      // CI installs it; a developer machine without it says so instead of failing obscurely.
      this.skip();
    }
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await vigil?.close();
    await redis?.stop();
  });

  it('logs in, then shows an attack posted by an agent without a reload, in under a second', async () => {
    const { key } = await provisionAgent(vigil.url);
    await page.goto(vigil.url);
    await page.getByLabel(/username/i).fill('admin');
    await page.getByLabel(/password/i).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: /sign in|log in/i }).click();
    await page.locator('[data-testid="incident-list"]').waitFor();
    await page.locator('[data-testid="live-status"]', { hasText: /live/i }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'incidents-empty.png') });

    // Mark the document: if the page reloaded, the mark would be gone.
    await page.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
    const posted = Date.now();
    const r = await postEvents(vigil.url, key, { events: [shadowCopyDeletion('E2E-WS-01')] });
    assert.equal(r.status, 202);
    const row = page.locator('[data-incident-id]', { hasText: 'E2E-WS-01' });
    await row.waitFor({ timeout: 5_000 });
    const seenAfterMs = Date.now() - posted;
    assert.ok(seenAfterMs < 1_000, `the incident appeared after ${seenAfterMs} ms`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload), true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'incidents-live.png') });

    await row.click();
    const title = page.locator('[data-testid="incident-title"]');
    await title.waitFor();
    assert.match((await title.textContent()) ?? '', /shadow/i);
    await page.getByText('vssadmin.exe delete shadows /all /quiet').first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'incident-detail.png'), fullPage: true });
  });

  it('lets an admin create an agency and an agent, showing the key once', async () => {
    await page.goto(`${vigil.url}/admin/agencies`);
    await page.getByLabel(/^name/i).fill('Ministry of Justice');
    await page.getByLabel(/code/i).fill('MOJ');
    await page.getByRole('button', { name: /create|add/i }).click();
    await page.getByText('MOJ').first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-agencies.png') });

    await page.goto(`${vigil.url}/admin/agents`);
    await page.getByLabel(/agency/i).selectOption({ label: 'Ministry of Justice' });
    await page.getByLabel(/^name/i).fill('moj-dc01');
    await page.getByRole('button', { name: /create|add/i }).click();
    const keyBox = page.locator('[data-testid="agent-key"]');
    await keyBox.waitFor();
    const key = ((await keyBox.textContent()) ?? '').trim();
    assert.match(key, /^vgl_/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-agents.png') });
    // The key shown works for ingest.
    const r = await postEvents(vigil.url, key, { events: [shadowCopyDeletion('MOJ-DC01')] });
    assert.equal(r.status, 202);
  });
});
