/**
 * The incident queue in real headless Chromium against a real Vigil (Redis, BullMQ workers, SQLite): filters in the
 * URL (reload, back/forward, pivots), saved views, keyboard triage, bulk actions with per-incident failures, the
 * virtualised list over 10,000+ incidents with paging by cursor, live rows without jumps, critical-incident
 * notifications, and what roles without editing rights see.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Incident } from '../../core/domain/types.js';
import type { HistoricalIncident } from '../../core/storage/storage.port.js';
import { loadConfig } from '../../core/config/config.js';
import { createLogger } from '../../core/logging/logger.js';
import { startVigil, type VigilHandle } from '../../server/vigil.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import {
  ADMIN_PASSWORD,
  REPO_ROOT,
  type ApiClient,
  postEvents,
  provisionAgent,
  shadowCopyDeletion,
  startTestRedis,
  tempDir,
  waitFor,
} from '../support/harness.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** WCAG 2.1 A/AA violations axe-core finds on the page as it is now (ids and first targets). */
async function axeViolations(p: Page): Promise<string[]> {
  if (!(await p.evaluate(() => 'axe' in globalThis))) await p.addScriptTag({ path: AXE_SOURCE });
  return p.evaluate(async () => {
    interface Result {
      violations: { id: string; nodes: { target: string[] }[] }[];
    }
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: object): Promise<Result> } }).axe;
    const doc = (globalThis as unknown as { document: unknown }).document;
    const result = await axe.run(doc, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
}
const PASSWORD = 'a-good-password-1';

/** A request that fires the starter SQL injection rule (level high, ENISA intrusion-attempts). */
function sqlInjection(host: string, clientIp: string) {
  return {
    time: new Date().toISOString(),
    host,
    logsource: { category: 'webserver' },
    fields: { 'c-ip': clientIp, 'cs-method': 'GET', 'c-uri': '/login.php', 'c-uri-query': "id=1' or '1'='1", 'sc-status': 200 },
  };
}

/**
 * A private copy of the built console (dist/web, from `npm run build:web`): a rebuild elsewhere while this file runs
 * (another engineer, another test run) empties dist/web for a moment and would fail a page load here at random.
 */
