import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
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
} from '../support/harness.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');
const PASSWORD = 'triage-pass-12345';

/** Hosts of agency A (one incident each) and of agency B. */
const MAIN = 'TRI-WS-01';
const LINKED = 'TRI-WS-02';
const MERGED = 'TRI-WS-03';
const FALSE_POSITIVE = 'TRI-WS-04';
const OTHER_AGENCY = 'TRI-B-01';

/** Evaluated in the page (as strings: this project compiles without the DOM library). */
const ACTIVE_TEST_ID = "document.activeElement?.getAttribute('data-testid')";
const ACTIVE_VALUE = "document.activeElement?.getAttribute('data-value')";

describe('incident triage workspace end to end (real headless Chromium, real server, Redis, SQLite)', function () {
  this.timeout(120_000);
  let redis: EmbeddedRedis;
  let vigil: Awaited<ReturnType<typeof startTestVigil>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin: ApiClient;
  const ids: Record<string, string> = {};

  const incidentUrl = (host: string) => `${vigil.url}/incidents/${ids[host]}`;
  const field = (p: Page, testId: string) => p.locator(`[data-testid="${testId}"]`);

  async function signIn(p: Page, username: string, password: string): Promise<void> {
    await p.goto(`${vigil.url}/login`);
    await p.getByLabel(/username/i).fill(username);
    await p.getByLabel(/password/i).fill(password);
    await p.getByRole('button', { name: /sign in|log in/i }).click();
    await p.waitForURL((u) => !u.pathname.startsWith('/login'));
  }

  /** Opens an incident page and waits until it is loaded (title shown, comments fetched). */
  async function open(p: Page, host: string): Promise<void> {
    await p.goto(incidentUrl(host));
    await field(p, 'incident-title').waitFor();
    await field(p, 'comment-count').waitFor();
  }

  async function expectValue(p: Page, testId: string, value: string): Promise<void> {
    await p.locator(`[data-testid="${testId}"][data-value="${value}"]`).waitFor({ timeout: 5_000 });
  }

  before(async function () {
    if (!chromiumAvailable()) {
      // CI installs it; a developer machine without it says so instead of failing obscurely.
      this.skip();
    }
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url });
    const a = await provisionAgent(vigil.url, 'MOF');
    const b = await provisionAgent(vigil.url, 'MOJ');
    admin = a.admin;
    const users = [
      { username: 'ana', password: PASSWORD, role: 'analyst' },
      { username: 'director', password: PASSWORD, role: 'leadership' },
      { username: 'moj-admin', password: PASSWORD, role: 'agency_admin', agencyId: b.agencyId },
    ];
    for (const user of users) {
      const r = await admin.post('/api/v1/users', user);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    for (const host of [MAIN, LINKED, MERGED, FALSE_POSITIVE]) {
      assert.equal((await postEvents(vigil.url, a.key, { events: [shadowCopyDeletion(host)] })).status, 202);
    }
    assert.equal((await postEvents(vigil.url, b.key, { events: [shadowCopyDeletion(OTHER_AGENCY)] })).status, 202);
    await waitFor(
      async () => {
        const r = await admin.get('/api/v1/incidents?limit=100');
        for (const i of r.body.items as { id: string; host: string }[]) ids[i.host] = i.id;
        return [MAIN, LINKED, MERGED, FALSE_POSITIVE, OTHER_AGENCY].every((h) => ids[h]);
      },
      20_000,
      'five incidents',
    );

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 720 }, permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await signIn(page, 'ana', PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await vigil?.close();
    await redis?.stop();
  });

  it('assigns the incident to me with the `a` shortcut, and it stays after a reload', async () => {
    await open(page, MAIN);
    await expectValue(page, 'incident-assignee', '');
    await page.keyboard.press('a');
    await expectValue(page, 'incident-assignee', 'ana');
    await field(page, 'triage-status').getByText(/assigned to you/i).waitFor();
    await page.reload();
    await field(page, 'incident-title').waitFor();
    await expectValue(page, 'incident-assignee', 'ana');
    assert.match((await field(page, 'action-assign-me').textContent()) ?? '', /assigned to you/i);
  });

  it('changes the status from the keyboard (`s`, then Enter) to an allowed next status only', async () => {
    await expectValue(page, 'incident-status', 'new');
    await page.keyboard.press('s');
    const menu = field(page, 'action-status-menu');
    await menu.getByRole('menuitemradio').first().waitFor();
    const offered = await menu.locator('[data-value]').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
    // From `new`: the current one (disabled), then the steps of the transition table; never `closed`.
    assert.deepEqual(offered, ['new', 'triaged', 'investigating', 'contained', 'resolved', 'false_positive']);
    assert.equal(await page.evaluate(ACTIVE_VALUE), 'triaged');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expectValue(page, 'incident-status', 'investigating');
    // Focus went back to the status button.
    assert.equal(await page.evaluate(ACTIVE_TEST_ID), 'action-status');
    await page.reload();
    await field(page, 'incident-title').waitFor();
    await expectValue(page, 'incident-status', 'investigating');
    await field(page, 'incident-timeline').locator('[data-action="status_changed"]').getByText(/status changed/i).waitFor();
  });

  it('changes the severity and the ENISA category and type', async () => {
    await field(page, 'action-severity').click();
    await field(page, 'severity-option-high').click();
    await expectValue(page, 'incident-severity', 'high');

    await field(page, 'action-classify').click();
    const dialog = field(page, 'classify-dialog');
    await dialog.waitFor();
    await field(page, 'classify-category').selectOption('intrusions');
    await field(page, 'classify-type').selectOption('system-compromise');
    await field(page, 'classify-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await expectValue(page, 'incident-category', 'intrusions');
    await expectValue(page, 'incident-type', 'system-compromise');

    await page.reload();
    await field(page, 'incident-title').waitFor();
    await expectValue(page, 'incident-severity', 'high');
    await expectValue(page, 'incident-category', 'intrusions');
    await expectValue(page, 'incident-type', 'system-compromise');
    const timeline = field(page, 'incident-timeline');
    await timeline.locator('[data-action="severity_changed"]').waitFor();
    await timeline.locator('[data-action="category_changed"]').waitFor();
    await timeline.locator('[data-action="type_changed"]').waitFor();
  });

  it('posts a comment with Ctrl+Enter (the `c` shortcut focuses the box); line breaks are kept', async () => {
    await page.locator('h1').focus();
    await page.keyboard.press('c');
    assert.equal(await page.evaluate(ACTIVE_TEST_ID), 'comment-input');
    await page.keyboard.type('Isolated the host.');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('Backups look intact.');
    await page.keyboard.press('Control+Enter');
    const comment = field(page, 'comment-list').locator('.comment__body', { hasText: 'Isolated the host.' });
    await comment.waitFor();
    assert.equal(await field(page, 'comment-input').inputValue(), '');
    await page.reload();
    await field(page, 'incident-title').waitFor();
    await comment.waitFor();
    assert.equal(await comment.innerText(), 'Isolated the host.\nBackups look intact.');
    assert.match((await field(page, 'comment-list').locator('.comment__author').first().textContent()) ?? '', /ana/);
  });

  it('links a related incident found by search, and the link stays after a reload', async () => {
    await field(page, 'action-link').click();
    const dialog = field(page, 'link-dialog');
    await dialog.waitFor();
    await field(page, 'pick-search').fill(LINKED);
    const option = page.locator(`[data-testid="pick-option-${ids[LINKED]}"]`);
    await option.waitFor();
    await option.check();
    await field(page, 'pick-submit').click();
    await dialog.waitFor({ state: 'detached' });
    const row = field(page, 'related-list').locator(`[data-related-id="${ids[LINKED]}"]`);
    await row.waitFor();
    await page.reload();
    await field(page, 'incident-title').waitFor();
    await row.waitFor();
    assert.equal(await row.locator('a.related__title').getAttribute('href'), `/incidents/${ids[LINKED]}`);
    await field(page, 'incident-timeline').locator('[data-action="linked"]').waitFor();
  });

  it('merges a third incident into this one: its page shows the merged banner, this one lists it', async () => {
    await open(page, MERGED);
    await page.keyboard.press('m');
    const dialog = field(page, 'merge-dialog');
    await dialog.waitFor();
    await field(page, 'pick-search').fill(MAIN);
    // The search answers with the one incident on that host (the list before it showed recent ones).
    await dialog.locator('.pick__heading', { hasText: /matching/i }).waitFor();
    await dialog.locator('.pick__results[aria-busy]').waitFor({ state: 'detached' });
    const option = page.locator(`[data-testid="pick-option-${ids[MAIN]}"]`);
    await option.check();
    await field(page, 'pick-chosen').getByText(/selected/i).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'incident-merge-dialog.png') });
    await field(page, 'pick-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await field(page, 'merged-banner').waitFor();

    await page.reload();
    await field(page, 'incident-title').waitFor();
    const banner = field(page, 'merged-banner');
    await banner.waitFor();
    assert.equal(await field(page, 'merged-banner-link').getAttribute('href'), `/incidents/${ids[MAIN]}`);
    await expectValue(page, 'incident-status', 'closed');

    await field(page, 'merged-banner-link').click();
    await page.waitForURL(`**/incidents/${ids[MAIN]}`);
    await field(page, 'merged-list').locator(`[data-merged-id="${ids[MERGED]}"]`).waitFor();
    await field(page, 'incident-timeline').locator('[data-action="merged_from"]').waitFor();
  });

  it('closes another incident as a false positive after confirming (`f`)', async () => {
    await open(page, FALSE_POSITIVE);
    await page.keyboard.press('f');
    const confirm = page.getByRole('dialog');
    await confirm.waitFor();
    await confirm.getByRole('button', { name: /close as false positive/i }).click();
    await expectValue(page, 'incident-status', 'false_positive');
    await page.reload();
    await field(page, 'incident-title').waitFor();
    await expectValue(page, 'incident-status', 'false_positive');
    assert.equal(await field(page, 'action-false-positive').getAttribute('aria-disabled'), 'true');
  });

  it('a stale view gets a 409: the page says someone else changed the incident and shows the latest', async () => {
    // No live feed on this page, so it cannot hear about the other change.
    const p = await context.newPage();
    try {
      await p.route('**/socket.io/**', (route) => route.abort());
      await open(p, LINKED);
      await expectValue(p, 'incident-severity', 'critical');
      const changed = await admin.request('PATCH', `/api/v1/incidents/${ids[LINKED]}`, { severity: 'low' });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      await field(p, 'action-severity').click();
      await field(p, 'severity-option-medium').click();
      await field(p, 'triage-stale').waitFor();
      await expectValue(p, 'incident-severity', 'low');
      // Now current: the same change goes through.
      await field(p, 'action-severity').click();
      await field(p, 'severity-option-medium').click();
      await expectValue(p, 'incident-severity', 'medium');
      assert.equal(await field(p, 'triage-stale').count(), 0);
    } finally {
      await p.close();
    }
  });

  it('pivots from the host to the filtered list, and copies a field value to the clipboard', async () => {
    await open(page, MAIN);
    // Copy: the command line of the first event.
    const row = page.locator('tr[data-field="CommandLine"]').first();
    const copy = row.getByRole('button', { name: /copy the value of CommandLine/i });
    await copy.click();
    await copy.getByText(/copied/i).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), 'vssadmin.exe delete shadows /all /quiet');
    // The user field links to the list filtered by that user.
    const userPivot = page.locator('tr[data-field="User"] a[data-pivot="user"]').first();
    assert.equal(await userPivot.getAttribute('href'), `/?user=${encodeURIComponent('CORP\\svc-backup')}`);

    // A full-page shot of the page as a keyboard user leaves it: scrolled to the top, nothing focused.
    await page.evaluate('document.activeElement?.blur(); window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'incident-triage.png'), fullPage: true });

    const hostPivot = field(page, 'entities-hosts').locator('a[data-pivot="host"]').first();
    assert.equal(await hostPivot.getAttribute('href'), `/?host=${MAIN}`);
    await hostPivot.click();
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('host') === MAIN);
  });

  it('`u` goes back to the list it came from with its filters, else to the list', async () => {
    // Came from the list (any filters in its address): back to exactly that address.
    await page.goto(`${vigil.url}/?severity=critical&q=${MAIN}`);
    await page.locator('h1').first().waitFor();
    const listUrl = page.url();
    // An in-app navigation, as a click on a row of the list makes it.
    await page.evaluate(`history.pushState(null, '', '/incidents/${ids[MAIN]}'); window.dispatchEvent(new PopStateEvent('popstate'))`);
    await field(page, 'comment-count').waitFor();
    await page.keyboard.press('u');
    await page.waitForURL((u) => u.pathname === '/');
    assert.equal(page.url(), listUrl);

    // Opened directly: `u` goes to the list.
    await open(page, MAIN);
    await page.keyboard.press('u');
    await page.waitForURL((u) => u.pathname === '/');
    assert.equal(new URL(page.url()).search, '');
  });

  it('shows leadership no action bar and no comment box', async () => {
    const p = await context.browser()!.newPage({ viewport: { width: 1280, height: 720 } });
    try {
      await signIn(p, 'director', PASSWORD);
      await open(p, MAIN);
      await field(p, 'comment-list').locator('.comment__body').first().waitFor();
      assert.equal(await field(p, 'incident-actions').count(), 0);
      assert.equal(await field(p, 'comment-input').count(), 0);
      assert.equal(await field(p, 'incident-related').locator('button').count(), 0, 'no unlink buttons');
    } finally {
      await p.close();
    }
  });

  it("gives an agency admin the not-found view for another agency's incident, and its own with a comment box", async () => {
    const p = await context.browser()!.newPage({ viewport: { width: 1280, height: 720 } });
    try {
      await signIn(p, 'moj-admin', PASSWORD);
      await p.goto(incidentUrl(MAIN));
      await field(p, 'incident-not-found').waitFor();
      assert.equal(await field(p, 'incident-title').count(), 0);

      await open(p, OTHER_AGENCY);
      assert.equal(await field(p, 'incident-actions').count(), 0);
      await field(p, 'comment-input').fill('Our team is on it.');
      await field(p, 'comment-submit').click();
      await field(p, 'comment-list').getByText('Our team is on it.').waitFor();
    } finally {
      await p.close();
    }
  });

  it('unlinks the related incident from the keyboard; focus stays in the workspace', async () => {
    await open(page, MAIN);
    const unlink = field(page, `unlink-${ids[LINKED]}`);
    await unlink.focus();
    await page.keyboard.press('Enter');
    await field(page, 'related-list').getByText(/no linked incidents/i).waitFor();
    await page.waitForFunction(`${ACTIVE_TEST_ID} === 'action-link'`);
    await page.reload();
    await field(page, 'incident-title').waitFor();
    await field(page, 'related-list').getByText(/no linked incidents/i).waitFor();
    await field(page, 'incident-timeline').locator('[data-action="unlinked"]').waitFor();
  });
});
