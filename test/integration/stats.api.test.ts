/**
 * Leadership statistics over real HTTP (Vigil in-process with its own Redis and SQLite): a seeded national history
 * (2022 = 5,400 and 2023 = 6,048 counted incidents, false positives on top), the yearly and summary endpoints, role
 * scoping, the PDF and CSV documents, and the roll-ups following a live incident through the lifecycle API and the
 * node-cron schedule.
 */
import assert from 'node:assert/strict';
import { createLogger } from '../../core/logging/logger.js';
import { createRedis } from '../../core/queues/redis.js';
import { createStatsService } from '../../core/services/stats.js';
import { seedHistory, type SeedResult } from '../../core/services/stats-history.js';
import { startSchedules } from '../../workers/schedules.js';
import { ApiClient, postEvents, shadowCopyDeletion, useVigil, waitFor } from '../support/harness.js';

const PASSWORD = 'statistics-pass-1';

async function userClient(admin: ApiClient, baseUrl: string, username: string, role: string, agencyId?: string): Promise<ApiClient> {
  const created = await admin.post('/api/v1/users', { username, password: PASSWORD, role, ...(agencyId ? { agencyId } : {}) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const client = new ApiClient(baseUrl);
  await client.login(username, PASSWORD);
  return client;
}

const sum = (xs: Record<string, number> | number[]) => Object.values(xs).reduce((a, b) => a + b, 0);

describe('leadership statistics API (real HTTP, Redis, SQLite)', function () {
  this.timeout(60_000);
  const ctx = useVigil();
  let seeded: SeedResult;
  let leadership: ApiClient;
  let analyst: ApiClient;
  let agencyAdmin: ApiClient;
  let ownAgency: { id: string; code: string; name: string };
  let otherAgencyId: string;

  before(async function () {
    this.timeout(60_000);
    seeded = await seedHistory(ctx.vigil.storage, { from: 2022, to: 2023, counts: { 2022: 5400, 2023: 6048 }, agencies: 30 });
    const agencies = (await ctx.admin.get('/api/v1/agencies')).body.items as { id: string; code: string; name: string }[];
    ownAgency = agencies.find((a) => a.code === 'HNI')!;
    otherAgencyId = agencies.find((a) => a.code === 'BTC')!.id;
    leadership = await userClient(ctx.admin, ctx.vigil.url, 'director', 'leadership');
    analyst = await userClient(ctx.admin, ctx.vigil.url, 'analyst1', 'analyst');
    agencyAdmin = await userClient(ctx.admin, ctx.vigil.url, 'hanoi-admin', 'agency_admin', ownAgency.id);
  });

  it('seeded exactly the counted totals, with false positives on top', async () => {
    assert.deepEqual(seeded.years.map((y) => [y.year, y.counted]), [[2022, 5400], [2023, 6048]]);
    assert.ok(seeded.years.every((y) => y.falsePositives > 0));
    const stored = await ctx.vigil.storage.incidents.summary({});
    assert.equal(stored.byStatus.false_positive, seeded.years[0]!.falsePositives + seeded.years[1]!.falsePositives);
    assert.equal(stored.total, 5400 + 6048 + stored.byStatus.false_positive!);
  });

  it('GET /stats/yearly: exact totals without false positives, +12.0 % for 2023, consistent breakdowns', async () => {
    const r = await leadership.get('/api/v1/stats/yearly?from=2022&to=2023');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const [y2022, y2023] = r.body.years;
    assert.deepEqual([y2022.year, y2022.incidents, y2022.changePct], [2022, 5400, null], 'no data in 2021 to compare with');
    assert.deepEqual([y2023.year, y2023.incidents, y2023.changePct], [2023, 6048, 12]);
    for (const y of r.body.years) {
      assert.equal(y.byMonth.length, 12);
      assert.equal(sum(y.byMonth), y.incidents);
      assert.equal(sum(y.bySeverity), y.incidents);
      assert.equal(sum(y.byCategory), y.incidents);
      assert.equal(sum(y.byAgency), y.incidents);
      assert.deepEqual(Object.keys(y.bySeverity), ['critical', 'high', 'medium', 'low', 'informational']);
      for (const c of ['abusive-content', 'malicious-code', 'information-gathering', 'intrusion-attempts', 'intrusions', 'availability', 'information-content-security', 'fraud', 'vulnerable', 'other', 'test']) {
        assert.ok(y.byCategory[c] > 0, `${y.year} has ${c}`);
      }
      assert.equal(Object.keys(y.byAgency).length, 30);
    }
    assert.ok(y2023.byMonth[1] < y2023.byMonth[10], 'February (Tết) is quieter than November');
  });

  it('GET /stats/yearly: filters by category and severity, and compares years the range does not show', async () => {
    const all = (await analyst.get('/api/v1/stats/yearly?from=2022&to=2023')).body.years;
    const fraud = await analyst.get('/api/v1/stats/yearly?from=2023&to=2023&category=fraud');
    assert.equal(fraud.status, 200);
    assert.equal(fraud.body.years.length, 1);
    assert.equal(fraud.body.years[0].incidents, all[1].byCategory.fraud);
    assert.notEqual(fraud.body.years[0].changePct, null, '2022 is read for the comparison even though from=2023');
    const severe = await analyst.get('/api/v1/stats/yearly?from=2023&to=2023&severity=critical,high');
    assert.equal(severe.body.years[0].incidents, all[1].bySeverity.critical + all[1].bySeverity.high);
    const agency = await analyst.get(`/api/v1/stats/yearly?from=2022&to=2023&agencyId=${otherAgencyId}`);
    assert.equal(agency.body.years[1].incidents, all[1].byAgency[otherAgencyId]);
  });

  it('scopes an agency admin to their own agency: forced filter, 403 for another agency', async () => {
    const all = (await leadership.get('/api/v1/stats/yearly?from=2022&to=2023')).body.years;
    const own = await agencyAdmin.get('/api/v1/stats/yearly?from=2022&to=2023');
    assert.equal(own.status, 200);
    assert.deepEqual(own.body.years.map((y: { incidents: number }) => y.incidents), all.map((y: { byAgency: Record<string, number> }) => y.byAgency[ownAgency.id]));
    assert.deepEqual(Object.keys(own.body.years[1].byAgency), [ownAgency.id]);
    assert.ok(own.body.years[1].incidents > 0 && own.body.years[1].incidents < 6048);
    const explicit = await agencyAdmin.get(`/api/v1/stats/yearly?from=2022&to=2023&agencyId=${ownAgency.id}`);
    assert.deepEqual(explicit.body, own.body);
    const other = await agencyAdmin.get(`/api/v1/stats/yearly?from=2022&to=2023&agencyId=${otherAgencyId}`);
    assert.equal(other.status, 403);
    assert.equal(other.body.code, 'forbidden');
    const summary = await agencyAdmin.get('/api/v1/stats/summary?year=2023');
    assert.equal(summary.body.agencyId, ownAgency.id);
    assert.equal(summary.body.totals.incidents, all[1].byAgency[ownAgency.id]);
    assert.deepEqual(summary.body.byAgency.map((a: { agencyId: string }) => a.agencyId), [ownAgency.id]);
    assert.equal((await agencyAdmin.get(`/api/v1/stats/summary?agencyId=${otherAgencyId}`)).status, 403);
  });

  it('GET /stats/summary: the latest year by default, YoY, monthly series, top lists, resolve time, no reports yet', async () => {
    const r = await leadership.get('/api/v1/stats/summary');
    assert.equal(r.status, 200);
    const s = r.body;
    assert.equal(s.year, 2023);
    assert.equal(s.previousYear, 2022);
    assert.deepEqual(s.years, [2022, 2023]);
    assert.equal(s.agencyId, null);
    assert.deepEqual(s.totals, { incidents: 6048, previousYear: 5400, changePct: 12 });
    assert.equal(s.monthly.thisYear.length, 12);
    assert.equal(sum(s.monthly.thisYear), 6048);
    assert.equal(sum(s.monthly.lastYear), 5400);
    assert.equal(s.monthly.months[0], '2023-01');
    assert.ok(s.topAgencies.length === 10);
    assert.ok(s.topAgencies.every((a: { incidents: number }, i: number) => i === 0 || s.topAgencies[i - 1].incidents >= a.incidents));
    assert.ok(s.topAgencies[0].name && s.topAgencies[0].code);
    assert.equal(sum(s.byAgency.map((a: { incidents: number }) => a.incidents)), 6048);
    assert.equal(s.byCategory.length, 11);
    assert.equal(s.topCategories.length, 5);
    assert.equal(s.bySeverity.length, 5);
    assert.ok(s.topTechniques.length === 10 && s.topTechniques[0].name);
    assert.ok(s.medianTimeToResolveHours > 1 && s.medianTimeToResolveHours < 200, String(s.medianTimeToResolveHours));
    assert.equal(s.resolvedIncidents, 6048, 'all of 2023 is resolved by now');
    const none = { onTime: 0, late: 0, missed: 0, pending: 0 };
    assert.deepEqual(s.reports, { filed: 0, onTimeRatePct: null, byStage: { earlyWarning: none, notification: none, final: none } });
    assert.ok(s.rollup.refreshedAt);
  });

  it('GET /stats/summary?format=csv: the tables as RFC 4180 CSV with a section column', async () => {
    const res = await fetch(`${ctx.vigil.url}/api/v1/stats/summary?year=2023&format=csv`, { headers: { cookie: leadership.cookie } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="vigil-statistics-2023\.csv"/);
    const text = (await res.text()).replace(/^\uFEFF/, '');
    const lines = text.split('\r\n');
    assert.equal(lines[0], 'section,key,label,value,previous_year_value,change_pct,share_pct');
    assert.ok(lines.includes('totals,incidents,Incidents,6048,5400,12.0,100.0'));
    assert.ok(lines.some((l) => l.startsWith('agency,HNI,UBND Thành phố Hà Nội,')));
    assert.equal(lines.filter((l) => l.startsWith('month,2023-')).length, 12);
    assert.equal(lines.at(-1), '', 'ends with CRLF');
  });

  it('GET /stats/summary?format=pdf: an A4 PDF; an agency admin gets their agency in the file name', async () => {
    const res = await fetch(`${ctx.vigil.url}/api/v1/stats/summary?year=2023&format=pdf`, { headers: { cookie: leadership.cookie } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(pdf.length > 5_000);
    assert.match(pdf.toString('latin1'), /\/MediaBox \[0 0 595\.28 841\.89\]/, 'A4');
    const own = await fetch(`${ctx.vigil.url}/api/v1/stats/summary?year=2023&format=pdf`, { headers: { cookie: agencyAdmin.cookie } });
    assert.equal(own.status, 200);
    assert.match(own.headers.get('content-disposition') ?? '', /vigil-statistics-2023-HNI\.pdf/);
  });

  it('refuses the anonymous and bad queries', async () => {
    assert.equal((await new ApiClient(ctx.vigil.url).get('/api/v1/stats/summary')).status, 401);
    assert.equal((await new ApiClient(ctx.vigil.url).get('/api/v1/stats/yearly?from=2022&to=2023')).status, 401);
    for (const q of ['from=2024&to=2022', 'from=abc', 'from=1900&to=2000', 'from=1980&to=2040', 'severity=bogus', 'category=Not%20A%20Slug']) {
      const r = await leadership.get(`/api/v1/stats/yearly?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.code, 'validation_error');
    }
    assert.equal((await leadership.get('/api/v1/stats/summary?format=docx')).status, 400);
    assert.equal((await leadership.get('/api/v1/stats/summary?year=20x')).status, 400);
  });

  it('follows a live incident, and its closing as a false positive through the lifecycle API, on refresh', async () => {
    const thisYear = new Date().getUTCFullYear();
    const posted = await postEvents(ctx.vigil.url, ctx.key, { events: [shadowCopyDeletion('STATS-WS-01')] });
    assert.equal(posted.status, 202);
    const incident = await waitFor(async () => {
      const list = await ctx.admin.get('/api/v1/incidents?q=STATS-WS-01');
      return list.body.items[0];
    }, 10_000, 'the incident');
    const stats = createStatsService({ storage: ctx.vigil.storage });
    await stats.refresh();
    const before = (await leadership.get(`/api/v1/stats/summary?year=${thisYear}`)).body;
    assert.equal(before.totals.incidents, 1);
    assert.equal(before.byAgency[0].agencyId, ctx.agencyId);
    const patched = await ctx.admin.request('PATCH', `/api/v1/incidents/${incident.id}`, { status: 'false_positive' });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal((await leadership.get(`/api/v1/stats/summary?year=${thisYear}`)).body.totals.incidents, 1, 'until the roll-ups move');
    await stats.refresh();
    assert.equal((await leadership.get(`/api/v1/stats/summary?year=${thisYear}`)).body.totals.incidents, 0);
  });

  it('keeps the roll-ups current on its node-cron schedule (every second here), one run per tick across processes', async () => {
    const thisYear = new Date().getUTCFullYear();
    const logger = createLogger('silent');
    const runs = [0, 0];
    const counting = (i: number) => ({
      stats: {
        ...ctx.vigil.storage.stats,
        refresh: (opts?: { now?: string }) => {
          runs[i]! += 1;
          return ctx.vigil.storage.stats.refresh(opts);
        },
      },
    });
    const redis = createRedis(ctx.redis.url);
    const a = startSchedules({ storage: counting(0), logger, redisUrl: ctx.redis.url, statsCron: '* * * * * *', runAtStart: false });
    const b = startSchedules({ storage: counting(1), logger, redisUrl: ctx.redis.url, statsCron: '* * * * * *', runAtStart: false });
    try {
      const posted = await postEvents(ctx.vigil.url, ctx.key, { events: [shadowCopyDeletion('STATS-WS-02')] });
      assert.equal(posted.status, 202);
      await waitFor(
        async () => (await leadership.get(`/api/v1/stats/summary?year=${thisYear}`)).body.totals.incidents === 1,
        10_000,
        'the scheduled refresh to count the new incident',
      );
      await new Promise((r) => setTimeout(r, 2_100));
    } finally {
      await a.stop();
      await b.stop();
    }
    const slots = (await redis.keys('vigil:cron:stats-rollup:*')).length;
    redis.disconnect();
    const total = runs[0]! + runs[1]!;
    assert.ok(total >= 2, `ran ${total} times`);
    assert.ok(total <= slots, `${total} runs for ${slots} claimed slots: never two processes on one tick`);
    assert.throws(() => startSchedules({ storage: ctx.vigil.storage, logger, statsCron: 'not a cron' }), /invalid cron expression/);
  });
});
