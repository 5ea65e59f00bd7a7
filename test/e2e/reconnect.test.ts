import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import {
  ADMIN_PASSWORD,
  ApiClient,
  REPO_ROOT,
  postEvents,
  provisionAgent,
  shadowCopyDeletion,
  startTestRedis,
  startTestVigil,
  waitFor,
  type TestVigil,
} from '../support/harness.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');

/**
 * The analyst's console outlives a server restart: while its server is down, another server (same Redis, same
 * SQLite file) takes events and raises incidents the console cannot hear about. When its server comes back on the
 * same address, the console reconnects by itself and shows what it missed: every incident once, counts current,
 * without a reload.
 */
describe('console reconnects after a server restart and catches up (real Chromium, two servers, one Redis and SQLite)', function () {
  this.timeout(90_000);
  let redis: EmbeddedRedis;
  let first: TestVigil | null = null;
  let standIn: TestVigil | null = null;
  let browser: Browser;
  let page: Page;
  let key = '';

  before(async function () {
    if (!chromiumAvailable()) this.skip();
    redis = await startTestRedis();
    first = await startTestVigil({ REDIS_URL: redis.url });
    ({ key } = await provisionAgent(first.url));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await standIn?.close();
    await first?.close();
    await redis?.stop();
  });

  const rowFor = (host: string) => page.locator('[data-incident-id]', { hasText: host });
  const liveState = () => page.locator('[data-testid="live-status"]').getAttribute('data-state');

  it('shows incidents raised while its server was down once it is back, without duplicates or a reload', async () => {
    const server = first!;
    const { port, dataDir } = server;
    await page.goto(server.url);
    await page.getByLabel(/username/i).fill('admin');
    await page.getByLabel(/password/i).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: /sign in|log in/i }).click();
    await page.locator('[data-testid="incident-list"]').waitFor();
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor();
    await page.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));

    assert.equal((await postEvents(server.url, key, { events: [shadowCopyDeletion('RC-SEEN-01')] })).status, 202);
    await rowFor('RC-SEEN-01').waitFor({ timeout: 5_000 });

    // The console's server goes away.
    await server.close();
    first = null;
    await page.locator('[data-testid="live-status"][data-state="reconnecting"]').waitFor({ timeout: 10_000 });

    // Meanwhile another server takes events: a new incident, and another event for the one already shown.
    standIn = await startTestVigil({ REDIS_URL: redis.url, DATA_DIR: dataDir });
    const admin = new ApiClient(standIn.url);
    await admin.login('admin', ADMIN_PASSWORD);
    const missed = ['RC-MISSED-01', 'RC-MISSED-02'];
    const batch = [...missed.map((host) => shadowCopyDeletion(host)), shadowCopyDeletion('RC-SEEN-01')];
    assert.equal((await postEvents(standIn.url, key, { events: batch })).status, 202);
    const stored = await waitFor(
      async () => {
        const r = await admin.request('GET', '/api/v1/incidents?limit=50');
        const items = r.body.items as { id: string; host: string; eventCount: number }[];
        const seen = items.find((i) => i.host === 'RC-SEEN-01');
        return items.length === 3 && seen && seen.eventCount === 2 ? items : null;
      },
      20_000,
      'the stand-in server to raise the missed incidents',
    );
    // The console heard nothing of them.
    assert.equal(await rowFor('RC-MISSED-01').count(), 0);
    assert.equal(await liveState(), 'reconnecting');
    await standIn.close();
    standIn = null;

    // The console's server comes back at the same address.
    first = await startTestVigil({ REDIS_URL: redis.url, DATA_DIR: dataDir, PORT: String(port) });
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 20_000 });
    for (const host of missed) await rowFor(host).waitFor({ timeout: 10_000 });

    // Each incident exactly once, and the one already shown now carries the event that arrived meanwhile.
    const seenId = stored.find((i) => i.host === 'RC-SEEN-01')!.id;
    for (const incident of stored) assert.equal(await page.locator(`[data-incident-id="${incident.id}"]`).count(), 1, incident.host);
    await page.locator(`[data-incident-id="${seenId}"] .c-count`, { hasText: /^\s*2\s*$/ }).waitFor({ timeout: 5_000 });
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload), true, 'the page reloaded');

    // And the feed is live again.
    assert.equal((await postEvents(first.url, key, { events: [shadowCopyDeletion('RC-AFTER-01')] })).status, 202);
    await rowFor('RC-AFTER-01').waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('[data-incident-id]').count(), 4);
    await page.screenshot({ path: path.join(ARTIFACTS, 'incidents-after-reconnect.png') });
  });
});
