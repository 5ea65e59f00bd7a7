/**
 * The statistics roll-ups of every storage adapter against a plain-JS reference computed from the incidents and
 * timelines themselves: full rebuild, incremental refresh after a false positive, a merge that moves an incident to
 * an earlier month, an alert join that does the same, idempotence, and rebuild == refresh. SQLite always; MongoDB
 * when MONGODB_URI is set. The fixture and the reference are exported for the mingo cross-check
 * (stats.mongo-mingo.test.ts).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Agency, Incident, IncidentStatus, Severity, TimelineEntry } from '../../core/domain/types.js';
import { prng } from '../../core/services/stats-history.js';
import {
  RESOLVED_STAGES,
  isCounted,
  monthOf,
  resolveBucket,
  wholeYears,
  yearOf,
} from '../../core/storage/shared/stats-rules.js';
import { createMongoStorage } from '../../core/storage/mongo/index.js';
import { dropDatabase } from '../../core/storage/mongo/test-support.js';
import { createSqliteStorage } from '../../core/storage/sqlite/index.js';
import type {
  HistoricalIncident,
  StatsBreakdown,
  StatsRange,
  StatsScope,
  Storage,
} from '../../core/storage/storage.port.js';
import { alertInput } from '../factories/incidents.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

// ---- Fixture ----------------------------------------------------------------------------------------------------------

export interface StatsFixture {
  agencies: Agency[];
  /** Ids of incidents the tests change later. */
  ids: { falsePositiveLater: string; mergeTarget: string; mergeSource: string };
}

const CATEGORIES = ['intrusion-attempts', 'malicious-code', 'fraud', 'other', 'test'];
const SEVS: Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];
const TECHNIQUES = ['T1110.001', 'T1190', 'T1566.002', 'T1059.001', 'T1486'];

function incident(over: Partial<Incident> & Pick<Incident, 'agencyId' | 'firstSeen'>): Incident {
  const first = Date.parse(over.firstSeen);
  const id = over.id ?? randomUUID();
  return {
    id,
    title: `Fixture ${id.slice(0, 6)}`,
    severity: 'medium',
    category: 'intrusion-attempts',
    status: 'new',
    assignee: null,
    groupKey: `fixture|${id}`,
    ruleId: 'fixture-rule',
    ruleIds: ['fixture-rule'],
    host: 'host-1',
    techniques: [],
    entities: { hosts: ['host-1'], users: [], ips: [] },
    alertCount: 1,
    eventCount: 1,
    lastSeen: iso(first + HOUR),
    createdAt: iso(first + 5 * 60_000),
    updatedAt: iso(first + 2 * HOUR),
    ...over,
  };
}

const statusChanged = (at: number, to: string, toStage?: string): NonNullable<HistoricalIncident['timeline']>[number] => ({
  at: iso(at),
  actor: 'analyst',
  action: 'status_changed',
  details: toStage ? { from: 'new', to, fromStage: 'new', toStage } : { from: 'new', to },
});

