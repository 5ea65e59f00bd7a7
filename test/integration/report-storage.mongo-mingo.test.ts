/**
 * The Mongo report stores' query builders (core/storage/mongo/report-queries.ts), evaluated in memory by mingo over
 * the very records the SQLite adapter holds, and compared with SQLite's answers: filters and both orders, the
 * compare-and-set update pipeline, the on-time aggregation and the notification queries. Not a real mongod: it
 * checks the query language we emit, not the server, indexes or mongoose.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Aggregator, Query, updateOne } from 'mingo';
import { DEADLINE_KINDS, type Report, type ReportStatus } from '../../core/domain/report.js';
import { computeDeadlines, DEFAULT_DEADLINE_POLICY, HOUR_MS, DAY_MS, nextDueAt } from '../../core/domain/report-deadlines.js';
import type { ReportDoc, ReportNotificationDoc } from '../../core/storage/mongo/report-models.js';
import {
  docToNotification,
  docToReport,
  notificationFilterToQuery,
  notificationKeyQuery,
  notificationSortSpec,
  reportDeadlineStatsPipeline,
  reportFilterToQuery,
  reportSortSpec,
  reportToDoc,
  reportUpdatePipeline,
  reportWriteFilter,
  statsFromAggregate,
} from '../../core/storage/mongo/report-queries.js';
import { normalizeReportPatch } from '../../core/storage/shared/report-records.js';
import { createSqliteStorage } from '../../core/storage/sqlite/index.js';
import type { NewReport, ReportFilter, ReportPatch, ReportSort, Storage } from '../../core/storage/storage.port.js';
import { tempDir } from '../support/harness.js';

const T0 = Date.parse('2026-01-05T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const P = DEFAULT_DEADLINE_POLICY;

function operatorsIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) operatorsIn(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('$')) out.add(k);
      if (k !== '$literal') operatorsIn(v, out);
    }
  }
  return out;
}

describe('mongo report query builders evaluated with mingo (not a real mongod)', function () {
  let s: Storage;
  let agencies: string[];
  let reports: Report[];
  const NOW = iso(T0 + 20 * DAY_MS);

  before(async function () {
    this.timeout(30_000);
    s = createSqliteStorage({ file: path.join(tempDir('mingo-reports'), 'vigil.sqlite') });
    await s.connect();
    agencies = [];
    for (const code of ['MOF', 'MOH', 'MOJ']) agencies.push((await s.agencies.create({ name: `Ministry ${code}`, code })).id);
    const statuses: ReportStatus[] = ['draft', 'submitted', 'acknowledged', 'closed'];
    const titles = ['Phishing wave', 'DDoS on portal', 'Ransomware', 'Data leak 100%', 'Brute_force on VPN', 'Defacement'];
    for (let i = 0; i < 48; i += 1) {
      const awareness = T0 + (i % 16) * DAY_MS + (i % 5) * HOUR_MS;
      const submitted: Partial<Record<(typeof DEADLINE_KINDS)[number], string>> = {};
      if (i % 3 !== 0) submitted.earlyWarning = iso(awareness + ((i % 4) * 10 + 1) * HOUR_MS); // some on time, some late
      if (i % 4 === 1) submitted.notification = iso(awareness + (i % 8 === 1 ? 50 : 90) * HOUR_MS);
      if (i % 12 === 5) submitted.final = iso(awareness + 20 * DAY_MS);
      const status = statuses[i % 4]!;
      const deadlines = computeDeadlines(iso(awareness), submitted, P);
      const input: NewReport = {
        agencyId: agencies[i % 3]!,
        reporter: 'admin',
        reporterId: 'u',
        title: `${titles[i % titles.length]} #${i}`,
        category: 'fraud',
        type: null,
        description: i % 7 === 0 ? 'Seen on the PAYROLL portal' : 'Details follow',
        awarenessAt: iso(awareness),
        occurredAt: null,
        severity: 'medium',
        tlp: 'AMBER',
        impact: {
          systemsAffected: i,
          usersAffected: 0,
          serviceDowntimeMinutes: 0,
          data: { confidentiality: false, integrity: false, availability: false },
          crossBorder: false,
          suspectedMalicious: false,
        },
        indicators: [],
        actionsTaken: '',
        incidentIds: [],
        status,
        lastStage: null,
        deadlines,
        nextDueAt: nextDueAt(deadlines, status),
        submittedAt: null,
        acknowledgedAt: null,
        acknowledgedBy: null,
        closedAt: null,
        closedBy: null,
        createdAt: iso(awareness + HOUR_MS),
        // Several reports share an updatedAt, so the id tie-break is exercised.
        updatedAt: iso(T0 + (i % 10) * HOUR_MS),
      };
      await s.reports.create(input);
    }
    reports = (await s.reports.list({}, { limit: 500 })).items;
    assert.equal(reports.length, 48);
  });
  after(async function () {
    await s?.close();
  });

  /** The documents Mongo would hold: SQLite's records as they are now (the update tests change one). */
  const docs = async () => (await s.reports.list({}, { limit: 500 })).items.map(reportToDoc);

  it('maps records to documents and back unchanged', function () {
    for (const r of reports) assert.deepEqual(docToReport(reportToDoc(r)), r);
  });

  const FILTERS: [string, () => ReportFilter][] = [
    ['no filter', () => ({})],
    ['one agency', () => ({ agencyIds: [agencies[1]!] })],
    ['two statuses', () => ({ status: ['submitted', 'acknowledged'] })],
    ['overdue now', () => ({ dueBefore: NOW })],
    ['overdue early', () => ({ dueBefore: iso(T0 + 3 * DAY_MS), agencyIds: [agencies[0]!, agencies[2]!] })],
    ['text in the title, literal %', () => ({ q: '100%' })],
    ['text in the title, literal _', () => ({ q: 'brute_' })],
    ['text in the description, any case', () => ({ q: 'payroll' })],
    ['empty agency list', () => ({ agencyIds: [] })],
    ['empty status list', () => ({ status: [] })],
    ['everything', () => ({ agencyIds: [agencies[0]!], status: ['draft', 'submitted'], dueBefore: NOW, q: 'a' })],
  ];

  for (const [name, make] of FILTERS) {
    for (const sort of ['due', 'updated'] as ReportSort[]) {
      it(`filter "${name}", ${sort} order: same reports in the same order as SQLite`, async function () {
        const filter = make();
        const expected = await s.reports.list(filter, { sort, limit: 500 });
        const got = new Query(reportFilterToQuery(filter)).find(await docs()).sort(reportSortSpec(sort)).all() as ReportDoc[];
        assert.deepEqual(got.map((d) => d._id), expected.items.map((r) => r.id));
        assert.equal(got.length, expected.total);
      });
    }
  }

  it('the due order puts reports with nothing due last', async function () {
    const got = new Query({}).find(await docs()).sort(reportSortSpec('due')).all() as ReportDoc[];
    const firstNull = got.findIndex((d) => d.nextDueAt === null);
    assert.ok(firstNull > 0);
    assert.ok(got.slice(firstNull).every((d) => d.nextDueAt === null));
  });

  const PATCHES: [string, (r: Report) => ReportPatch, boolean][] = [
    ['content', () => ({ title: '$where: 1', severity: 'high', indicators: [{ type: 'domain', kind: 'domain', value: 'x.example' }] }), false],
    ['submit a stage (deadlines, nextDueAt, version)', (r) => {
      const deadlines = computeDeadlines(r.awarenessAt, { earlyWarning: iso(T0), notification: iso(T0) }, P);
      return { status: 'submitted', lastStage: 'notification', submittedAt: iso(T0), deadlines, nextDueAt: nextDueAt(deadlines, 'submitted') };
    }, true],
    ['close (nothing due any more)', () => ({ status: 'closed', closedAt: iso(T0), closedBy: 'analyst', nextDueAt: null }), false],
    ['nested objects replaced whole', (r) => ({ impact: { ...r.impact, data: { confidentiality: true, integrity: true, availability: false } } }), false],
  ];

  for (const [name, patchOf, withVersion] of PATCHES) {
    it(`update "${name}": compare-and-set filter and pipeline give SQLite's record`, async function () {
      const before = (await s.reports.get(reports[7]!.id))!;
      const patch = patchOf(before);
      const at = iso(T0 + 30 * DAY_MS);
      const local = [reportToDoc(before)];
      const filter = reportWriteFilter(before.id, before.revision);
      assert.equal(new Query(reportWriteFilter(before.id, before.revision + 1)).test(local[0]!), false, 'a stale revision does not match');
      const res = updateOne(local as unknown as Record<string, unknown>[], filter, reportUpdatePipeline(normalizeReportPatch(patch), at, withVersion) as never);
      assert.equal(res.matchedCount, 1);
      const written = await s.reports.update(before.id, patch, { at, expectedRevision: before.revision, ...(withVersion ? { version: { stage: 'notification', by: 'x' } } : {}) });
      assert.deepEqual(docToReport(local[0]!), written.report);
      assert.equal(local[0]!.dueSortKey, written.report.nextDueAt ?? '~');
      assert.equal(new Query(filter).test(local[0]!), false, 'the same compare-and-set does not match twice');
      const ops = operatorsIn(reportUpdatePipeline(normalizeReportPatch(patch), at, withVersion));
      assert.deepEqual([...ops].filter((o) => !['$set', '$literal', '$add', '$max'].includes(o)), []);
    });
  }

  const STATS: [string, () => Parameters<Storage['reports']['deadlineStats']>[0]][] = [
    ['all', () => ({ now: NOW })],
    ['early now', () => ({ now: iso(T0 + 2 * DAY_MS) })],
    ['one agency', () => ({ now: NOW, agencyIds: [agencies[2]!] })],
    ['awareness window', () => ({ now: NOW, from: iso(T0 + 2 * DAY_MS), to: iso(T0 + 9 * DAY_MS) })],
    ['nothing', () => ({ now: NOW, agencyIds: [] })],
  ];

  for (const [name, make] of STATS) {
    it(`on-time statistics "${name}": the aggregation gives SQLite's counts`, async function () {
      const filter = make();
      const expected = await s.reports.deadlineStats(filter);
      const rows = new Aggregator(reportDeadlineStatsPipeline(filter) as never).run(await docs()) as Record<string, unknown>[];
      assert.deepEqual(statsFromAggregate(rows), expected);
    });
  }

  it('notification queries: filters, newest first, and the once-only key', async function () {
    const ids = reports.slice(0, 6).map((r) => r.id);
    const made = [];
    for (let i = 0; i < 12; i += 1) {
      const r = reports[i % 6]!;
      const res = await s.reportNotifications.record({
        reportId: r.id,
        agencyId: r.agencyId,
        deadline: DEADLINE_KINDS[i % 3]!,
        level: i < 6 ? 'due_soon' : 'overdue',
        dueAt: r.deadlines[DEADLINE_KINDS[i % 3]!].dueAt,
        createdAt: iso(T0 + Math.floor(i / 2) * HOUR_MS),
      });
      assert.equal(res.created, true);
      made.push(res.notification);
    }
    const ndocs: ReportNotificationDoc[] = made.map((n, i) => {
      const { id, ...rest } = n;
      return { _id: id, ...rest, seq: String(i).padStart(4, '0') };
    });
    for (const filter of [{}, { agencyIds: [agencies[0]!] }, { reportId: ids[2]! }, { since: iso(T0 + 3 * HOUR_MS) }, { agencyIds: [] as string[] }]) {
      const expected = await s.reportNotifications.list(filter, { limit: 1000 });
      const got = new Query(notificationFilterToQuery(filter)).find(ndocs).sort({ ...notificationSortSpec }).all() as ReportNotificationDoc[];
      assert.deepEqual(got.map(docToNotification), expected);
    }
    for (const n of made) assert.equal(new Query(notificationKeyQuery(n)).find(ndocs).all().length, 1);
  });
});
