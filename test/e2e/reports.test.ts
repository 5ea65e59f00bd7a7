/**
 * Incident reports in the console (real headless Chromium, real server, Redis, SQLite): an agency admin files a
 * report through the form (validated as they type), saves the draft and submits the early warning; an analyst sees
 * every agency's reports late ones first, acknowledges, and watches an overdue badge appear live. No sleeping to
 * reach a deadline: reports are filed with past awareness times, so they are overdue the moment they exist.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { ApiClient, provisionAgent, REPO_ROOT, startTestRedis, startTestVigil, waitFor } from '../support/harness.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');
const PASSWORD = 'report-e2e-password';
const HOUR = 3_600_000;

describe('incident reports in the console (real headless Chromium, real server, Redis, SQLite)', function () {
  this.timeout(90_000);
  let redis: EmbeddedRedis;
  let vigil: Awaited<ReturnType<typeof startTestVigil>>;
  let browser: Browser;
  let filer: Page;
  let analyst: Page;
  let mofApi: ApiClient;
  let reportId = '';

  async function signIn(page: Page, username: string): Promise<void> {
    await page.goto(`${vigil.url}/login`);
    await page.getByLabel(/username/i).fill(username);
    await page.getByLabel(/password/i).fill(PASSWORD);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.locator('[data-testid="live-status"]').waitFor();
  }

  /** A `datetime-local` value `hoursAgo` in the browser's own time zone. */
  function localInput(page: Page, hoursAgo: number): Promise<string> {
    // No helper functions inside: the test runner's transpiler would wrap them in a helper the page does not have.
    return page.evaluate((ms) => {
      const d = new Date(Date.now() - ms);
      const parts = [d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes()].map((n) => String(n).padStart(2, '0'));
      return `${d.getFullYear()}-${parts[0]}-${parts[1]}T${parts[2]}:${parts[3]}`;
    }, hoursAgo * HOUR);
  }

  const lateReport = (title: string, hoursAgo: number) => ({
    title,
    category: 'availability',
    type: 'ddos',
    description: 'Volumetric attack against the citizen portal.',
    awarenessAt: new Date(Date.now() - hoursAgo * HOUR).toISOString(),
    severity: 'medium',
    tlp: 'GREEN',
    impact: { systemsAffected: 1, usersAffected: 5000, serviceDowntimeMinutes: 240, data: { confidentiality: false, integrity: false, availability: true }, crossBorder: false, suspectedMalicious: true },
    indicators: [{ type: 'ip', value: '198.51.100.66' }],
  });

  before(async function () {
    if (!chromiumAvailable()) this.skip();
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url });
    const { admin, agencyId } = await provisionAgent(vigil.url, 'MOF');
    await admin.post('/api/v1/agencies', { name: 'Ministry of Health', code: 'MOH' });
    for (const [username, role] of [
      ['mof-admin', 'agency_admin'],
      ['analyst1', 'analyst'],
    ] as const) {
      const r = await admin.post('/api/v1/users', { username, password: PASSWORD, role, ...(role === 'agency_admin' ? { agencyId } : {}) });
      assert.equal(r.status, 201);
    }
    mofApi = new ApiClient(vigil.url);
    await mofApi.login('mof-admin', PASSWORD);
    browser = await launchChromium();
    filer = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    analyst = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await vigil?.close();
    await redis?.stop();
  });

  it('files a report through the form, which checks every field as it is typed, and saves the draft', async () => {
    await signIn(filer, 'mof-admin');
    await filer.getByRole('link', { name: /^reports$/i }).click();
    await filer.locator('[data-testid="new-report"]').click();
    const form = filer.locator('[data-testid="report-form"]');
    await form.waitFor();

    await filer.getByLabel(/^title/i).fill('Ra');
    await filer.getByText('At least 3 characters.').waitFor();
    await filer.getByLabel(/^title/i).fill('Ransomware on the finance file servers');
    await filer.getByText('At least 3 characters.').waitFor({ state: 'hidden' });

    await filer.getByLabel(/^category/i).selectOption({ label: 'Malicious Code' });
    await filer.getByLabel(/^type/i).selectOption({ label: 'Infected System' });
    await filer.getByLabel(/^description/i).fill('Files encrypted on FIN-FS-01 and FIN-FS-02; shadow copies deleted; ransom note found.');
    await filer.getByLabel(/^time of awareness/i).fill(await localInput(filer, 2));
    await filer.getByLabel(/^time of occurrence/i).fill(await localInput(filer, 3));
    await filer.locator('[data-testid="deadline-preview"]', { hasText: /Early warning due/ }).waitFor();
    await filer.getByLabel(/^severity \(nciss\)/i).selectOption({ label: 'High (Level 3)' });
    await filer.getByLabel('TLP:AMBER+STRICT').check();
    await filer.getByLabel(/^users affected/i).fill('140');
    await filer.getByLabel(/^integrity/i).check();
    await filer.getByLabel(/^availability/i).check();
    await filer.getByLabel(/^suspected malicious act/i).check();

    // Indicators are checked against their type while being typed.
    await filer.locator('[data-testid="add-indicator"]').click();
    const rows = filer.locator('[data-testid="indicator-row"]');
    await rows.nth(0).getByLabel(/indicator type/i).selectOption('hash');
    await rows.nth(0).getByLabel(/^value/i).fill('e3b0c44298fc');
    await rows.nth(0).getByText(/A hash is 32 \(MD5\), 40 \(SHA-1\) or 64 \(SHA-256\) hex digits/).waitFor();
    await filer.locator('[data-testid="add-indicator"]').click();
    await rows.nth(1).getByLabel(/indicator type/i).selectOption('domain');
    await rows.nth(1).getByLabel(/^value/i).fill('evil-c2[.]example');
    await rows.nth(1).getByLabel(/note/i).fill('C2 seen on both servers');
    await filer.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await filer.screenshot({ path: path.join(ARTIFACTS, 'report-form.png'), fullPage: true });

    // Saving with a bad field is refused in place; fixing it saves the draft.
    await filer.locator('[data-testid="save-draft"]').click();
    await filer.getByText('Some fields need attention.').waitFor();
    await rows.nth(0).getByLabel(/^value/i).fill('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    await filer.locator('[data-testid="save-draft"]').click();
    await filer.locator('[data-testid="save-status"]', { hasText: /Draft saved/ }).waitFor();
    await filer.waitForURL(/\/reports\/[0-9a-f-]{36}\/edit$/);
    reportId = /\/reports\/([0-9a-f-]{36})\/edit$/.exec(filer.url())![1]!;

    const stored = await mofApi.get(`/api/v1/reports/${reportId}`);
    assert.equal(stored.body.status, 'draft');
    assert.equal(stored.body.tlp, 'AMBER+STRICT');
    assert.equal(stored.body.severity, 'high');
    assert.equal(stored.body.impact.usersAffected, 140);
    assert.deepEqual(
      stored.body.indicators.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`),
      ['sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'domain:evil-c2.example'],
    );

    // Later edits save themselves.
    await filer.getByLabel(/^actions taken/i).fill('Servers isolated.');
    await waitFor(async () => (await mofApi.get(`/api/v1/reports/${reportId}`)).body.actionsTaken === 'Servers isolated.', 10_000, 'the autosave');
  });

  it('submits the early warning from the report page', async () => {
    await filer.getByRole('button', { name: /save and view/i }).click();
    await filer.locator('[data-testid="report-title"]', { hasText: 'Ransomware on the finance file servers' }).waitFor();
    await filer.locator('[data-testid="stage-select"]').selectOption('early_warning');
    await filer.locator('[data-testid="submit-stage"]').click();
    await filer.getByRole('dialog').getByRole('button', { name: /^submit$/i }).click();
    await filer.locator('[data-report-status="submitted"]').first().waitFor();
    await filer.locator('[data-testid="versions"]', { hasText: 'v1 · Early warning' }).waitFor();
    await filer.locator('[data-deadline="earlyWarning"][data-state="met"]').waitFor();
    const r = await mofApi.get(`/api/v1/reports/${reportId}`);
    assert.equal(r.body.status, 'submitted');
    assert.equal(r.body.version, 1);
  });

  it('shows the centre every report, late ones first, and an overdue badge the moment a late report is filed', async () => {
    const late = await mofApi.post('/api/v1/reports', lateReport('DDoS on the citizen portal (filed late)', 80));
    assert.equal(late.status, 201);
    await signIn(analyst, 'analyst1');
    await analyst.getByRole('link', { name: /^reports$/i }).click();
    const list = analyst.locator('[data-testid="report-list"]');
    await list.waitFor();
    const first = list.locator('tbody tr').first();
    assert.equal(await first.getAttribute('data-report-id'), late.body.id, 'the late report comes first');
    await first.locator('[data-deadline-state="overdue"]', { hasText: /Early warning overdue/ }).waitFor();
    await list.locator(`[data-report-id="${reportId}"] [data-report-status="submitted"]`).waitFor();

    // A report filed while the list is open appears with its overdue badge, without a reload.
    await analyst.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
    const later = await mofApi.post('/api/v1/reports', lateReport('Defacement of the tax portal (filed very late)', 100));
    const row = list.locator(`[data-report-id="${later.body.id}"]`);
    await row.waitFor({ timeout: 5_000 });
    await row.locator('[data-deadline-state="overdue"]').waitFor();
    assert.equal(await list.locator('tbody tr').first().getAttribute('data-report-id'), later.body.id, 'the latest deadline missed first');
    assert.equal(await analyst.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload), true);

    // The deadline job raises it: the warning shows up live.
    await vigil.reportDeadlines!.runOnce();
    await analyst.locator('.report-alert', { hasText: /overdue: Defacement of the tax portal/ }).first().waitFor({ timeout: 5_000 });
    await analyst.locator('[data-testid="on-time"]').waitFor();
    await analyst.screenshot({ path: path.join(ARTIFACTS, 'reports-list.png'), fullPage: true });
  });

  it('lets the centre acknowledge a submitted report', async () => {
    await analyst.locator(`[data-report-id="${reportId}"] a.rrow__link`).click();
    await analyst.locator('[data-testid="report-title"]').waitFor();
    assert.equal(await analyst.locator('[data-testid="submit-stage"]').count(), 0, 'the centre does not submit');
    await analyst.locator('[data-testid="acknowledge"]').click();
    await analyst.locator('[data-report-status="acknowledged"]').first().waitFor();
    const r = await mofApi.get(`/api/v1/reports/${reportId}`);
    assert.equal(r.body.status, 'acknowledged');
    assert.equal(r.body.acknowledgedBy, 'analyst1');
    // The agency admin's open page follows live.
    await filer.locator('[data-report-status="acknowledged"]').first().waitFor({ timeout: 5_000 });
    await analyst.locator('[data-testid="diff"]').waitFor();
    await analyst.screenshot({ path: path.join(ARTIFACTS, 'report-detail.png'), fullPage: true });
  });
});
