import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { seedHistory } from '../../core/services/stats-history.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { ADMIN_PASSWORD, ApiClient, REPO_ROOT, startTestRedis, startTestVigil, tempDir } from '../support/harness.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');
const PASSWORD = 'leadership-pass-1';

function hasPdftoppm(): boolean {
  try {
    execFileSync('pdftoppm', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('leadership statistics end to end (real headless Chromium, real server, Redis, SQLite)', function () {
  this.timeout(90_000);
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
    await seedHistory(vigil.storage, { from: 2022, to: 2023, counts: { 2022: 5400, 2023: 6048 }, agencies: 40 });
    const admin = new ApiClient(vigil.url);
    await admin.login('admin', ADMIN_PASSWORD);
    const created = await admin.post('/api/v1/users', { username: 'director', password: PASSWORD, role: 'leadership' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    browser = await launchChromium();
    // Reduced motion: charts draw at once, so the screenshot shows them complete.
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce', acceptDownloads: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await vigil?.close();
    await redis?.stop();
  });

  it('shows a leadership user the year total with its change, trend and breakdowns', async () => {
    await page.goto(vigil.url);
    await page.getByLabel(/username/i).fill('director');
    await page.getByLabel(/password/i).fill(PASSWORD);
    await page.getByRole('button', { name: /sign in|log in/i }).click();
    const nav = page.getByRole('link', { name: /statistics/i });
    await nav.waitFor();
    assert.equal(await page.getByRole('link', { name: /^rules$/i }).count(), 0, 'leadership has no detection pages');
    await nav.click();

    const total = page.locator('[data-testid="stats-total"]');
    await total.waitFor();
    assert.equal(new URL(page.url()).pathname, '/leadership');
    assert.equal((await total.textContent())?.trim(), '6,048', 'the latest year with incidents (2023) by default');
    assert.equal((await page.locator('[data-testid="stats-yoy"] .trend__value').textContent())?.trim(), '+12.0%');
    assert.match((await page.locator('[data-testid="stats-yoy"]').getAttribute('title')) ?? '', /Up 12\.0% compared with 2022/);
    assert.match((await page.locator('[data-testid="stats-scope"]').textContent()) ?? '', /All agencies · 2023 compared with 2022/);
    assert.equal(await page.locator('[data-testid="top-agencies"] tbody tr').count(), 10);
    assert.match((await page.locator('[data-testid="stats-reports"]').textContent()) ?? '', /reports filed by agencies this year: 0; deadlines met on time: –/);
    assert.equal(await page.locator('[data-testid="top-techniques"] tbody tr').count(), 10);
    for (const chart of ['chart-monthly', 'chart-category', 'chart-severity', 'chart-agency']) {
      const box = await page.locator(`[data-testid="${chart}"] canvas`).boundingBox();
      assert.ok(box && box.width > 200 && box.height > 200, `${chart} is drawn (${JSON.stringify(box)})`);
    }
    assert.match((await page.locator('[data-testid="chart-monthly"] canvas').getAttribute('aria-label')) ?? '', /Jan \d+ \(\d+ in 2022\)/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'leadership.png'), fullPage: true });
  });

  it('switches years without a reload: 2022 has nothing before it to compare with', async () => {
    await page.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
    await page.locator('[data-testid="year-select"]').selectOption('2022');
    await page.locator('[data-testid="stats-total"]', { hasText: '5,400' }).waitFor();
    assert.match((await page.locator('.kpi--total .kpi__note').textContent()) ?? '', /No incidents in 2021 to compare with/);
    assert.equal(new URL(page.url()).search, '?year=2022');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload), true);
    const thisYear = String(new Date().getUTCFullYear());
    await page.locator('[data-testid="year-select"]').selectOption(thisYear);
    await page.getByText(`No incidents were recorded in ${thisYear}.`).waitFor();
    assert.equal((await page.locator('[data-testid="stats-total"]').textContent())?.trim(), '0');
    assert.match((await page.locator('.kpi--total .kpi__label').textContent()) ?? '', new RegExp(`${thisYear} so far`, 'i'));
    await page.screenshot({ path: path.join(ARTIFACTS, 'leadership-empty-year.png') });
    await page.locator('[data-testid="year-select"]').selectOption('2023');
    await page.locator('[data-testid="stats-total"]', { hasText: '6,048' }).waitFor();
  });

  it('downloads the CSV tables and the PDF report of the year shown', async () => {
    const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="download-csv"]').click()]);
    assert.equal(csv.suggestedFilename(), 'vigil-statistics-2023.csv');
    const csvText = fs.readFileSync((await csv.path())!, 'utf8').replace(/^\uFEFF/, '');
    const lines = csvText.split('\r\n');
    assert.equal(lines[0], 'section,key,label,value,previous_year_value,change_pct,share_pct');
    assert.ok(lines.includes('totals,incidents,Incidents,6048,5400,12.0,100.0'), 'the totals line');
    assert.equal(lines.filter((l) => l.startsWith('agency,')).length, 40);

    const [pdf] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="download-pdf"]').click()]);
    assert.equal(pdf.suggestedFilename(), 'vigil-statistics-2023.pdf');
    const bytes = fs.readFileSync((await pdf.path())!);
    assert.equal(bytes.subarray(0, 4).toString('latin1'), '%PDF');
    assert.ok(bytes.length > 10_000);
    if (hasPdftoppm()) {
      // The first page as an image, to look at beside the console screenshot.
      const dir = tempDir('pdf');
      const file = path.join(dir, 'report.pdf');
      fs.writeFileSync(file, bytes);
      execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, path.join(ARTIFACTS, 'leadership-pdf')]);
      assert.ok(fs.existsSync(path.join(ARTIFACTS, 'leadership-pdf.png')));
    }
  });

  it('reads in Vietnamese, numbers and percentages included, after a language switch', async () => {
    await page.goto(`${vigil.url}/leadership?year=2023`);
    await page.locator('[data-testid="language-switcher"] [data-lang="vi"]').click();
    await page.locator('html[lang="vi"]').waitFor();
    const total = page.locator('[data-testid="stats-total"]');
    await total.waitFor();
    assert.equal((await total.textContent())?.trim(), '6.048');
    assert.equal((await page.locator('[data-testid="stats-yoy"] .trend__value').textContent())?.trim(), '+12,0%');
    assert.equal(await page.getByRole('heading', { name: 'Thống kê' }).count() > 0, true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'leadership-vi.png'), fullPage: true });
    await page.locator('[data-testid="language-switcher"] [data-lang="en"]').click();
    await page.locator('html[lang="en"]').waitFor();
  });
});
