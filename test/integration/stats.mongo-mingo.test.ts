/**
 * The Mongo statistics pipelines (core/storage/mongo/stats-queries.ts), evaluated in memory by mingo over the very
 * incidents and timelines the SQLite adapter holds, and compared with SQLite's roll-up tables and answers. This is
 * not a real mongod: it checks the query language we emit (day recomputation with $lookup, month/year roll-ups,
 * $facet breakdowns, top lists, the refresh batch query), not the server, $merge, indexes or mongoose.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Aggregator, Query } from 'mingo';
import { dayOf, isCounted, monthOf, uniqueSorted, yearOf } from '../../core/storage/shared/stats-rules.js';
import { incidentToDoc } from '../../core/storage/mongo/mappers.js';
import {
  STATS_CUBES,
  STATS_CUBE_NAMES,
  TIMELINE_COLLECTION,
  breakdownFromFacet,
  breakdownPipeline,
  changedIncidentsQuery,
  changedIncidentsSort,
  dailyPipeline,
  membersPipeline,
  resolveTimesPipeline,
  rollupPipeline,
  techniquesPipeline,
  yearsPipeline,
  type PipelineStage,
  type StatsCubeName,
} from '../../core/storage/mongo/stats-queries.js';
import { createSqliteStorage } from '../../core/storage/sqlite/index.js';
import { sqliteConnectionOf } from '../../core/storage/sqlite/registry.js';
import type { Storage } from '../../core/storage/storage.port.js';
import { seedStatsFixture, snapshot, statsRanges, type Snapshot, type StatsFixture } from './stats.storage.test.js';

type Doc = Record<string, unknown> & { _id: string };

const SQL_DIMS: Record<StatsCubeName, [table: string, columns: string[]]> = {
  counts: ['stats_counts', ['agency_id', 'category', 'severity']],
  techniques: ['stats_techniques', ['agency_id', 'technique']],
  resolve: ['stats_resolve', ['agency_id', 'bucket']],
};
const camel = (c: string) => c.replace(/_(\w)/g, (_, x: string) => x.toUpperCase());

/** A SQLite roll-up table as the Mongo documents it stands for (ids as stats-queries builds them), sorted by _id. */
function sqliteCube(s: Storage, name: StatsCubeName, where = '1 = 1', params: unknown[] = []): Doc[] {
  const [table, columns] = SQL_DIMS[name];
  const rows = sqliteConnectionOf(s).db.prepare(`SELECT * FROM ${table} WHERE ${where}`).all(...params) as Record<string, string | number>[];
  return rows
    .map((r) => {
      const doc: Doc = { _id: [r.grain, r.period, ...columns.map((c) => String(r[c]))].join('|'), grain: r.grain, period: r.period };
      for (const c of columns) doc[camel(c)] = r[c];
      doc.n = r.n;
      return doc;
    })
    .sort(byId);
}

const byId = (a: Doc, b: Doc) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
const clean = (docs: Doc[]) => docs.map((d) => ({ ...d })).sort(byId);

function mongoDocs(snap: Snapshot) {
  const incidents = snap.incidents.map((i) => incidentToDoc(i)) as unknown as Doc[];
  let seq = 0;
  const timeline = [...snap.timelines.values()].flat().map((e) => ({
    _id: e.id,
    incidentId: e.incidentId,
    at: e.at,
    seq: String(++seq).padStart(8, '0'),
    actor: e.actor,
    action: e.action,
    details: e.details,
  }));
  return { incidents, timeline };
}