/** ~330 incidents over 2023–2024 in three agencies, with the edge cases the counting rules care about. */
export async function seedStatsFixture(s: Storage): Promise<StatsFixture> {
  const agencies = [
    await s.agencies.create({ name: 'Agency Alpha', code: 'SA' }),
    await s.agencies.create({ name: 'Agency Beta', code: 'SB' }),
    await s.agencies.create({ name: 'Agency Gamma', code: 'SC' }),
  ];
  const [a, b, c] = agencies as [Agency, Agency, Agency];
  const rand = prng(42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const records: HistoricalIncident[] = [];
  const start = Date.UTC(2023, 0, 1);
  for (let i = 0; i < 300; i++) {
    const first = start + Math.floor(rand() * 730 * DAY);
    const status = pick<IncidentStatus>(['new', 'investigating', 'resolved', 'resolved', 'closed', 'false_positive']);
    const techniques = TECHNIQUES.filter(() => rand() < 0.3);
    const inc = incident({
      agencyId: pick([a, a, b, c]).id,
      firstSeen: iso(first),
      status,
      severity: pick(SEVS),
      category: pick(CATEGORIES),
      techniques,
    });
    const timeline: HistoricalIncident['timeline'] = [];
    if (status === 'resolved' || status === 'closed' || status === 'false_positive') {
      timeline.push(statusChanged(Date.parse(inc.createdAt) + Math.floor(rand() * 90 * HOUR), status, status));
    }
    records.push({ incident: inc, timeline });
  }

  const edge = (over: Partial<Incident> & Pick<Incident, 'agencyId' | 'firstSeen'>, timeline: HistoricalIncident['timeline'] = []) =>
    records.push({ incident: incident(over), timeline });
  // Year and leap-day boundaries (UTC).
  edge({ agencyId: a.id, firstSeen: '2023-12-31T23:59:59.999Z', lastSeen: '2024-01-01T01:00:00.000Z', severity: 'critical' });
  edge({ agencyId: a.id, firstSeen: '2024-01-01T00:00:00.000Z', severity: 'critical' });
  edge({ agencyId: b.id, firstSeen: '2024-02-29T12:00:00.000Z', category: 'availability', techniques: ['T1498.001'] });
  // Merged into another: not counted.
  edge({ agencyId: b.id, firstSeen: '2024-05-05T10:00:00.000Z', status: 'closed', mergedInto: 'someone-else' });
  // Resolve times: the earliest resolving entry counts; custom statuses by their stage; legacy entries by `to`;
  // an entry before createdAt counts as 0; a resolved incident without an entry has no resolve time.
  const base = Date.parse('2024-06-03T08:00:00.000Z');
  edge({ agencyId: c.id, firstSeen: iso(base), status: 'resolved' }, [
    statusChanged(base + 30 * HOUR, 'resolved', 'resolved'),
    statusChanged(base + 10 * HOUR, 'resolved', 'resolved'),
  ]);
  edge({ agencyId: c.id, firstSeen: iso(base + DAY), status: 'resolved', customStatus: 'fixed_by_vendor' }, [
    statusChanged(base + DAY + 3 * HOUR, 'awaiting_vendor', 'investigating'),
    statusChanged(base + DAY + 50 * HOUR, 'fixed_by_vendor', 'resolved'),
  ]);
  edge({ agencyId: c.id, firstSeen: iso(base + 2 * DAY), status: 'closed' }, [statusChanged(base + 2 * DAY + 7 * HOUR, 'closed')]);
  edge({ agencyId: c.id, firstSeen: iso(base + 3 * DAY), status: 'resolved' }, [statusChanged(base + 3 * DAY - HOUR, 'resolved', 'resolved')]);
  edge({ agencyId: c.id, firstSeen: iso(base + 4 * DAY), status: 'resolved' });
  // Reopened after resolution: not resolved now, so no resolve time.
  edge({ agencyId: c.id, firstSeen: iso(base + 5 * DAY), status: 'investigating' }, [statusChanged(base + 5 * DAY + HOUR, 'resolved', 'resolved')]);

  // Incidents the tests change: one to become a false positive; a merge across a month boundary (same agency).
  const falsePositiveLater = randomUUID();
  const mergeTarget = randomUUID();
  const mergeSource = randomUUID();
  edge({ id: falsePositiveLater, agencyId: b.id, firstSeen: '2024-07-15T09:00:00.000Z', category: 'fraud', severity: 'high', techniques: ['T1566.002', 'T1204.002'] });
  edge({ id: mergeTarget, agencyId: a.id, firstSeen: '2024-04-01T00:30:00.000Z', lastSeen: '2024-04-01T02:00:00.000Z', severity: 'low' });
  edge({ id: mergeSource, agencyId: a.id, firstSeen: '2024-03-31T22:00:00.000Z', lastSeen: '2024-03-31T23:00:00.000Z', severity: 'high' });

  const res = await s.stats.importIncidents(records);
  assert.equal(res.inserted, records.length);
  return { agencies, ids: { falsePositiveLater, mergeTarget, mergeSource } };
}

// ---- Reference ---------------------------------------------------------------------------------------------------------

export interface Snapshot {
  incidents: Incident[];
  timelines: Map<string, TimelineEntry[]>;
}

/** Every incident and timeline, read through the port (so it works for any adapter). */
export async function snapshot(s: Storage): Promise<Snapshot> {
  const incidents: Incident[] = [];
  let cursor: string | null = null;
  do {
    const page = await s.incidents.list({}, { limit: 500, cursor });
    incidents.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const timelines = new Map<string, TimelineEntry[]>();
  for (const i of incidents) timelines.set(i.id, await s.incidents.timeline(i.id));
  return { incidents, timelines };
}

const inScope = (i: Incident, r: Partial<StatsRange> & StatsScope) =>
  monthOf(i.firstSeen) >= r.fromMonth &&
  monthOf(i.firstSeen) <= r.toMonth &&
  (r.agencyIds === undefined || r.agencyIds.includes(i.agencyId)) &&
  (r.categories === undefined || r.categories.includes(i.category)) &&
  (r.severities === undefined || r.severities.includes(i.severity));

export const reference = {
  breakdown(snap: Snapshot, r: StatsRange): StatsBreakdown {
    const out: StatsBreakdown = { total: 0, byMonth: {}, bySeverity: {}, byCategory: {}, byAgency: {} };
    const add = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
    for (const i of snap.incidents.filter((i) => isCounted(i) && inScope(i, r))) {
      out.total += 1;
      add(out.byMonth, monthOf(i.firstSeen));
      add(out.bySeverity, i.severity);
      add(out.byCategory, i.category);
      add(out.byAgency, i.agencyId);
    }
    return out;
  },
  techniques(snap: Snapshot, scope: StatsScope & { limit: number }) {
    const n = new Map<string, number>();
    for (const i of snap.incidents.filter((i) => isCounted(i) && inScope(i, scope))) for (const t of i.techniques) n.set(t, (n.get(t) ?? 0) + 1);
    return [...n]
      .map(([technique, incidents]) => ({ technique, incidents }))
      .sort((x, y) => y.incidents - x.incidents || (x.technique < y.technique ? -1 : 1))
      .slice(0, scope.limit);
  },
  resolveTimes(snap: Snapshot, scope: StatsScope) {
    const n = new Map<number, number>();
    for (const i of snap.incidents.filter((i) => isCounted(i) && inScope(i, scope) && RESOLVED_STAGES.includes(i.status))) {
      const done = (snap.timelines.get(i.id) ?? [])
        .filter((e) => e.action === 'status_changed')
        .filter((e) => RESOLVED_STAGES.includes(((e.details.toStage ?? e.details.to) as IncidentStatus) ?? ''))
        .map((e) => e.at)
        .sort()[0];
      if (!done) continue;
      const bucket = resolveBucket(Date.parse(done) - Date.parse(i.createdAt));
      n.set(bucket, (n.get(bucket) ?? 0) + 1);
    }
    return [...n].map(([bucket, incidents]) => ({ bucket, incidents })).sort((x, y) => x.bucket - y.bucket);
  },
  years(snap: Snapshot, agencyIds?: string[]) {
    return [...new Set(snap.incidents.filter((i) => isCounted(i) && (!agencyIds || agencyIds.includes(i.agencyId))).map((i) => Number(yearOf(i.firstSeen))))].sort();
  },
};

/** Ranges that exercise both grains (whole years read `y`), boundaries and every filter. */
export function statsRanges(fx: StatsFixture): [string, StatsRange][] {
  const [a, b] = fx.agencies as [Agency, Agency, Agency];
  return [
    ['2023', { fromMonth: '2023-01', toMonth: '2023-12' }],
    ['2024', { fromMonth: '2024-01', toMonth: '2024-12' }],
    ['2022–2025 (empty years around)', { fromMonth: '2022-01', toMonth: '2025-12' }],
    ['Nov 2023 – Feb 2024 (month grain across a year end)', { fromMonth: '2023-11', toMonth: '2024-02' }],
    ['March 2024 alone', { fromMonth: '2024-03', toMonth: '2024-03' }],
    ['one agency, 2024', { fromMonth: '2024-01', toMonth: '2024-12', agencyIds: [a.id] }],
    ['two agencies, category and severity, 2023', { fromMonth: '2023-01', toMonth: '2023-12', agencyIds: [a.id, b.id], categories: ['fraud', 'other'], severities: ['high', 'critical'] }],
    ['severity only, Q2 2024', { fromMonth: '2024-04', toMonth: '2024-06', severities: ['medium'] }],
    ['no agency at all', { fromMonth: '2023-01', toMonth: '2024-12', agencyIds: [] }],
    ['unknown category', { fromMonth: '2023-01', toMonth: '2024-12', categories: ['nothing-like-this'] }],
  ];
}

/** Every answer of the store equals the reference over the current incidents. */
export async function assertMatchesReference(s: Storage, fx: StatsFixture, label: string): Promise<void> {
  const snap = await snapshot(s);
  for (const [name, range] of statsRanges(fx)) {
    assert.deepEqual(await s.stats.breakdown(range), reference.breakdown(snap, range), `${label}: breakdown ${name}`);
    const scope: StatsScope = { fromMonth: range.fromMonth, toMonth: range.toMonth, ...(range.agencyIds ? { agencyIds: range.agencyIds } : {}) };
    for (const limit of [3, 50]) {
      assert.deepEqual(await s.stats.techniques({ ...scope, limit }), reference.techniques(snap, { ...scope, limit }), `${label}: top ${limit} techniques ${name}`);
    }
    assert.deepEqual(await s.stats.resolveTimes(scope), reference.resolveTimes(snap, scope), `${label}: resolve times ${name}`);
  }
  assert.deepEqual(await s.stats.years(), reference.years(snap), `${label}: years`);
  assert.deepEqual(await s.stats.years({ agencyIds: [fx.agencies[2]!.id] }), reference.years(snap, [fx.agencies[2]!.id]), `${label}: years of one agency`);
}

// ---- The suite ---------------------------------------------------------------------------------------------------------

function runStatsSuite(name: string, make: () => Promise<Storage>, cleanup: (s: Storage) => Promise<void>) {
  describe(`statistics roll-ups: ${name}`, function () {
    this.timeout(60_000);
    let s: Storage;
    let fx: StatsFixture;

    before(async () => {
      s = await make();
      await s.connect();
      fx = await seedStatsFixture(s);
    });
    after(async () => {
      if (s) await cleanup(s);
    });

    it('reads nothing before the first build, then builds everything on the first refresh (no watermark yet)', async () => {
      assert.deepEqual(await s.stats.state(), { watermark: null, refreshedAt: null, rebuiltAt: null });
      assert.equal((await s.stats.breakdown({ fromMonth: '2023-01', toMonth: '2024-12' })).total, 0);
      const r = await s.stats.refresh({ now: '2025-01-01T00:00:00.000Z' });
      assert.ok(r.incidents > 300);
      const state = await s.stats.state();
      assert.equal(state.refreshedAt, '2025-01-01T00:00:00.000Z');
      const snap = await snapshot(s);
      assert.equal(state.watermark, snap.incidents.map((i) => i.updatedAt).sort().at(-1));
      await assertMatchesReference(s, fx, 'after the first build');
    });

    it('is idempotent: refreshing again changes nothing', async () => {
      const before = await s.stats.breakdown({ fromMonth: '2023-01', toMonth: '2024-12' });
      await s.stats.refresh();
      await s.stats.refresh();
      assert.deepEqual(await s.stats.breakdown({ fromMonth: '2023-01', toMonth: '2024-12' }), before);
      await assertMatchesReference(s, fx, 'after repeated refreshes');
    });

    it('counts an incident marked false positive later out of its day, month and year on the next refresh', async () => {
      const range = { fromMonth: '2024-07', toMonth: '2024-07', agencyIds: [fx.agencies[1]!.id], categories: ['fraud'] };
      const year = { fromMonth: '2024-01', toMonth: '2024-12' };
      const before = await s.stats.breakdown(range);
      const yearBefore = await s.stats.breakdown(year);
      await s.incidents.update(fx.ids.falsePositiveLater, { status: 'false_positive' }, { actor: 'analyst', at: new Date().toISOString() });
      assert.deepEqual(await s.stats.breakdown(range), before, 'roll-ups only move when refreshed');
      const r = await s.stats.refresh();
      assert.ok(r.incidents >= 1 && r.days >= 1, JSON.stringify(r));
      assert.equal((await s.stats.breakdown(range)).total, before.total - 1);
      const yearAfter = await s.stats.breakdown(year);
      assert.equal(yearAfter.total, yearBefore.total - 1);
      assert.equal(yearAfter.bySeverity.high, (yearBefore.bySeverity.high ?? 0) - 1);
      await assertMatchesReference(s, fx, 'after a false positive');
    });

    it('follows a merge: the source stops counting and the target moves to the earlier month it now began in', async () => {
      const march = { fromMonth: '2024-03', toMonth: '2024-03', agencyIds: [fx.agencies[0]!.id] };
      const april = { fromMonth: '2024-04', toMonth: '2024-04', agencyIds: [fx.agencies[0]!.id] };
      const [m0, a0] = [await s.stats.breakdown(march), await s.stats.breakdown(april)];
      const res = await s.incidents.merge(fx.ids.mergeSource, fx.ids.mergeTarget, { actor: 'analyst', at: new Date().toISOString() });
      assert.equal(res.target.firstSeen, '2024-03-31T22:00:00.000Z');
      await s.stats.refresh();
      const [m1, a1] = [await s.stats.breakdown(march), await s.stats.breakdown(april)];
      assert.equal(m1.total, m0.total, 'March: the source left, the target arrived');
      assert.equal(a1.total, a0.total - 1, 'April lost the target (the day it was counted on before was recomputed)');
      assert.equal(m1.bySeverity.high, m0.bySeverity.high, 'the target took the higher severity');
      await assertMatchesReference(s, fx, 'after a merge');
    });

    it('follows an alert join that moves an incident into the previous month', async () => {
      const agencyId = fx.agencies[2]!.id;
      const groupKey = `join-${randomUUID()}`;
      const now = new Date().toISOString();
      const first = await s.incidents.recordAlert(
        alertInput({ agencyId, groupKey, firstEventAt: '2024-09-01T00:05:00.000Z', lastEventAt: '2024-09-01T00:06:00.000Z', now }),
      );
      await s.stats.refresh();
      const sept = { fromMonth: '2024-09', toMonth: '2024-09', agencyIds: [agencyId] };
      const aug = { fromMonth: '2024-08', toMonth: '2024-08', agencyIds: [agencyId] };
      const [s0, a0] = [await s.stats.breakdown(sept), await s.stats.breakdown(aug)];
      const joined = await s.incidents.recordAlert(
        alertInput({ agencyId, groupKey, firstEventAt: '2024-08-31T23:58:00.000Z', lastEventAt: '2024-08-31T23:59:00.000Z', now: new Date().toISOString() }),
      );
      assert.equal(joined.incident.id, first.incident.id);
      assert.equal(joined.incident.firstSeen, '2024-08-31T23:58:00.000Z');
      await s.stats.refresh();
      assert.equal((await s.stats.breakdown(sept)).total, s0.total - 1);
      assert.equal((await s.stats.breakdown(aug)).total, a0.total + 1);
      await assertMatchesReference(s, fx, 'after a join');
    });

    it('rebuilds from scratch to exactly what the refreshes kept', async () => {
      const ranges = statsRanges(fx).map(([, r]) => r);
      const kept = await Promise.all(ranges.map((r) => s.stats.breakdown(r)));
      const wm = (await s.stats.state()).watermark;
      const r = await s.stats.rebuild({ now: new Date().toISOString() });
      assert.equal(r.watermark, wm, 'the watermark never moves back');
      assert.deepEqual(await Promise.all(ranges.map((x) => s.stats.breakdown(x))), kept);
      await assertMatchesReference(s, fx, 'after a rebuild');
    });

    it('skips ids that exist on import, and refuses malformed months', async () => {
      const snap = await snapshot(s);
      const res = await s.stats.importIncidents([{ incident: snap.incidents[0]! }]);
      assert.deepEqual(res, { inserted: 0, skipped: 1 });
      await assert.rejects(s.stats.breakdown({ fromMonth: '2024-1', toMonth: '2024-12' }), /YYYY-MM/);
      await assert.rejects(s.stats.techniques({ fromMonth: '2024-01', toMonth: '2024-13', limit: 5 }), /YYYY-MM/);
    });
  });
}

runStatsSuite(
  'sqlite',
  async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-stats-'));
    return Object.assign(createSqliteStorage({ file: path.join(dir, 'vigil.sqlite') }), { dir });
  },
  async (s) => {
    await s.close();
    rmSync((s as Storage & { dir: string }).dir, { recursive: true, force: true });
  },
);

const mongoUri = process.env.MONGODB_URI;
if (mongoUri) {
  const withDb = (uri: string, db: string) => {
    const [base, query] = uri.split('?', 2) as [string, string | undefined];
    return `${base.replace(/^(mongodb(?:\+srv)?:\/\/[^/]+)(?:\/.*)?$/, '$1')}/${db}${query ? `?${query}` : ''}`;
  };
  runStatsSuite(
    'mongo',
    async () => createMongoStorage({ uri: withDb(mongoUri, `vigil_stats_${randomUUID().slice(0, 8)}`) }),
    async (s) => {
      await dropDatabase(s);
      await s.close();
    },
  );
} else {
  describe('statistics roll-ups: mongo', function () {
    it('skipped: MONGODB_URI not set', function () {
      this.skip();
    });
  });
}

/** wholeYears is what picks the grain; the ranges above must include both kinds. */
describe('statistics roll-ups: fixture ranges', () => {
  it('cover whole-year (year grain) and partial (month grain) ranges', () => {
    const fx = { agencies: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] as Agency[], ids: { falsePositiveLater: '', mergeTarget: '', mergeSource: '' } };
    const kinds = new Set(statsRanges(fx).map(([, r]) => (wholeYears(r.fromMonth, r.toMonth) ? 'y' : 'm')));
    assert.deepEqual([...kinds].sort(), ['m', 'y']);
  });
});
