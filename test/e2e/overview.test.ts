/**
 * The overview dashboard in a real headless Chromium against a real Vigil (Redis, SQLite, in-process workers):
 * live figures without a reload, links to the filtered incident list, wall mode at 2560×1440, the error banner that
 * keeps the last figures, cleanup on leaving, and an agency admin's scoped view.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Redis } from 'ioredis';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { addCount } from '../../core/metrics/live-metrics.js';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import {
  ADMIN_PASSWORD,
  REPO_ROOT,
  benignProcess,
  postEvents,
  provisionAgent,
  shadowCopyDeletion,
  startTestRedis,
  startTestVigil,
  type ApiClient,
} from '../support/harness.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');
const RULE_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'rules');
const SHADOW_COPY_RULE = '457d4a82-e902-4ed7-8378-b8f4ecd075b5';
const OPEN = 'new,triaged,investigating,contained';
const AGENCY_ADMIN = 'moj-admin';
const AGENCY_ADMIN_PASSWORD = 'moj-admin-pass-1';

async function signIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel(/username/i).fill(username);
  await page.getByLabel(/password/i).fill(password);
  await page.getByRole('button', { name: /sign in|log in/i }).click();
  await page.locator('[data-testid="live-status"]', { hasText: /live/i }).waitFor();
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = require.resolve('axe-core/axe.min.js');

/** WCAG 2.1 A and AA violations axe-core finds on the page (contrast, names, roles, structure), as readable lines. */
async function axeProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE_SOURCE });
  return page.evaluate(async () => {
    type Result = { violations: { id: string; help: string; nodes: { target: string[]; failureSummary?: string }[] }[] };
    const g = globalThis as unknown as { axe: { run(ctx: unknown, opts: object): Promise<Result> }; document: unknown };
    const result = await g.axe.run(g.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id}: ${v.help}: ${v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(' | ')}`);
  });
}

/**
 * Page-side expressions are strings: the test files are typed without the DOM library (tsconfig.json), and a string
 * runs in the page as it is.
 */
const until = (page: Page, expression: string, timeout = 12_000) => page.waitForFunction(expression, null, { timeout });
const horizontalOverflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
const noteTotal = (testId: string) => `Number(document.querySelector('[data-testid="${testId}"] + .ov-tile__note')?.dataset.total ?? 0)`;

const text = async (page: Page, testId: string) => ((await page.locator(`[data-testid="${testId}"]`).textContent()) ?? '').trim();

describe('overview dashboard end to end (real headless Chromium, real server, Redis, SQLite)', function () {
  this.timeout(120_000);
  let redis: EmbeddedRedis;
  let vigil: Awaited<ReturnType<typeof startTestVigil>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin: ApiClient;
  let agencyId: string;
  let key: string;

  before(async function () {
    if (!chromiumAvailable()) {
      // CI installs it; a developer machine without it says so instead of failing obscurely.
      this.skip();
    }
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url });
    ({ admin, agencyId, key } = await provisionAgent(vigil.url, 'MOF'));
    // A second agency with its own admin, and an agent that has never reported (silent only after its threshold).
    const other = await admin.post('/api/v1/agencies', { name: 'Ministry of Justice', code: 'MOJ' });
    assert.equal(other.status, 201, JSON.stringify(other.body));
    const user = await admin.post('/api/v1/users', { username: AGENCY_ADMIN, password: AGENCY_ADMIN_PASSWORD, role: 'agency_admin', agencyId: other.body.id });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    browser = await launchChromium();
    // Reduced motion: charts draw at once, so the screenshots show them complete.
    context = await browser.newContext({ viewport: { width: 1280, height: 720 }, reducedMotion: 'reduce' });
    page = await context.newPage();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterEach(async function () {
    // A failure leaves a picture of the page behind, to see what the test saw.
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'overview-failure.png'), fullPage: true }).catch(() => undefined);
    }
  });
  after(async () => {
    await browser?.close();
    await vigil?.close();
    await redis?.stop();
  });

  it('shows an admin events, open incidents by severity and the fired rule live, without a reload', async () => {
    await signIn(page, vigil.url, 'admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: /^overview$/i }).click();
    await page.locator('[data-testid="ov-updated"]', { hasText: /updated/i }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/overview');
    assert.equal(await text(page, 'ov-open-total'), '0');
    assert.equal(await text(page, 'ov-events-rate'), '0');
    assert.equal(await page.locator('[data-testid="ov-rules"] tbody tr').count(), 0);
    await page.getByText('No rule has fired in the last 24 hours.').waitFor();

    await page.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
    const events = [shadowCopyDeletion('OV-WS-01'), ...Array.from({ length: 11 }, (_, i) => benignProcess(`OV-WS-${String(i + 2).padStart(2, '0')}`))];
    const r = await postEvents(vigil.url, key, { events });
    assert.equal(r.status, 202, JSON.stringify(r.body));

    // The event count of the last 10 minutes (the line chart's data) and the open incident, without a reload.
    await until(page, `${noteTotal('ov-events-rate')} >= 12`);
    await page.locator('[data-testid="ov-open-total"]', { hasText: /^1$/ }).waitFor({ timeout: 12_000 });
    const critical = page.locator('[data-testid="ov-severity"] a[data-severity="critical"]');
    assert.equal(await critical.getAttribute('data-count'), '1');
    assert.match((await critical.textContent()) ?? '', /Critical\s*1/);
    assert.equal(await page.locator('[data-testid="ov-severity"] a[data-severity="high"]').getAttribute('data-count'), '0');
    assert.match((await page.locator('[data-testid="chart-severity"] canvas').getAttribute('aria-label')) ?? '', /Critical 1, High 0/);

    const rule = page.locator(`[data-testid="ov-rules"] tr[data-rule-id="${SHADOW_COPY_RULE}"]`);
    await rule.waitFor({ timeout: 12_000 });
    assert.match((await rule.textContent()) ?? '', /Shadow Copy/);
    assert.match((await rule.locator('.badge').textContent()) ?? '', /Critical/);
    assert.equal((await rule.locator('.ov-count__value').textContent())?.trim(), '1');

    // The events chart says what it shows; the agency's bar counts the incident under the agency's name.
    await until(page, `(document.querySelector('[data-testid="chart-events"] canvas')?.getAttribute('aria-label') ?? '').includes('12 in all')`);
    const agencyBar = page.locator(`[data-testid="ov-agency"] a[data-agency-id="${agencyId}"]`);
    await agencyBar.waitFor();
    assert.match((await agencyBar.textContent()) ?? '', /Agency MOF\s*1/);
    await until(page, `${noteTotal('ov-alerts-rate')} >= 1`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload), true);

    for (const chart of ['chart-events', 'chart-alerts', 'chart-severity']) {
      const box = await page.locator(`[data-testid="${chart}"] canvas`).boundingBox();
      assert.ok(box && box.width > 100 && box.height > 50, `${chart} is drawn (${JSON.stringify(box)})`);
    }
    const overflow = await horizontalOverflow(page);
    assert.equal(overflow, 0, 'no horizontal scroll at 1280×720');
    // Let a refresh or two pass: the figures stay (updated in place, not rebuilt).
    await page.waitForTimeout(5_500);
    assert.equal(await text(page, 'ov-open-total'), '1');
    assert.equal(await page.locator('[data-testid="chart-events"] canvas').count(), 1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview-live.png') });
  });

  it('opens the filtered incident list from a severity, the doughnut, an agency and a rule', async () => {
    const expectList = async (expected: Record<string, string>) => {
      await page.waitForURL((u) => u.pathname === '/' && Object.entries(expected).every(([k, v]) => u.searchParams.get(k) === v));
      await page.locator('[data-incident-id]', { hasText: 'OV-WS-01' }).waitFor();
    };
    const backToOverview = async () => {
      await page.goBack();
      await page.locator('[data-testid="ov-open-total"]', { hasText: /^1$/ }).waitFor();
    };

    await page.locator('[data-testid="ov-severity"] a[data-severity="critical"]').click();
    await expectList({ status: OPEN, severity: 'critical' });
    await backToOverview();

    // The doughnut itself: with only critical open, the top of the ring is the critical segment.
    const canvas = page.locator('[data-testid="chart-severity"] canvas');
    const box = (await canvas.boundingBox())!;
    await page.waitForTimeout(300);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height * 0.06);
    await expectList({ status: OPEN, severity: 'critical' });
    await backToOverview();

    await page.locator(`[data-testid="ov-agency"] a[data-agency-id="${agencyId}"]`).click();
    await expectList({ status: OPEN, agencyId });
    await backToOverview();

    await page.locator(`[data-testid="ov-rules"] tr[data-rule-id="${SHADOW_COPY_RULE}"] a`).click();
    await expectList({ q: SHADOW_COPY_RULE });
    await backToOverview();
  });

  it('keeps the last figures under an error banner while refreshes fail, and recovers', async () => {
    await page.route('**/api/v1/overview', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ code: 'unavailable', message: 'storage unavailable' }) }));
    const banner = page.locator('[data-testid="ov-error"]');
    await banner.waitFor({ timeout: 12_000 });
    assert.match((await banner.textContent()) ?? '', /could not be refreshed.*storage unavailable/i);
    assert.match(await text(page, 'ov-updated'), /not updated since/i);
    assert.equal(await text(page, 'ov-open-total'), '1', 'the last figures stay');
    assert.equal(await page.locator(`[data-testid="ov-rules"] tr[data-rule-id="${SHADOW_COPY_RULE}"]`).count(), 1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview-error.png') });
    await page.unroute('**/api/v1/overview');
    await banner.waitFor({ state: 'hidden', timeout: 12_000 });
    assert.match(await text(page, 'ov-updated'), /^updated/i);
  });

  it('draws a busy picture at 1280×720: many rules, agencies and silent agents, no horizontal scroll', async () => {
    // Three more agencies, each with a reporting agent and a silent one (last seen 47, 94 and 141 minutes ago).
    const keys: string[] = [];
    const agencies = [
      ['Ministry of Health', 'MOH'],
      ['Ministry of Education and Training', 'MOET'],
      ['Ministry of Information and Communications', 'MIC'],
    ];
    for (const [i, [name, code]] of agencies.entries()) {
      const agency = await admin.post('/api/v1/agencies', { name, code });
      assert.equal(agency.status, 201, JSON.stringify(agency.body));
      const agent = await admin.post('/api/v1/agents', { agencyId: agency.body.id, name: `${code}-sensor-1` });
      keys.push(agent.body.key);
      const quiet = await admin.post('/api/v1/agents', { agencyId: agency.body.id, name: `${code}-dc-0${i + 1}` });
      await vigil.storage.agents.touch(quiet.body.id, new Date(Date.now() - (i + 1) * 47 * 60_000).toISOString());
    }
    // Every starter rule's match fixture, the first ones more often, from the three agencies in turn.
    const fixtures = fs.readdirSync(RULE_FIXTURES).filter((f) => f.endsWith('.match.json')).sort();
    const batches: unknown[][] = keys.map(() => []);
    fixtures.forEach((file, i) => {
      const event = JSON.parse(fs.readFileSync(path.join(RULE_FIXTURES, file), 'utf8')) as { host?: string; time: string };
      for (let j = 0; j < Math.max(1, 9 - i); j++) {
        batches[i % keys.length]!.push({ ...event, time: new Date().toISOString(), host: `${event.host ?? 'HOST'}-${(j % 3) + 1}` });
      }
    });
    for (const [i, events] of batches.entries()) {
      const r = await postEvents(vigil.url, keys[i]!, { events });
      assert.equal(r.status, 202, JSON.stringify(r.body));
    }
    // History for the rate charts, as ingest and the workers would have counted it (the same Redis hashes).
    const client = new Redis(redis.url);
    try {
      const now = Date.now();
      const tx = client.multi();
      for (let b = 1; b < 60; b++) {
        addCount(tx, 'events', 'seed-agency', Math.round(40 + 25 * Math.sin(b / 5) + (b % 7) * 3), now - b * 10_000);
        addCount(tx, 'alerts', 'seed-agency', Math.max(0, Math.round(4 + 3 * Math.sin(b / 4) + (b % 5))), now - b * 60_000);
      }
      await tx.exec();
    } finally {
      client.disconnect();
    }

    await page.locator('[data-testid="ov-silent-total"]', { hasText: /^3$/ }).waitFor({ timeout: 12_000 });
    await until(page, `document.querySelectorAll('[data-testid="ov-rules"] tbody tr').length === 10`);
    await until(page, `Number(document.querySelector('[data-testid="ov-open-total"]')?.textContent?.replace(/[^0-9]/g, '')) > 20`);
    assert.equal(await page.locator('[data-testid="ov-silent"] li').count(), 3);
    assert.match((await page.locator('[data-testid="ov-silent"] li').first().textContent()) ?? '', /MIC-dc-03.*Ministry of Information and Communications.*last seen 2h 2\dm ago/);
    assert.equal(await page.locator('[data-testid="ov-agency"] li').count(), 4);
    const overflow = await horizontalOverflow(page);
    assert.equal(overflow, 0, 'no horizontal scroll at 1280×720');
    assert.deepEqual(await axeProblems(page), [], 'WCAG 2.1 AA (axe-core)');
    await page.mouse.move(0, 0);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview.png') });
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview-full.png'), fullPage: true });
  });

  it('fills a 2560×1440 wall screen in wall mode, without the navigation bar or scrolling', async () => {
    await page.setViewportSize({ width: 2560, height: 1440 });
    await page.goto(`${vigil.url}/overview?wall=1`);
    await page.locator('[data-testid="ov-silent-total"]', { hasText: /^3$/ }).waitFor();
    await until(page, `document.querySelectorAll('[data-testid="ov-rules"] tbody tr').length === 10`, 30_000);
    assert.equal(await page.locator('.topbar').isVisible(), false, 'the navigation bar is hidden');
    const toggle = page.locator('[data-testid="wall-toggle"]');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview-wall.png') });
    const size = await page.evaluate<{ value: number; scrollH: number; scrollW: number; innerH: number; innerW: number }>(`({
      value: parseFloat(getComputedStyle(document.querySelector('[data-testid="ov-open-total"]')).fontSize),
      scrollH: document.documentElement.scrollHeight,
      scrollW: document.documentElement.scrollWidth,
      innerH: window.innerHeight,
      innerW: window.innerWidth,
    })`);
    assert.ok(size.value >= 50, `big numbers on the wall (${size.value}px)`);
    assert.ok(size.scrollH <= size.innerH && size.scrollW <= size.innerW, `one screen, no scrolling (${JSON.stringify(size)})`);
    // Nothing cut off: every panel's content fits its box.
    const clipped = await page.evaluate<string[]>(
      `[...document.querySelectorAll('.ov-panel, .ov-tile')].filter((el) => el.scrollHeight > el.clientHeight + 1).map((el) => el.className)`,
    );
    assert.deepEqual(clipped, []);
    assert.deepEqual(await axeProblems(page), [], 'WCAG 2.1 AA (axe-core) in wall mode');

    // Leaving wall mode: the button (and Esc) bring the navigation back; the URL follows.
    await toggle.click();
    assert.equal(await page.locator('.topbar').isVisible(), true);
    assert.equal(new URL(page.url()).search, '');
    await toggle.click();
    assert.equal(new URL(page.url()).search, '?wall=1');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.topbar').isVisible(), true);
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it('reads in Vietnamese after a language switch, numbers included, still live', async () => {
    await page.goto(`${vigil.url}/overview`);
    await page.locator('[data-testid="ov-silent-total"]', { hasText: /^3$/ }).waitFor();
    await page.locator('[data-testid="language-switcher"] [data-lang="vi"]').click();
    await page.locator('html[lang="vi"]').waitFor();
    await page.getByRole('heading', { name: 'Tổng quan', level: 1 }).waitFor();
    await page.locator('[data-testid="ov-updated"]', { hasText: /Cập nhật lúc/ }).waitFor();
    assert.match(await text(page, 'ov-scope'), /Tất cả đơn vị/);
    assert.match((await page.locator('[data-testid="ov-events-rate"] + .ov-tile__note').textContent()) ?? '', /^[\d.]+ sự kiện trong 10 phút qua$/);
    assert.match((await page.locator('[data-testid="ov-silent"] li').first().textContent()) ?? '', /lần cuối 2h 2\dm trước|lần cuối .* trước/);
    const overflow = await horizontalOverflow(page);
    assert.equal(overflow, 0, 'no horizontal scroll in Vietnamese either');
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview-vi.png') });
    await page.locator('[data-testid="language-switcher"] [data-lang="en"]').click();
    await page.locator('html[lang="en"]').waitFor();
  });

  it('stops refreshing once the page is left', async () => {
    let calls = 0;
    const count = (req: { url(): string }) => {
      if (new URL(req.url()).pathname === '/api/v1/overview') calls += 1;
    };
    await page.goto(`${vigil.url}/overview`);
    await page.locator('[data-testid="ov-updated"]', { hasText: /updated/i }).waitFor();
    page.on('request', count);
    await page.getByRole('link', { name: /^incidents$/i }).click();
    await page.locator('[data-testid="incident-list"]').waitFor();
    calls = 0;
    // An incident arrives (which would trigger a refresh on the overview) and two refresh periods pass.
    await postEvents(vigil.url, key, { events: [shadowCopyDeletion('OV-WS-99')] });
    await page.locator('[data-incident-id]', { hasText: 'OV-WS-99' }).waitFor();
    await page.waitForTimeout(11_000);
    page.off('request', count);
    assert.equal(calls, 0, 'no overview request after leaving');
    assert.equal(await page.evaluate<boolean>(`document.body.classList.contains('ov-wall')`), false);
  });

  it('shows an agency admin of another agency only that agency: nothing open, no rule', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 720 }, reducedMotion: 'reduce' });
    try {
      const p = await other.newPage();
      await signIn(p, vigil.url, AGENCY_ADMIN, AGENCY_ADMIN_PASSWORD);
      await p.goto(`${vigil.url}/overview`);
      await p.locator('[data-testid="ov-updated"]', { hasText: /updated/i }).waitFor();
      assert.equal(await text(p, 'ov-open-total'), '0');
      assert.equal(await p.locator('[data-testid="ov-severity"] a[data-severity="critical"]').getAttribute('data-count'), '0');
      assert.equal(await p.locator('[data-testid="ov-rules"] tbody tr').count(), 0);
      await p.getByText('No rule has fired in the last 24 hours.').waitFor();
      assert.equal(await p.locator('[data-testid="ov-agency"]').count(), 0, 'no agency breakdown for a single agency');
      assert.equal(await p.locator('[data-testid="ov-events-rate"] + .ov-tile__note').getAttribute('data-total'), '0');
      assert.match(await text(p, 'ov-scope'), /Ministry of Justice/);
      await p.screenshot({ path: path.join(ARTIFACTS, 'overview-agency.png') });
    } finally {
      await other.close();
    }
  });
});