describe('mongo statistics pipelines evaluated with mingo (not a real mongod)', function () {
  this.timeout(60_000);
  let dir: string;
  let s: Storage;
  let fx: StatsFixture;
  let timeline: Doc[] = [];
  /** The roll-up collections as the Mongo adapter would hold them, built and maintained by the pipelines. */
  const cubes = new Map<StatsCubeName, Doc[]>();

  const run = (pipeline: PipelineStage[], docs: readonly Doc[]): Doc[] =>
    new Aggregator(pipeline, { collectionResolver: (name) => (name === TIMELINE_COLLECTION ? structuredClone(timeline) : []) }).run(
      structuredClone(docs) as Doc[],
    ) as Doc[];

  /** What mongo/stats.ts recompute() leaves: `days` (null: all) replaced from incidents, then their months and years. */
  const recompute = (incidents: Doc[], days: string[] | null) => {
    const months = days === null ? null : uniqueSorted(days.map(monthOf));
    const years = months === null ? null : uniqueSorted(months.map(yearOf));
    for (const name of STATS_CUBE_NAMES) {
      let docs = cubes.get(name) ?? [];
      const replace = (grain: string, periods: string[] | null, fresh: Doc[]) => {
        docs = [...docs.filter((d) => d.grain !== grain || (periods !== null && !periods.includes(String(d.period)))), ...fresh];
      };
      replace('d', days, run(dailyPipeline(name, days), incidents));
      replace('m', months, run(rollupPipeline(name, 'm', months), docs));
      replace('y', years, run(rollupPipeline(name, 'y', years), docs));
      cubes.set(name, clean(docs));
    }
  };

  const assertSameAsSqlite = async (label: string) => {
    for (const name of STATS_CUBE_NAMES) {
      assert.deepEqual(cubes.get(name), sqliteCube(s, name), `${label}: ${STATS_CUBES[name].collection} documents`);
    }
    for (const [rangeName, range] of statsRanges(fx)) {
      const scope = { fromMonth: range.fromMonth, toMonth: range.toMonth, ...(range.agencyIds ? { agencyIds: range.agencyIds } : {}) };
      assert.deepEqual(
        breakdownFromFacet(run(breakdownPipeline(range), cubes.get('counts')!)),
        await s.stats.breakdown(range),
        `${label}: breakdown ${rangeName}`,
      );
      const tech = run(techniquesPipeline({ ...scope, limit: 3 }), cubes.get('techniques')!).map((r) => ({ technique: r._id, incidents: r.incidents }));
      assert.deepEqual(tech, await s.stats.techniques({ ...scope, limit: 3 }), `${label}: techniques ${rangeName}`);
      const resolve = run(resolveTimesPipeline(scope), cubes.get('resolve')!).map((r) => ({ bucket: r._id, incidents: r.incidents }));
      assert.deepEqual(resolve, await s.stats.resolveTimes(scope), `${label}: resolve times ${rangeName}`);
    }
    const years = run(yearsPipeline(), cubes.get('counts')!).map((r) => Number(r._id));
    assert.deepEqual(years, await s.stats.years(), `${label}: years`);
    const agency = fx.agencies[1]!.id;
    const agencyYears = run(yearsPipeline({ agencyIds: [agency] }), cubes.get('counts')!).map((r) => Number(r._id));
    assert.deepEqual(agencyYears, await s.stats.years({ agencyIds: [agency] }), `${label}: years of one agency`);
  };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-stats-mingo-'));
    s = createSqliteStorage({ file: path.join(dir, 'vigil.sqlite') });
    await s.connect();
    fx = await seedStatsFixture(s);
    await s.stats.rebuild({ now: '2025-01-01T00:00:00.000Z' });
  });
  after(async () => {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('rebuilds every roll-up document exactly as SQLite does (day, month and year grains, with $lookup on the timeline)', async () => {
    const docs = mongoDocs(await snapshot(s));
    timeline = docs.timeline;
    recompute(docs.incidents, null);
    assert.ok(cubes.get('counts')!.length > 300 && cubes.get('resolve')!.length > 50 && cubes.get('techniques')!.length > 50);
    await assertSameAsSqlite('rebuild');
  });

  it('builds the incidents’ days (stats_members) as SQLite records them for counted incidents', async () => {
    const snap = await snapshot(s);
    const counted = new Set(snap.incidents.filter(isCounted).map((i) => i.id));
    const members = run(membersPipeline(), mongoDocs(snap).incidents).sort(byId);
    assert.equal(members.length, snap.incidents.length);
    const rows = sqliteConnectionOf(s).db.prepare('SELECT incident_id AS _id, day FROM stats_contributions ORDER BY incident_id').all() as Doc[];
    assert.deepEqual(members.filter((m) => counted.has(m._id)), rows);
  });

  it('reads refresh batches in (updatedAt, _id) order after a key, as SQLite does', async () => {
    const docs = mongoDocs(await snapshot(s)).incidents;
    const all = [...docs].sort((a, b) => String(a.updatedAt).localeCompare(String(b.updatedAt)) || byId(a, b));
    const middle = all[Math.floor(all.length / 2)]!;
    for (const key of [
      { at: '0000', id: '' },
      { at: String(middle.updatedAt), id: '' },
      { at: String(middle.updatedAt), id: middle._id },
      { at: '9999', id: '' },
    ]) {
      const got = new Query(changedIncidentsQuery(key)).find(structuredClone(docs)).sort({ ...changedIncidentsSort }).all().map((d) => (d as Doc)._id);
      const rows = sqliteConnectionOf(s).db
        .prepare('SELECT id FROM incidents WHERE (updated_at, id) > (?, ?) ORDER BY updated_at, id')
        .all(key.at, key.id) as { id: string }[];
      assert.deepEqual(got, rows.map((r) => r.id), JSON.stringify(key));
    }
  });

  it('recomputes only the touched days, months and years after a false positive and a merge, ending equal to SQLite', async () => {
    const before = await snapshot(s);
    const at = new Date().toISOString();
    await s.incidents.update(fx.ids.falsePositiveLater, { status: 'false_positive' }, { actor: 'analyst', at });
    await s.incidents.merge(fx.ids.mergeSource, fx.ids.mergeTarget, { actor: 'analyst', at });
    await s.stats.refresh();
    const after = await snapshot(s);
    // The days the Mongo adapter would recompute: the changed incidents' days now and before (stats_members).
    const changed = after.incidents.filter((i) => i.updatedAt >= at);
    assert.equal(changed.length, 3);
    const oldDay = new Map(before.incidents.map((i) => [i.id, dayOf(i.firstSeen)]));
    const days = uniqueSorted(changed.flatMap((i) => [dayOf(i.firstSeen), oldDay.get(i.id)!]));
    assert.deepEqual(days, ['2024-03-31', '2024-04-01', '2024-07-15']);
    const docs = mongoDocs(after);
    timeline = docs.timeline;
    for (const name of STATS_CUBE_NAMES) {
      const fresh = clean(run(dailyPipeline(name, days), docs.incidents));
      const [table] = SQL_DIMS[name];
      assert.deepEqual(fresh, sqliteCube(s, name, `grain = 'd' AND period IN (SELECT value FROM json_each(?))`, [JSON.stringify(days)]), `${table}: touched days`);
    }
    recompute(docs.incidents, days);
    await assertSameAsSqlite('after a false positive and a merge');
  });

  it('matches nothing for an empty list of days or agencies', () => {
    assert.deepEqual(run(dailyPipeline('counts', []), mongoDocs({ incidents: [], timelines: new Map() }).incidents), []);
    const none = breakdownFromFacet(run(breakdownPipeline({ fromMonth: '2023-01', toMonth: '2024-12', agencyIds: [] }), cubes.get('counts')!));
    assert.deepEqual(none, { total: 0, byMonth: {}, bySeverity: {}, byCategory: {}, byAgency: {} });
  });
});
