import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import {
  ADMIN_PASSWORD,
  REPO_ROOT,
  postEvents,
  provisionAgent,
  shadowCopyDeletion,
  startTestRedis,
  startTestVigil,
  tempDir,
  waitFor,
  type ApiClient,
} from '../support/harness.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');

const UPLOADED_ID = 'e2e0c0de-7f33-4c2a-8d8e-0e4f7f1c2b21';

/** A valid Sigma rule; `sometimes` on line 11 turns it into the broken one. */
const sigmaRule = (modifier = 'contains') => `title: Vigil E2E Marker Process
id: ${UPLOADED_ID}
status: experimental
description: Fires on a process whose command line carries the end-to-end test marker.
author: Vigil e2e
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    CommandLine|${modifier}: 'vigil-e2e-marker'
  condition: selection
level: medium
tags:
  - attack.execution
  - attack.t1059.001
references:
  - https://example.org/vigil-e2e
  - javascript:alert(1)
falsepositives:
  - Running the Vigil end-to-end tests
`;

/** A rule file on disk that the loader rejects (the condition names a selection that does not exist). */
const REJECTED_FILE = `title: Rejected Example
id: e2e0c0de-7f33-4c2a-8d8e-0e4f7f1c2b99
status: experimental
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    Image|endswith: '\\\\example.exe'
  condition: selection and missing_selection
level: low
`;

