import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { type Browser, type Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from '../support/browser.js';
import { ADMIN_PASSWORD, postEvents, shadowCopyDeletion, useVigil, waitFor } from '../support/harness.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = require.resolve('axe-core/axe.min.js');

/** The WCAG 2.1 A and AA success criteria axe-core can check automatically (contrast, names, roles, structure). */
const WCAG_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: AXE_SOURCE });
  return page.evaluate(async (tags) => {
    // axe is injected above; its types are not part of the page's.
    const g = globalThis as unknown as { axe: { run(ctx: unknown, opts: object): Promise<{ violations: AxeViolation[] }> }; document: unknown };
    const result = await g.axe.run(g.document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary ?? '' })),
    }));
  }, WCAG_AA_TAGS);
}

function describeViolations(where: string, violations: AxeViolation[]): string {
  return violations
    .map((v) => `${where}: ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary}`).join('\n')}`)
    .join('\n');
}

describe('console accessibility: WCAG 2.1 AA checks by axe-core on every main screen (real Chromium)', function () {
  this.timeout(120_000);
  const ctx = useVigil();
  let browser: Browser;
  let page: Page;
  let incidentId = '';

  before(async function () {
    if (!chromiumAvailable()) this.skip();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    assert.equal((await postEvents(ctx.vigil.url, ctx.key, { events: [shadowCopyDeletion('A11Y-WS-01')] })).status, 202);
    incidentId = await waitFor(async () => {
      const r = await ctx.admin.request('GET', '/api/v1/incidents');
      return (r.body.items as { id: string }[])[0]?.id;
    }, 15_000, 'an incident');
  });
  after(async () => {
    await browser?.close();
  });

  it('the sign-in page has no WCAG AA violations', async () => {
    await page.goto(`${ctx.vigil.url}/login`);
    await page.getByLabel(/username/i).waitFor();
    const violations = await axeViolations(page);
    assert.equal(violations.length, 0, describeViolations('/login', violations));
  });

  it('every main screen, signed in as an admin, has no WCAG AA violations', async () => {
    await page.getByLabel(/username/i).fill('admin');
    await page.getByLabel(/password/i).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: /sign in|log in/i }).click();
    await page.locator('[data-testid="incident-list"]').waitFor();

    const screens: [string, string][] = [
      ['/', '[data-incident-id]'],
      [`/incidents/${incidentId}`, '[data-testid="incident-title"]'],
      ['/overview', 'h1'],
      ['/rules', 'h1'],
      ['/exceptions', 'h1'],
      ['/reports', 'h1'],
      ['/leadership', 'h1'],
      ['/admin/agents', 'h1'],
      ['/admin/users', 'h1'],
      ['/admin/agencies', 'h1'],
    ];
    const problems: string[] = [];
    for (const [path, ready] of screens) {
      await page.goto(`${ctx.vigil.url}${path}`);
      await page.locator(ready).first().waitFor();
      // Let data-driven parts (tables, charts) finish rendering.
      await page.waitForLoadState('networkidle');
      const violations = await axeViolations(page);
      if (violations.length) problems.push(describeViolations(path, violations));
    }
    assert.equal(problems.length, 0, problems.join('\n'));
  });

  it('keyboard focus is always visible: every stop of the Tab order shows a focus ring, and the skip link appears', async () => {
    await page.goto(ctx.vigil.url);
    await page.locator('[data-incident-id]').first().waitFor();
    const stops: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      // A string, so this Node-side file needs no DOM types.
      const stop = (await page.evaluate(`(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
        return { name: el.tagName.toLowerCase() + ' ' + (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 30), ring };
      })()`)) as { name: string; ring: boolean } | null;
      if (!stop) continue;
      assert.ok(stop.ring, `no visible focus ring on ${stop.name}`);
      stops.push(stop.name);
    }
    assert.ok(stops.length >= 8, `only ${stops.length} tab stops: ${stops.join(', ')}`);

    // The skip link sits off-screen until a keyboard user reaches it.
    const skip = page.locator('.skip-link');
    await skip.focus();
    const box = await skip.boundingBox();
    assert.ok(box && box.y >= 0 && box.x >= 0 && box.width > 0, `skip link not on screen when focused: ${JSON.stringify(box)}`);
  });
});