async function privateConsoleCopy(): Promise<string> {
  const source = path.join(REPO_ROOT, 'dist', 'web');
  for (let attempt = 0; ; attempt++) {
    try {
      const dir = tempDir('web');
      fs.cpSync(source, dir, { recursive: true });
      const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
      const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
      if (assets.length > 0 && assets.every((a) => fs.existsSync(path.join(dir, a)))) return dir;
    } catch {
      // mid-build: try again
    }
    if (attempt >= 50) throw new Error(`no complete console build in ${source}: run npm run build:web`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** As harness.ts useVigil (own Redis, fresh SQLite, an agency with one agent), serving the private console copy. */
function useVigilWithConsoleCopy() {
  const ctx = {} as { redis: EmbeddedRedis; vigil: VigilHandle; admin: ApiClient; agencyId: string; agentId: string; key: string };
  before(async function () {
    if (!chromiumAvailable()) this.skip();
    ctx.redis = await startTestRedis();
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: tempDir('data'),
      RULES_DIR: path.join(REPO_ROOT, 'rules'),
      VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      REDIS_URL: ctx.redis.url,
    });
    ctx.vigil = await startVigil(config, createLogger(config.logLevel), { webDir: await privateConsoleCopy() });
    Object.assign(ctx, await provisionAgent(ctx.vigil.url));
  });
  after(async () => {
    await ctx.vigil?.close();
    await ctx.redis?.stop();
  });
  return ctx;
}

describe('incident queue: filters, views, keyboard, bulk, virtualisation, alerts (real Chromium, real server)', function () {
  this.timeout(120_000);
  const ctx = useVigilWithConsoleCopy();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Uncaught errors in the console page: none is acceptable. */
  const pageErrors: string[] = [];

  const rows = () => page.locator('tbody tr[data-incident-id]');
  const rowFor = (p: Page, host: string) => p.locator('tbody tr[data-incident-id]', { hasText: host });
  const urlParams = (p: Page = page) => new URL(p.url()).searchParams;

  /** Incidents the server has whose host starts with `prefix`, waiting until there are `count`. */
  async function incidentsFor(prefix: string, count: number): Promise<Incident[]> {
    return waitFor(
      async () => {
        const r = await ctx.admin.get(`/api/v1/incidents?q=${encodeURIComponent(prefix)}&limit=100`);
        const items = (r.body.items as Incident[]).filter((i) => i.host?.startsWith(prefix));
        return items.length >= count ? items : null;
      },
      20_000,
      `${count} incidents for ${prefix}`,
    );
  }

  async function incident(id: string): Promise<Incident> {
    const r = await ctx.admin.get(`/api/v1/incidents/${encodeURIComponent(id)}`);
    assert.equal(r.status, 200);
    return r.body.incident as Incident;
  }

  async function login(p: Page, username: string, password: string): Promise<void> {
    await p.goto(`${ctx.vigil.url}/login`);
    await p.getByLabel(/username/i).fill(username);
    await p.getByLabel(/password/i).fill(password);
    await p.getByRole('button', { name: /sign in/i }).click();
    await p.locator('[data-testid="incident-list"]').waitFor();
    await p.locator('[data-testid="live-status"][data-state="live"]').waitFor();
  }

  before(async function () {
    if (!chromiumAvailable()) this.skip();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const posted = await postEvents(ctx.vigil.url, ctx.key, {
      events: [shadowCopyDeletion('TL-WS-01'), shadowCopyDeletion('TL-WS-02'), sqlInjection('TL-WEB-01', '203.0.113.9')],
    });
    assert.equal(posted.status, 202);
    await incidentsFor('TL-', 3);
    await login(page, 'admin', ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(() => {
    assert.deepEqual(pageErrors.splice(0), [], 'errors in the page');
  });

  it('keeps every filter in the URL: reload and back/forward restore it, pivots show as removable chips', async () => {
    await rowFor(page, 'TL-WEB-01').waitFor();
    assert.equal(await rows().count(), 3);

    // Severity: one click.
    await page.locator('.lq-sev__btn[data-severity="critical"]').click();
    await page.waitForURL((u) => u.searchParams.get('severity') === 'critical');
    await rowFor(page, 'TL-WEB-01').waitFor({ state: 'detached' });
    assert.equal(await rows().count(), 2);

    // ENISA category (multi).
    const category = page.locator('.ms', { has: page.locator('.ms__label', { hasText: /^Category$/ }) });
    await category.locator('.ms__button').click();
    await category.getByLabel('Malicious code').check();
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => u.searchParams.get('category') === 'malicious-code');

    // Assignee: unassigned.
    const assignee = page.locator('[data-testid="assignee-filter"]');
    await assignee.locator('.ms__button').click();
    await assignee.getByLabel('Unassigned').check();
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => u.searchParams.get('assignee') === 'none');

    // Time range on last activity, kept relative.
    await page.locator('[data-testid="range-filter"]').selectOption('24h');
    await page.waitForURL((u) => u.searchParams.get('range') === '24h');
    assert.equal(urlParams().get('from'), null, 'a relative range stays relative in the URL');
    await rowFor(page, 'TL-WS-01').waitFor();
    assert.equal(await rows().count(), 2);

    const full = page.url();
    await page.reload();
    await page.locator('[data-testid="incident-list"]').waitFor();
    await rowFor(page, 'TL-WS-02').waitFor();
    assert.equal(page.url(), full);
    assert.equal(await page.locator('.lq-sev__btn[data-severity="critical"]').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('[data-testid="range-filter"]').inputValue(), '24h');
    assert.match((await assignee.locator('.ms__value').textContent()) ?? '', /Unassigned/);
    assert.match((await category.locator('.ms__value').textContent()) ?? '', /Malicious code/);
    assert.equal(await rows().count(), 2);

    // Back: the step before (no range); back again: no assignee; forward: the assignee again.
    await page.goBack();
    await page.waitForURL((u) => u.searchParams.get('range') === null && u.searchParams.get('assignee') === 'none');
    assert.equal(await page.locator('[data-testid="range-filter"]').inputValue(), '');
    await page.goBack();
    await page.waitForURL((u) => u.searchParams.get('assignee') === null && u.searchParams.get('category') === 'malicious-code');
    await page.goForward();
    await page.waitForURL((u) => u.searchParams.get('assignee') === 'none');
    assert.match((await assignee.locator('.ms__value').textContent()) ?? '', /Unassigned/);

    // A pivot from the incident page: a chip, removable.
    await page.goto(`${ctx.vigil.url}/?host=tl-ws-01`);
    const chip = page.locator('[data-testid="pivot-chip"][data-pivot="host"]');
    await chip.waitFor();
    assert.match((await chip.textContent()) ?? '', /Host\s*tl-ws-01/);
    await rowFor(page, 'TL-WS-01').waitFor();
    assert.equal(await rows().count(), 1);
    await page.reload();
    await chip.waitFor();
    await rowFor(page, 'TL-WS-01').waitFor();
    await chip.getByRole('button', { name: /remove filter host/i }).click();
    await page.waitForURL((u) => !u.searchParams.has('host'));
    await rowFor(page, 'TL-WEB-01').waitFor();
    assert.equal(await rows().count(), 3);
    await chip.waitFor({ state: 'detached' });
  });

  it('saves "My open criticals" in two clicks plus a name, applies it, keeps it after reload, refuses a duplicate, deletes it', async () => {
    // Something for the view to show: one critical assigned to admin.
    const [ws01] = (await incidentsFor('TL-WS-01', 1)) as [Incident];
    assert.equal((await ctx.admin.request('PATCH', `/api/v1/incidents/${ws01.id}`, { assignee: 'admin' })).status, 200);

    await page.goto(ctx.vigil.url);
    await rowFor(page, 'TL-WEB-01').waitFor();
    // Two clicks: the "My open" quick view, then Critical.
    await page.getByRole('link', { name: 'My open', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('assignee') === 'me');
    await page.locator('.lq-sev__btn[data-severity="critical"]').click();
    await page.waitForURL((u) => u.searchParams.get('severity') === 'critical');
    await rowFor(page, 'TL-WS-01').waitFor();
    assert.equal(await rows().count(), 1);
    const viewUrl = page.url();

    await page.locator('[data-testid="save-view"]').click();
    const dialog = page.locator('[data-testid="view-dialog"]');
    await dialog.waitFor();
    assert.equal(await dialog.getByLabel('Name').inputValue(), 'My open · Critical', 'a name is suggested');
    await dialog.getByLabel('Name').fill('My open criticals');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('[data-testid="list-toast"]', { hasText: 'Saved view “My open criticals”' }).waitFor();
    const viewsButton = page.locator('[data-testid="views-button"]');
    assert.match((await viewsButton.textContent()) ?? '', /View: My open criticals/, 'the active view is named');

    // Elsewhere, then apply it from the menu.
    await page.getByRole('link', { name: 'All incidents', exact: true }).click();
    await rowFor(page, 'TL-WEB-01').waitFor();
    assert.doesNotMatch((await viewsButton.textContent()) ?? '', /My open criticals/);
    await viewsButton.click();
    const item = page.locator('[data-testid="saved-view"]', { hasText: 'My open criticals' });
    await item.getByRole('link', { name: 'My open criticals' }).click();
    await page.waitForURL(viewUrl);
    await rowFor(page, 'TL-WEB-01').waitFor({ state: 'detached' });
    assert.equal(await rows().count(), 1);
    await viewsButton.click();
    assert.equal(await item.getByRole('link').getAttribute('aria-current'), 'true', 'the active view is highlighted');
    await page.keyboard.press('Escape');

    // It is on the server: still there after a reload.
    await page.reload();
    await rowFor(page, 'TL-WS-01').waitFor();
    await viewsButton.click();
    await item.waitFor();

    // The same name again is refused with a clear message.
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="save-view"]').click();
    await dialog.getByLabel('Name').fill('my open CRITICALS');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.getByRole('alert').filter({ hasText: 'You already have a view named “my open CRITICALS”' }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // Delete it.
    await viewsButton.click();
    await item.getByRole('button', { name: 'Delete view My open criticals' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('[data-testid="list-toast"]', { hasText: 'Deleted view' }).waitFor();
    await page.reload();
    await rowFor(page, 'TL-WS-01').waitFor();
    await viewsButton.click();
    await page.getByText('No saved views yet').waitFor();
    assert.equal(await item.count(), 0);
    await page.keyboard.press('Escape');
    assert.equal(((await ctx.admin.get('/api/v1/views')).body.items as unknown[]).length, 0);
  });

  it('triages from the keyboard: j/k cursor, x select, a assign to me, f false positive, ? help', async () => {
    await page.goto(ctx.vigil.url);
    await rowFor(page, 'TL-WEB-01').waitFor();
    const cursorHost = () => page.locator('tr.irow--cursor .c-host').textContent();
    await page.locator('h1').click();

    await page.keyboard.press('j');
    const first = (await rows().nth(0).getAttribute('data-incident-id'))!;
    const second = (await rows().nth(1).getAttribute('data-incident-id'))!;
    assert.equal(await page.locator('tr.irow--cursor').getAttribute('data-incident-id'), first);
    await page.keyboard.press('j');
    assert.equal(await page.locator('tr.irow--cursor').getAttribute('data-incident-id'), second);
    await page.keyboard.press('k');
    assert.equal(await page.locator('tr.irow--cursor').getAttribute('data-incident-id'), first);
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('tr.irow--cursor').getAttribute('data-incident-id'), second);

    // x selects, Escape clears.
    await page.keyboard.press('x');
    assert.equal(await page.locator(`tr[data-incident-id="${second}"] input.irow__check`).isChecked(), true);
    await page.locator('[data-testid="bulk-bar"]', { hasText: '1 selected' }).waitFor();
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="bulk-bar"]').waitFor({ state: 'hidden' });

    // Move to TL-WEB-01 and assign it to me with `a`.
    await page.keyboard.press('k');
    for (let i = 0; i < 3 && (await cursorHost()) !== 'TL-WEB-01'; i++) await page.keyboard.press('j');
    assert.equal(await cursorHost(), 'TL-WEB-01');
    const webId = (await page.locator('tr.irow--cursor').getAttribute('data-incident-id'))!;
    await page.keyboard.press('a');
    await page.locator(`tr[data-incident-id="${webId}"] .c-assignee`, { hasText: 'admin' }).waitFor();
    assert.equal((await incident(webId)).assignee, 'admin');
    await page.reload();
    await page.locator(`tr[data-incident-id="${webId}"] .c-assignee`, { hasText: 'admin' }).waitFor();

    // `f` closes the cursor row as a false positive after confirming. After the reload the cursor is restored.
    await page.locator('h1').click();
    assert.equal(await page.locator('tr.irow--cursor').getAttribute('data-incident-id'), webId, 'the cursor survives a reload');
    await page.keyboard.press('f');
    const confirm = page.getByRole('dialog');
    await confirm.getByText('Close 1 incident as a false positive?').waitFor();
    await confirm.getByRole('button', { name: 'Close as false positive' }).click();
    await page.locator(`tr[data-incident-id="${webId}"] .c-status`, { hasText: 'False positive' }).waitFor();
    assert.equal((await incident(webId)).status, 'false_positive');
    await page.reload();
    await page.locator(`tr[data-incident-id="${webId}"] .c-status`, { hasText: 'False positive' }).waitFor();

    // ? lists the queue's shortcuts.
    await page.locator('h1').click();
    await page.keyboard.press('?');
    const help = page.locator('[data-testid="shortcut-help"]');
    await help.waitFor();
    const group = help.locator('.shortcut-help__group', { hasText: 'Incident queue' });
    for (const label of ['Next incident', 'Previous incident', 'Open the incident', 'Select or deselect', 'Assign to me', 'Set status', 'Close as false positive', 'Clear the selection', 'Search']) {
      await group.getByText(label, { exact: false }).first().waitFor();
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'shortcut-help.png') });
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });

    // `o` opens the cursor row; Back returns to the list with the cursor where it was.
    await page.keyboard.press('o');
    await page.waitForURL(`**/incidents/${webId}`);
    await page.locator('[data-testid="incident-title"]').waitFor();
    await page.goBack();
    await page.locator(`tr.irow--cursor[data-incident-id="${webId}"]`).waitFor();
  });

  it('selects three incidents and changes their status in bulk; per-incident failures are spelled out', async () => {
    const posted = await postEvents(ctx.vigil.url, ctx.key, {
      events: [shadowCopyDeletion('TL-BULK-01'), shadowCopyDeletion('TL-BULK-02'), sqlInjection('TL-BULK-03', '198.51.100.3')],
    });
    assert.equal(posted.status, 202);
    const bulk = await incidentsFor('TL-BULK-', 3);
    await page.goto(ctx.vigil.url);
    for (const i of bulk) await page.locator(`tr[data-incident-id="${i.id}"]`).waitFor();

    for (const i of bulk) await page.locator(`tr[data-incident-id="${i.id}"] input.irow__check`).check();
    const bar = page.locator('[data-testid="bulk-bar"]');
    await bar.locator('text=3 selected').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'incidents-bulk.png') });

    await bar.getByRole('button', { name: /Set status/ }).click();
    const statusDialog = page.locator('[data-testid="status-dialog"]');
    await statusDialog.getByRole('button', { name: /Investigating/ }).click();
    await page.locator('[data-testid="list-toast"]', { hasText: 'Set 3 incidents to Investigating' }).waitFor();
    for (const i of bulk) await page.locator(`tr[data-incident-id="${i.id}"] .c-status`, { hasText: 'Investigating' }).waitFor();
    await bar.waitFor({ state: 'hidden' });
    await page.reload();
    for (const i of bulk) await page.locator(`tr[data-incident-id="${i.id}"] .c-status`, { hasText: 'Investigating' }).waitFor();
    for (const i of bulk) assert.equal((await incident(i.id)).status, 'investigating');

    // With the false positive of the previous test in the selection: it cannot be contained, the three can.
    const fp = (await incidentsFor('TL-WEB-01', 1))[0]!;
    for (const id of [...bulk.map((i) => i.id), fp.id]) await page.locator(`tr[data-incident-id="${id}"] input.irow__check`).check();
    await bar.locator('text=4 selected').waitFor();
    await page.keyboard.press('s');
    await statusDialog.getByRole('button', { name: /Contained/ }).click();
    const failures = page.locator('[data-testid="bulk-failures"]');
    await failures.getByText('1 of 4 could not change:').waitFor();
    await failures.getByText(fp.title).waitFor();
    await page.locator('[data-testid="list-toast"]', { hasText: 'Set 3 incidents to Contained' }).waitFor();
    // The one that failed stays selected.
    await bar.locator('text=1 selected').waitFor();
    assert.equal(await page.locator(`tr[data-incident-id="${fp.id}"] input.irow__check`).isChecked(), true);
    await page.keyboard.press('Escape');
    await failures.getByRole('button', { name: 'Dismiss' }).click();
    for (const i of bulk) assert.equal((await incident(i.id)).status, 'contained');
  });

  it('passes axe-core WCAG 2.1 AA with a selection and the bulk bar, the views menu, the alert menu and the status dialog open', async () => {
    await page.goto(ctx.vigil.url);
    await rowFor(page, 'TL-WS-01').waitFor();
    await page.locator('h1').click();
    await page.keyboard.press('j');
    await page.keyboard.press('x');
    await page.locator('[data-testid="bulk-bar"]').waitFor();
    const problems: string[] = [];
    const check = async (where: string) => problems.push(...(await axeViolations(page)).map((v) => `${where}: ${v}`));
    await check('selection');
    await page.locator('[data-testid="views-button"]').click();
    await check('views menu');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="notify-button"]').click();
    await check('alert menu');
    await page.keyboard.press('Escape');
    await page.locator('h1').click();
    await page.keyboard.press('s');
    await page.locator('[data-testid="status-dialog"]').waitFor();
    await check('status dialog');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    assert.deepEqual(problems, []);
  });

  it('alerts on new critical incidents with a tone and a desktop notification, once both are on (not for others)', async () => {
    const alerts = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await alerts.grantPermissions(['notifications'], { origin: ctx.vigil.url });
    // Plain JavaScript (not compiled by the test runner): record every notification the page constructs (the real
    // constructor still runs) and every oscillator it starts.
    await alerts.addInitScript({
      content: `
        window.__notes = [];
        window.__tones = 0;
        const Real = window.Notification;
        class Recorded extends Real {
          constructor(title, options) {
            super(title, options);
            window.__notes.push(options && options.tag ? { title, tag: options.tag } : { title });
          }
        }
        Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true, writable: true });
        const start = OscillatorNode.prototype.start;
        OscillatorNode.prototype.start = function (...args) {
          window.__tones += 1;
          return start.apply(this, args);
        };
      `,
    });
    const p = await alerts.newPage();
    try {
      await login(p, 'admin', ADMIN_PASSWORD);
      await p.locator('[data-testid="notify-button"]').click();
      const sound = p.locator('[data-testid="notify-sound"]');
      const desktop = p.locator('[data-testid="notify-desktop"]');
      assert.equal(await sound.getAttribute('aria-checked'), 'false', 'off by default');
      assert.equal(await desktop.getAttribute('aria-checked'), 'false', 'off by default');
      await sound.click();
      await p.locator('[data-testid="notify-sound"][aria-checked="true"]').waitFor();
      await p.locator('[data-testid="notify-desktop"]').click();
      await p.locator('[data-testid="notify-desktop"][aria-checked="true"]').waitFor();
      await p.keyboard.press('Escape');
      assert.deepEqual(JSON.parse((await p.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('vigil.notify'))) ?? '{}'), { sound: true, desktop: true });
      await p.evaluate(() => ((globalThis as unknown as { __tones: number }).__tones = 0));

      // A high incident: in the list, but no alert.
      assert.equal((await postEvents(ctx.vigil.url, ctx.key, { events: [sqlInjection('TL-NOTE-HIGH', '192.0.2.44')] })).status, 202);
      await rowFor(p, 'TL-NOTE-HIGH').waitFor({ timeout: 10_000 });
      // A critical one: the tone and the notification.
      assert.equal((await postEvents(ctx.vigil.url, ctx.key, { events: [shadowCopyDeletion('TL-NOTE-CRIT')] })).status, 202);
      await rowFor(p, 'TL-NOTE-CRIT').waitFor({ timeout: 10_000 });
      const crit = (await incidentsFor('TL-NOTE-CRIT', 1))[0]!;
      const notes = await waitFor(
        async () => {
          const n = await p.evaluate(() => (globalThis as unknown as { __notes: { title: string; tag?: string }[] }).__notes);
          return n.length ? n : null;
        },
        5_000,
        'a notification',
      );
      assert.deepEqual(notes, [{ title: `Critical incident: ${crit.title}`, tag: crit.id }], 'one notification, for the critical incident only');
      assert.ok((await p.evaluate(() => (globalThis as unknown as { __tones: number }).__tones)) >= 1, 'the tone played');

      // Remembered after a reload.
      await p.reload();
      await p.locator('[data-testid="notify-button"]').click();
      await p.locator('[data-testid="notify-desktop"][aria-checked="true"]').waitFor();
      await p.locator('[data-testid="notify-sound"][aria-checked="true"]').waitFor();
    } finally {
      await alerts.close();
    }
  });

  it('shows leadership the queue without checkboxes, bulk bar or editing shortcuts', async () => {
    const created = await ctx.admin.post('/api/v1/users', { username: 'director', password: PASSWORD, role: 'leadership' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const other = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    try {
      const p = await other.newPage();
      await login(p, 'director', PASSWORD);
      await rowFor(p, 'TL-WS-01').waitFor();
      assert.equal(await p.locator('input.irow__check').count(), 0);
      assert.equal(await p.getByRole('link', { name: 'My open', exact: true }).count(), 0);
      await p.locator('h1').click();
      await p.keyboard.press('j');
      await p.locator('tr.irow--cursor').waitFor();
      await p.keyboard.press('x');
      await p.keyboard.press('a');
      assert.equal(await p.locator('[data-testid="bulk-bar"]').isVisible(), false);
      await p.keyboard.press('?');
      const help = p.locator('[data-testid="shortcut-help"]');
      await help.getByText('Next incident').first().waitFor();
      assert.equal(await help.getByText('Assign to me').count(), 0);
    } finally {
      await other.close();
    }
  });

  it('virtualises 10,000+ incidents: total shown, under 200 rows in the DOM, more pages as the analyst scrolls; live rows do not move the view', async () => {
    const agencies = (await ctx.admin.get('/api/v1/agencies')).body.items as { id: string }[];
    const records = makeHistory(10_250, agencies.map((a) => a.id));
    const started = Date.now();
    const imported = await ctx.vigil.storage.stats.importIncidents(records);
    assert.equal(imported.inserted, records.length);
    assert.ok(Date.now() - started < 20_000, `import took ${Date.now() - started} ms`);

    await page.goto(ctx.vigil.url);
    await rowFor(page, 'TL-WS-01').waitFor();
    const count = page.locator('[data-testid="incident-count"]');
    await count.filter({ hasText: /10,2\d\d incidents/ }).waitFor();
    const total = Number(((await count.textContent()) ?? '').replace(/ incidents.*/, '').replace(/,/g, ''));
    assert.ok(total >= 10_000, `total ${total}`);
    assert.equal(await page.locator('[data-testid="incident-list"]').getAttribute('aria-rowcount'), String(total + 1));
    const inDom = await page.locator('tbody tr[data-incident-id]').count();
    assert.ok(inDom > 5 && inDom < 200, `${inDom} rows in the DOM`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'incidents-queue.png') });

    // Scrolling to the end of what is loaded fetches the next pages (rows 201+ exist only after two more pages).
    const scroller = page.locator('[data-testid="incident-scroller"]');
    for (let i = 0; i < 20 && (await page.locator('tr[aria-rowindex="202"]').count()) === 0; i++) {
      await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await page.waitForTimeout(250);
    }
    await page.locator('tr[aria-rowindex="202"]').waitFor();
    assert.ok((await page.locator('tbody tr[data-incident-id]').count()) < 200);

    // Deep in the list, open an incident and come back: same rows, same scroll position.
    const deep = page.locator('tr[aria-rowindex="202"]');
    const deepId = (await deep.getAttribute('data-incident-id'))!;
    await deep.scrollIntoViewIfNeeded();
    const scrolledTo = await scroller.evaluate((el) => el.scrollTop);
    await deep.locator('a.irow__link').click();
    await page.locator('[data-testid="incident-title"]').waitFor();
    await page.goBack();
    await page.locator(`tr[data-incident-id="${deepId}"][aria-rowindex="202"]`).waitFor();
    assert.ok(Math.abs((await scroller.evaluate((el) => el.scrollTop)) - scrolledTo) <= 2, 'the scroll position came back');

    // Scrolled down, a new incident does not move the rows under the analyst's eyes: a pill offers the way up.
    await scroller.evaluate((el) => el.scrollTo({ top: 40 * 60 }));
    await page.waitForTimeout(200);
    /** The first row below the sticky header: what the analyst reads first. */
    const topRow = async () =>
      page.evaluate(() => {
        interface El {
          getBoundingClientRect(): { bottom: number };
          querySelector(selector: string): El | null;
          querySelectorAll(selector: string): ArrayLike<El>;
          getAttribute(name: string): string | null;
        }
        const s = (globalThis as unknown as { document: El }).document.querySelector('[data-testid="incident-scroller"]')!;
        const head = s.querySelector('thead')!.getBoundingClientRect().bottom;
        const rowsNow = Array.from(s.querySelectorAll('tbody tr[data-incident-id]'));
        return rowsNow.find((r) => r.getBoundingClientRect().bottom > head + 2)?.getAttribute('data-incident-id');
      });
    const before = await topRow();
    assert.equal((await postEvents(ctx.vigil.url, ctx.key, { events: [shadowCopyDeletion('TL-LIVE-01')] })).status, 202);
    const pill = page.locator('[data-testid="new-pill"]');
    await pill.filter({ hasText: '1 new incident' }).waitFor({ timeout: 5_000 });
    assert.equal(await topRow(), before, 'the view did not jump');
    await pill.click();
    await rowFor(page, 'TL-LIVE-01').waitFor();
    await waitFor(async () => (await scroller.evaluate((el) => el.scrollTop)) === 0, 5_000, 'the list back at the top');
    await pill.waitFor({ state: 'hidden' });

    // The wall screen.
    await page.setViewportSize({ width: 2560, height: 1440 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, 'incidents-wall.png') });
    const wallRows = await page.locator('tbody tr[data-incident-id]').count();
    assert.ok(wallRows < 200, `${wallRows} rows on the wall screen`);
    await page.setViewportSize({ width: 1280, height: 720 });
  });
});