describe('console: rules and exceptions (real headless Chromium, real server, Redis, SQLite, rules on disk)', function () {
  this.timeout(120_000);
  let redis: EmbeddedRedis;
  let vigil: Awaited<ReturnType<typeof startTestVigil>>;
  let browser: Browser;
  let page: Page;
  let admin: ApiClient;
  let key: string;
  let agencyId: string;
  let rulesDir: string;

  const incidentsFor = async (host: string) => (await admin.get(`/api/v1/incidents?q=${encodeURIComponent(host)}`)).body;
  const row = (ruleId: string) => page.locator(`[data-testid="rule-row"][data-rule-id="${ruleId}"]`);

  before(async function () {
    if (!chromiumAvailable()) this.skip();
    // A private copy of the rules, since the test writes into it; plus one file the loader must reject.
    rulesDir = tempDir('rules');
    fs.cpSync(path.join(REPO_ROOT, 'rules'), rulesDir, { recursive: true });
    fs.writeFileSync(path.join(rulesDir, 'sigma', 'zz_rejected_example.yml'), REJECTED_FILE);
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url, RULES_DIR: rulesDir });
    ({ admin, key, agencyId } = await provisionAgent(vigil.url));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    fs.mkdirSync(ARTIFACTS, { recursive: true });

    await page.goto(vigil.url);
    await page.getByLabel(/username/i).fill('admin');
    await page.getByLabel(/password/i).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.locator('[data-testid="incident-list"]').waitFor();
  });
  after(async () => {
    await browser?.close();
    await vigil?.close();
    await redis?.stop();
  });

  it('lists the starter rules, the rejected file, and rejects a broken upload naming its line', async () => {
    await page.getByRole('link', { name: 'Rules' }).click();
    await page.waitForURL(/\/rules$/);
    await page.locator('[data-testid="rule-row"]', { hasText: /Shadow Copy/i }).first().waitFor();
    const rows = await page.locator('[data-testid="rule-row"]').count();
    assert.ok(rows >= 27, `only ${rows} rules listed`);
    assert.ok((await page.locator('[data-testid="rule-row"] [data-kind="yara"]').count()) > 0, 'YARA rules are listed');

    const rejected = page.locator('[data-testid="rule-errors"]');
    await rejected.waitFor();
    assert.match((await rejected.textContent()) ?? '', /zz_rejected_example\.yml:\d+.*missing_selection/s);

    // Filters: text narrows the list, and clearing brings everything back.
    await page.getByTestId('rules-search').fill('shadow copy');
    await waitFor(async () => (await page.locator('[data-testid="rule-row"]').count()) === 1, 5_000, 'the search to narrow the list');
    await page.getByTestId('rules-search').fill('');
    await waitFor(async () => (await page.locator('[data-testid="rule-row"]').count()) === rows, 5_000, 'the full list again');

    await page.getByTestId('rule-upload-toggle').click();
    const editor = page.getByTestId('rule-editor');
    await editor.fill(sigmaRule('sometimes'));
    await page.getByTestId('rule-upload-submit').click();
    const problems = page.getByTestId('rule-upload-errors');
    await problems.waitFor();
    const text = (await problems.textContent()) ?? '';
    assert.match(text, /Line 11: .*sometimes/);
    // The offending line is marked in the editor's gutter, and only that one.
    await page.locator('[data-testid="rule-editor-gutter"] .is-error[data-line="11"]').waitFor();
    assert.equal(await page.locator('[data-testid="rule-editor-gutter"] .is-error').count(), 1);
    assert.equal(await editor.getAttribute('aria-invalid'), 'true');
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, 'rules.png'), fullPage: true });
    // The problem is a button that selects the line in the editor.
    await problems.getByRole('button', { name: /Line 11/ }).click();
    const selected = await editor.evaluate((el) => {
      const area = el as unknown as { value: string; selectionStart: number; selectionEnd: number };
      return area.value.slice(area.selectionStart, area.selectionEnd);
    });
    assert.match(selected, /CommandLine\|sometimes/);
    assert.equal(await row(UPLOADED_ID).count(), 0);
  });

  it('accepts a valid upload, lists it, and shows its details with safe links only', async () => {
    const editor = page.getByTestId('rule-editor');
    await editor.fill(sigmaRule());
    await page.getByTestId('rule-upload-submit').click();
    await page.locator('[data-testid="rule-uploaded-id"]', { hasText: UPLOADED_ID }).waitFor();
    await row(UPLOADED_ID).waitFor();
    assert.equal(await page.getByTestId('rule-upload-errors').isVisible(), false);
    assert.equal(await page.locator('[data-testid="rule-editor-gutter"] .is-error').count(), 0);

    await row(UPLOADED_ID).getByTestId('rule-open').click();
    const drawer = page.getByTestId('rule-drawer');
    await drawer.waitFor();
    await drawer.getByText('Running the Vigil end-to-end tests').waitFor();
    const safe = drawer.locator('a[href="https://example.org/vigil-e2e"]');
    assert.equal(await safe.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await drawer.locator('a[href^="javascript"]').count(), 0);
    await drawer.getByText('javascript:alert(1)').waitFor(); // shown, as text
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
  });

  it('disables a rule, and it stays disabled after a reload of the rules and of the page', async () => {
    const toggle = row(UPLOADED_ID).getByTestId('rule-toggle');
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await toggle.click();
    await page.locator(`[data-testid="rule-row"][data-rule-id="${UPLOADED_ID}"] [data-testid="rule-toggle"][aria-checked="false"]`).waitFor();

    await page.getByTestId('rules-reload').click();
    await page.getByText(/Rules reloaded from disk/).waitFor();
    assert.equal(await row(UPLOADED_ID).getByTestId('rule-toggle').getAttribute('aria-checked'), 'false');

    await page.reload();
    await row(UPLOADED_ID).waitFor();
    assert.equal(await row(UPLOADED_ID).getAttribute('data-enabled'), 'false');
    assert.equal(await row(UPLOADED_ID).getByTestId('rule-toggle').getAttribute('aria-checked'), 'false');
    const listed = (await admin.get('/api/v1/rules')).body.items.find((r: { id: string }) => r.id === UPLOADED_ID);
    assert.equal(listed.enabled, false);

    // The "disabled" filter finds it.
    await page.getByTestId('rules-state').selectOption('disabled');
    await waitFor(async () => (await page.locator('[data-testid="rule-row"]').count()) === 1, 5_000, 'only the disabled rule');
    assert.equal(await row(UPLOADED_ID).count(), 1);
  });

  it('adds an exception from an incident: its host raises nothing more, another host still does', async () => {
    const host = 'EXC-HOST-01';
    assert.equal((await postEvents(vigil.url, key, { events: [shadowCopyDeletion(host)] })).status, 202);
    const incident = await waitFor(async () => (await incidentsFor(host)).items[0], 10_000, 'the first incident');

    await page.goto(`${vigil.url}/incidents/${incident.id}`);
    await page.getByTestId('incident-title').waitFor();
    await page.getByTestId('incident-add-exception').click();
    const dialog = page.getByTestId('exception-dialog');
    await dialog.waitFor();
    assert.equal(await dialog.getByTestId('exception-dialog-rule').inputValue(), incident.ruleId);
    assert.equal(await dialog.getByTestId('exception-dialog-host').inputValue(), host);
    assert.equal(await dialog.getByTestId('exception-dialog-host-on').isChecked(), true);
    assert.equal(await dialog.getByTestId('exception-dialog-user-on').isChecked(), false);
    assert.equal(await dialog.getByTestId('exception-dialog-user').inputValue(), 'CORP\\svc-backup');

    // The comment is required.
    await dialog.getByTestId('exception-dialog-submit').click();
    assert.equal(await dialog.getByTestId('exception-dialog-done').count(), 0);
    await dialog.getByTestId('exception-dialog-comment').fill('Backup server: its nightly job prunes shadow copies');
    await dialog.getByTestId('exception-dialog-submit').click();
    await dialog.getByTestId('exception-dialog-done').waitFor();

    // A new matching event on that host raises nothing; the same on another host does.
    const before = await incidentsFor(host);
    assert.equal(before.total, 1);
    const eventsBefore = before.items[0].eventCount;
    const other = 'EXC-OTHER-02';
    assert.equal((await postEvents(vigil.url, key, { events: [shadowCopyDeletion(host), shadowCopyDeletion(other)] })).status, 202);
    await waitFor(async () => (await incidentsFor(other)).total === 1, 10_000, 'the incident on the other host');
    const after = await incidentsFor(host);
    assert.equal(after.total, 1, 'no new incident on the excepted host');
    assert.equal(after.items[0].eventCount, eventsBefore, 'no new event added to the existing incident either');

    // The confirmation links to the Exceptions page, which lists it.
    await dialog.getByTestId('exception-dialog-view').click();
    await page.waitForURL(/\/exceptions$/);
    const listed = page.locator('[data-testid="exception-row"]', { hasText: host });
    await listed.waitFor();
    await listed.getByText(/Shadow Copy/i).waitFor(); // the rule title, resolved from /rules
    await listed.getByText('Backup server: its nightly job prunes shadow copies').waitFor();
    assert.equal(await dialog.count(), 0);
  });

  it('creates and deletes an exception from the Exceptions page', async () => {
    const form = page.getByTestId('exception-form');
    await form.getByTestId('exception-rule').selectOption('*');
    await form.getByTestId('exception-user').fill('svc-e2e-*');
    await form.getByTestId('exception-add-field').click();
    await form.getByLabel('Field name 1', { exact: true }).fill('CommandLine');
    await form.getByLabel('Field value 1', { exact: true }).fill('*nightly-maintenance*');
    await form.getByTestId('exception-comment').fill('Maintenance window automation');
    await form.getByTestId('exception-expires').fill('2099-01-01T08:30');
    await form.getByTestId('exception-submit').click();
    const created = page.locator('[data-testid="exception-row"]', { hasText: 'Maintenance window automation' });
    await created.waitFor();
    await created.getByText('All rules').waitFor();
    await created.getByText('*nightly-maintenance*').waitFor();
    assert.equal((await admin.get('/api/v1/exceptions')).body.items.length, 2);
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, 'exceptions.png'), fullPage: true, animations: 'disabled' });

    await created.getByTestId('exception-delete').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete exception' }).click();
    await created.waitFor({ state: 'detached' });
    const left = (await admin.get('/api/v1/exceptions')).body.items;
    assert.equal(left.length, 1);
    assert.equal(left[0].host, 'EXC-HOST-01');
  });

  it('shows rules read-only to an analyst, and keeps both pages from an agency admin', async () => {
    const password = 'analyst-password-1';
    for (const user of [
      { username: 'e2e-analyst', password, role: 'analyst' },
      { username: 'e2e-agency-admin', password, role: 'agency_admin', agencyId },
    ]) {
      const r = await admin.post('/api/v1/users', user);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const signIn = async (username: string) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const p = await context.newPage();
      await p.goto(`${vigil.url}/rules`);
      await p.getByLabel(/username/i).fill(username);
      await p.getByLabel(/password/i).fill(password);
      await p.getByRole('button', { name: /sign in/i }).click();
      return { context, p };
    };

    const analyst = await signIn('e2e-analyst');
    await analyst.p.locator(`[data-testid="rule-row"][data-rule-id="${UPLOADED_ID}"]`).waitFor();
    assert.equal(await analyst.p.getByTestId('rule-toggle').count(), 0, 'no switches for an analyst');
    assert.equal(await analyst.p.getByTestId('rule-upload-toggle').count(), 0);
    assert.equal(await analyst.p.getByTestId('rules-reload').count(), 0);
    await analyst.p.getByRole('link', { name: 'Exceptions' }).click();
    await analyst.p.locator('[data-testid="exception-row"]', { hasText: 'EXC-HOST-01' }).waitFor();
    await analyst.context.close();

    const agencyAdmin = await signIn('e2e-agency-admin');
    await agencyAdmin.p.getByRole('heading', { name: /not allowed/i }).waitFor();
    assert.equal(await agencyAdmin.p.getByRole('link', { name: 'Rules' }).count(), 0);
    assert.equal(await agencyAdmin.p.getByRole('link', { name: 'Exceptions' }).count(), 0);
    await agencyAdmin.context.close();
  });
});
