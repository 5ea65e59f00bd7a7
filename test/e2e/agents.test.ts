import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { ADMIN_PASSWORD, REPO_ROOT, useVigil } from '../support/harness.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');

/** What an agent with nothing to send posts: its key, no body. */
async function postHeartbeat(baseUrl: string, key: string): Promise<number> {
  const res = await fetch(`${baseUrl}/api/v1/heartbeat`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('agents page: heartbeat status, silence threshold and history (real headless Chromium)', function () {
  this.timeout(60_000);
  const t = useVigil();
  let browser: Browser;
  let page: Page;

  before(async function () {
    if (!chromiumAvailable()) this.skip();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // A controllable clock (running in real time) so the 30-second refresh can be observed without waiting for it.
    await page.clock.install();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });

  const row = () => page.locator(`tr[data-agent-id="${t.agentId}"]`);
  /** The data-testid of the focused element (this file is type-checked without the DOM library). */
  const focusedTestId = () =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { activeElement: { getAttribute(name: string): string | null } | null } }).document;
      return doc.activeElement?.getAttribute('data-testid') ?? null;
    });

  it('shows an agent reporting, then silent with its incident, and its history', async () => {
    await page.goto(t.vigil.url);
    await page.getByLabel(/username/i).fill('admin');
    await page.getByLabel(/password/i).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: /sign in|log in/i }).click();
    await page.locator('[data-testid="incident-list"]').waitFor();

    // The agent says it is alive.
    assert.equal(await postHeartbeat(t.vigil.url, t.key), 204);
    await page.goto(`${t.vigil.url}/admin/agents`);
    await row().locator('[data-testid="agent-status"][data-status="reporting"]', { hasText: /reporting/i }).waitFor();

    // Set its threshold to 5 minutes in place, from the keyboard: focus Change, Enter, type, Enter.
    await row().locator('[data-testid="agent-threshold-edit"]').focus();
    await page.keyboard.press('Enter');
    const input = row().locator('[data-testid="agent-threshold-input"]');
    await input.waitFor();
    assert.equal(await focusedTestId(), 'agent-threshold-input', 'the field has focus');
    await input.fill('5');
    await page.keyboard.press('Enter');
    await row().locator('[data-testid="agent-threshold"]', { hasText: /^5 min$/ }).waitFor();
    // Focus is back on the row's Change button, not lost to the page.
    assert.equal(await focusedTestId(), 'agent-threshold-edit');
    const listed = await t.admin.get('/api/v1/agents');
    assert.equal(listed.body.items.find((a: { id: string }) => a.id === t.agentId).silenceMinutes, 5);

    // Six minutes later (injected clock) the agent is silent past its threshold: an incident is raised.
    const result = await t.vigil.agentHealth!.check(Date.now() + 6 * 60_000);
    assert.deepEqual(result.silent, [t.agentId]);
    const after = (await t.admin.get('/api/v1/agents')).body.items.find((a: { id: string }) => a.id === t.agentId);
    assert.equal(after.status, 'silent');
    assert.ok(after.silenceIncidentId, 'the silence has an incident');

    // The open page picks the change up on its 30-second refresh, without a reload.
    await page.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
    await page.clock.fastForward(31_000);
    await row().locator('[data-testid="agent-status"][data-status="silent"]').waitFor({ timeout: 5_000 });
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload), true);

    // And after a reload: silent, since when, and a link to the silence incident.
    await page.reload();
    const silent = row().locator('[data-testid="agent-status"][data-status="silent"]');
    await silent.waitFor();
    assert.match((await silent.textContent()) ?? '', /silent/i);
    assert.match((await row().locator('[data-testid="agent-silent-since"]').textContent()) ?? '', /^since /);
    const link = row().locator('[data-testid="agent-silence-incident"]');
    assert.equal(await link.getAttribute('href'), `/incidents/${after.silenceIncidentId}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'agents.png') });

    // The history: the silence (newest first) and the threshold change, in words, in local time.
    await row().locator('[data-testid="agent-history-open"]').click();
    const drawer = page.locator('[data-testid="agent-history"]');
    const entries = drawer.locator('[data-testid="agent-history-entry"]');
    await entries.first().waitFor();
    const texts = (await entries.allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());
    assert.equal(texts.length, 2, texts.join(' | '));
    assert.match(texts[0]!, /^Stopped reporting \(last event \d{2}:\d{2}:\d{2}\)/);
    assert.match(texts[1]!, /^Threshold set to 5 min by admin/);
    assert.equal(await entries.first().getAttribute('data-action'), 'agent.silent');
    // Let the panel's slide-in finish before the screenshot.
    await drawer.evaluate((el) => Promise.all((el as unknown as { getAnimations(): { finished: Promise<unknown> }[] }).getAnimations().map((a) => a.finished)));
    await page.screenshot({ path: path.join(ARTIFACTS, 'agents-history.png') });

    // Escape closes the panel and gives focus back to the History button.
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    assert.equal(await focusedTestId(), 'agent-history-open');

    // The incident link leads to the silence incident.
    await link.click();
    const title = page.locator('[data-testid="incident-title"]');
    await title.waitFor();
    assert.match((await title.textContent()) ?? '', /stopped reporting/i);
  });
});