// ---- A quick, realistic backlog ----------------------------------------------------------------------------------

const TITLES: [string, string, Incident['severity'], string][] = [
  ['Brute Force Login', 'sigma-bruteforce', 'medium', 'intrusion-attempts'],
  ['Suspicious PowerShell Download', 'sigma-ps-download', 'high', 'malicious-code'],
  ['Port Scan', 'sigma-portscan', 'low', 'information-gathering'],
  ['Webshell Access', 'sigma-webshell', 'critical', 'intrusions'],
  ['Phishing Link Clicked', 'sigma-phish-click', 'medium', 'fraud'],
  ['SQL Injection Attempt In URL', 'sigma-sqli', 'high', 'intrusion-attempts'],
  ['Outbound SMB To Internet', 'sigma-smb-out', 'medium', 'intrusions'],
  ['DNS Query To Known C2 Domain', 'sigma-c2-dns', 'high', 'malicious-code'],
  ['Defacement String In Page', 'sigma-deface', 'informational', 'information-content-security'],
];
const STATUSES: Incident['status'][] = ['new', 'new', 'new', 'triaged', 'investigating', 'contained'];

function makeHistory(n: number, agencyIds: string[]): HistoricalIncident[] {
  const now = Date.now();
  const out: HistoricalIncident[] = [];
  for (let i = 0; i < n; i++) {
    const [title, ruleId, severity, category] = TITLES[i % TITLES.length]!;
    // Older than anything the tests post live: from 2 hours to 30 days ago.
    const last = new Date(now - 2 * 3_600_000 - i * 250_000).toISOString();
    const first = new Date(Date.parse(last) - (i % 7) * 600_000).toISOString();
    const host = `BK-${String(i % 400).padStart(3, '0')}-${['WS', 'SRV', 'DC', 'WEB'][i % 4]}`;
    out.push({
      incident: {
        id: `bk-${String(i).padStart(6, '0')}-${randomUUID().slice(0, 8)}`,
        title,
        severity,
        category,
        agencyId: agencyIds[i % agencyIds.length]!,
        status: STATUSES[i % STATUSES.length]!,
        assignee: i % 5 === 0 ? 'admin' : null,
        groupKey: `${ruleId}|${host}`,
        ruleId,
        ruleIds: [ruleId],
        host,
        techniques: [],
        entities: { hosts: [host], users: [`CORP\\user${i % 90}`], ips: [`10.${i % 200}.${(i >> 3) % 250}.${i % 250}`] },
        alertCount: 1 + (i % 4),
        eventCount: 1 + (i % 37),
        firstSeen: first,
        lastSeen: last,
        createdAt: first,
        updatedAt: last,
      },
    });
  }
  return out;
}
