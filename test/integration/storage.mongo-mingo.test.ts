/**
 * The Mongo adapter's query builders, evaluated in memory by mingo over the very records the SQLite adapter holds,
 * and compared with SQLite's answers. This is not a real mongod: it checks the query language we emit (filters,
 * sort, cursor, $facet summary, join filter and join update pipeline), not the server, indexes or mongoose.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Aggregator, Query, updateOne } from 'mingo';
import type { Incident } from '../../core/domain/types.js';
import { normalizeAlertInput } from '../../core/storage/shared/incident-rules.js';
import {
  alertCountsByRulePipeline,
  incidentFilterToQuery,
  incidentJoinFilter,
  incidentJoinUpdate,
  incidentSortSpec,
  incidentSummaryPipeline,
  ruleCountsFromGroups,
  summaryFromFacet,
} from '../../core/storage/mongo/incident-queries.js';
import { docToSavedView, savedViewSortSpec, savedViewsVisibleQuery, savedViewToDoc } from '../../core/storage/mongo/saved-view-queries.js';
import {
  auditFilterToQuery,
  auditSortSpec,
  incidentCloseMergedWrite,
  incidentMergeUpdate,
  incidentPatchUpdate,
  incidentRevisionFilter,
  lifecycleIncidentQuery,
  lifecycleProjection,
  lifecycleSortSpec,
  lifecycleTimelineQuery,
  linkDoc,
  linksOfQuery,
  timelineSortSpec,
} from '../../core/storage/mongo/incident-lifecycle-queries.js';
import { alertToDoc, docToAuditEntry, docToIncident, docToTimelineEntry, incidentToDoc } from '../../core/storage/mongo/mappers.js';
import { applyIncidentPatch, closeMergedIncident, mergeIncidentInto } from '../../core/storage/shared/incident-changes.js';
import type { IncidentDoc } from '../../core/storage/mongo/models.js';
import { createSqliteStorage } from '../../core/storage/sqlite/index.js';
import { setIncidentStatus } from '../../core/storage/sqlite/test-support.js';
import type {
  AuditFilter,
  IncidentFilter,
  IncidentPatch,
  LifecycleFilter,
  RecordAlertInput,
  RuleAlertCountQuery,
  Storage,
} from '../../core/storage/storage.port.js';
import {
  DAY,
  HOUR,
  MINUTE,
  T0,
  alertInput,
  alertsOf,
  assignFixture,
  iso,
  referenceFilter,
  referenceRuleCounts,
  referenceSummary,
  seedIncidentFixture,
  walkPages,
  type SeededFixture,
} from '../factories/incidents.js';

const SORT = { ...incidentSortSpec } as Record<string, 1 | -1>;

/** Every operator key ($...) anywhere in a query or pipeline. */
function operatorsIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) operatorsIn(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('$')) out.add(k);
      // $literal's operand is data, not query language.
      if (k !== '$literal') operatorsIn(v, out);
    }
  }
  return out;
}

describe('mongo query builders evaluated with mingo (not a real mongod)', function () {
  let dir: string;
  let s: Storage;
  let fx: SeededFixture;
  let docs: IncidentDoc[];

  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-mingo-'));
    s = createSqliteStorage({ file: path.join(dir, 'vigil.sqlite') });
    await s.connect();
    fx = await seedIncidentFixture(s, setIncidentStatus);
    docs = fx.incidents.map(incidentToDoc);
  });
  after(async function () {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const mingoIds = (filter: IncidentFilter, cursor?: string | null, limit?: number) => {
    const cur = new Query(incidentFilterToQuery(filter, cursor)).find(docs).sort(SORT);
    return (limit === undefined ? cur : cur.limit(limit)).all().map((d) => (d as IncidentDoc)._id);
  };

  const FILTERS: [string, () => IncidentFilter][] = [
    ['no filter', () => ({})],
    ['status', () => ({ status: ['investigating', 'closed'] })],
    ['severity', () => ({ severity: ['high', 'critical'] })],
    ['one agency', () => ({ agencyIds: [fx.agencyIds[1]!] })],
    ['agency without incidents', () => ({ agencyIds: [fx.agencyIds[3]!] })],
    ['empty status list', () => ({ status: [] })],
    ['from (inclusive, on a tie)', () => ({ from: iso(T0 + 20 * DAY) })],
    ['to (inclusive, non-Z offset)', () => ({ to: '2025-02-15T10:00:00+02:00' })],
    ['from and to', () => ({ from: iso(T0 + 12 * DAY), to: iso(T0 + 52 * DAY) })],
    ['q in title, other case', () => ({ q: 'webSHELL' })],
    ['q with _ literal', () => ({ q: 'b_0' })],
    ['q with % literal', () => ({ q: 'b%0' })],
    ['q with regex metacharacters', () => ({ q: 'mail.gov' })],
    ['q that is a regex matching everything', () => ({ q: '.*' })],
    ['q in users', () => ({ q: 'ROOT' })],
    ['q in ips', () => ({ q: '10.1.' })],
    ['q in ruleId', () => ({ q: 'sigma-portscan' })],
    [
      'every field combined',
      () => ({
        status: ['new', 'triaged', 'investigating', 'contained', 'closed'],
        severity: ['low', 'medium', 'high', 'critical'],
        agencyIds: [fx.agencyIds[0]!, fx.agencyIds[2]!],
        from: iso(T0 + 4 * DAY),
        to: iso(T0 + 72 * DAY),
        q: 'o',
      }),
    ],
  ];

  it('loads the 60 fixture incidents as Mongo documents (_id = id, severityRank) and maps them back', function () {
    assert.equal(docs.length, 60);
    for (const [i, d] of docs.entries()) {
      assert.equal(d._id, fx.incidents[i]!.id);
      assert.equal('id' in d, false);
      assert.deepEqual(docToIncident(d), fx.incidents[i]);
    }
  });

  for (const [name, make] of FILTERS) {
    it(`list: ${name} — same ids and order as SQLite on every page`, async function () {
      const filter = make();
      const expected = referenceFilter(fx.incidents, filter).map((i) => i.id);
      assert.deepEqual(mingoIds(filter), expected, 'mingo, whole result');
      const walked = await walkPages(s, filter, 7);
      assert.deepEqual(walked.pages.flat().map((i) => i.id), expected, 'SQLite, all pages');
      for (const [p, cursor] of walked.cursors.entries()) {
        assert.deepEqual(
          mingoIds(filter, cursor, 7),
          walked.pages[p]!.map((i) => i.id),
          `page ${p + 1}`,
        );
      }
      assert.equal(new Query(incidentFilterToQuery(filter)).find(docs).all().length, walked.totals[0]);
    });
  }

  for (const [name, make] of FILTERS) {
    it(`summary: ${name} — $facet pipeline equals SQLite`, async function () {
      const filter = make();
      const out = new Aggregator(incidentSummaryPipeline(filter)).run(docs);
      const fromMingo = summaryFromFacet(out);
      assert.deepEqual(fromMingo, await s.incidents.summary(filter));
      assert.deepEqual(fromMingo, referenceSummary(fx.incidents, filter));
    });
  }

  it('has the fixture exercise the filters (no filter is trivially empty or full)', function () {
    const counts = Object.fromEntries(FILTERS.map(([name, make]) => [name, mingoIds(make()).length]));
    assert.deepEqual(counts, {
      'no filter': 60,
      status: 17,
      severity: counts.severity,
      'one agency': 20,
      'agency without incidents': 0,
      'empty status list': 0,
      'from (inclusive, on a tie)': 45,
      'to (inclusive, non-Z offset)': 33,
      'from and to': 33,
      'q in title, other case': 7,
      'q with _ literal': 8,
      'q with % literal': 8,
      'q with regex metacharacters': 7,
      'q that is a regex matching everything': 0,
      'q in users': 15,
      'q in ips': 18,
      'q in ruleId': 6,
      'every field combined': counts['every field combined'],
    });
    assert.ok(counts.severity! > 5 && counts.severity! < 40);
    assert.ok(counts['every field combined']! > 3 && counts['every field combined']! < 30);
  });

  it('emits only standard operators', function () {
    const allowed = new Set(['$in', '$gte', '$lte', '$lt', '$regex', '$options', '$or', '$and']);
    for (const [, make] of FILTERS) {
      const cursor = Buffer.from(JSON.stringify([iso(T0), 'x'])).toString('base64url');
      for (const op of operatorsIn(incidentFilterToQuery(make(), cursor))) assert.ok(allowed.has(op), op);
      for (const op of operatorsIn(incidentSummaryPipeline(make()))) {
        assert.ok(allowed.has(op) || ['$match', '$facet', '$group', '$sum'].includes(op), op);
      }
    }
    const update = incidentJoinUpdate(normalizeAlertInput(alertInput({ agencyId: 'a' })));
    const updateOps = [...operatorsIn(update)].sort();
    assert.deepEqual(updateOps, [
      '$add', '$arrayElemAt', '$concatArrays', '$filter', '$ifNull', '$in', '$literal', '$max', '$min', '$not',
      '$set', '$slice',
    ]);
  });

  describe('recordAlert: join filter and join update pipeline', function () {
    /**
     * Records probe alerts in SQLite one by one and, before each, asks mingo which document the join filter picks
     * (first in sort order); then applies the join update pipeline to that document with mingo and expects exactly
     * the incident SQLite returned.
     */
    async function probe(inputs: RecordAlertInput[]) {
      let joins = 0;
      let opens = 0;
      for (const raw of inputs) {
        const input = normalizeAlertInput(raw);
        const picked = new Query(incidentJoinFilter(input)).find(docs).sort(SORT).limit(1).all() as IncidentDoc[];
        const res = await s.incidents.recordAlert(raw);
        assert.equal(res.duplicate, false);
        if (picked.length === 0) {
          assert.equal(res.created, true, `mingo found nothing to join for ${raw.groupKey}, SQLite joined`);
          docs.push(incidentToDoc(res.incident));
          opens++;
        } else {
          assert.equal(res.created, false, `mingo joins ${picked[0]!._id}, SQLite opened a new incident`);
          assert.equal(res.incident.id, picked[0]!._id);
          const r = updateOne(docs as unknown as Record<string, unknown>[], { _id: picked[0]!._id }, incidentJoinUpdate(input) as never);
          assert.equal(r.matchedCount, 1);
          const updated = docs.find((d) => d._id === res.incident.id)!;
          assert.deepEqual(docToIncident(updated), res.incident);
          assert.deepEqual(updated.severityRank, incidentToDoc(res.incident).severityRank);
          joins++;
        }
      }
      return { joins, opens };
    }

    const fixtureAlert = (i: number) => fx.incidents[i]!;
    const followUp = (inc: Incident, over: Partial<RecordAlertInput> = {}) =>
      alertInput({
        agencyId: inc.agencyId,
        groupKey: inc.groupKey,
        ruleId: inc.ruleId,
        host: inc.host,
        suppressionMs: 30 * MINUTE,
        firstEventAt: iso(Date.parse(inc.lastSeen) + 10 * MINUTE),
        ...over,
      });

    it('joins open incidents within the window and opens new ones otherwise, as SQLite does', async function () {
      const inputs: RecordAlertInput[] = [];
      for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 8, 13, 20]) {
        const inc = fixtureAlert(i); // status is INCIDENT_STATUSES[i % 7]: 0-3 open, 4-6 resolved/fp/closed
        inputs.push(followUp(inc, { level: 'critical', entities: { hosts: ['x-1'], users: ['eve'], ips: [] } }));
      }
      // Outside the window, another agency, another group.
      inputs.push(followUp(fixtureAlert(9), { firstEventAt: iso(Date.parse(fixtureAlert(9).lastSeen) + 31 * MINUTE) }));
      inputs.push(followUp(fixtureAlert(10), { agencyId: fx.agencyIds[3]! }));
      inputs.push(followUp(fixtureAlert(11), { groupKey: 'no-such-group' }));
      // A late alert (before the incident's firstSeen), a lower level, and a second join of the same incident.
      inputs.push(
        followUp(fixtureAlert(15), {
          level: 'informational',
          firstEventAt: iso(Date.parse(fixtureAlert(15).firstSeen) - 20 * MINUTE),
          lastEventAt: iso(Date.parse(fixtureAlert(15).firstSeen) - 15 * MINUTE),
        }),
      );
      inputs.push(followUp(fixtureAlert(0), { firstEventAt: iso(Date.parse(fixtureAlert(0).lastSeen) + 20 * MINUTE) }));
      const { joins, opens } = await probe(inputs);
      // Joins: the open 0,1,2,3,7,8 (13 and 20 are closed), the late alert on 15 (triaged) and 0 again.
      // Opens: 4,5,6,13,20 (not open), outside the window, another agency, another group.
      assert.deepEqual({ joins, opens }, { joins: 8, opens: 8 });
    });

    it('merges and caps lists in the pipeline exactly like SQLite, keeping "$" values literal', async function () {
      const inc = fixtureAlert(14); // 14 % 7 = 0: new
      const many = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);
      const { joins } = await probe([
        followUp(inc, {
          entities: { hosts: ['$where', '$$ROOT', ...many('h', 140)], users: [inc.entities.users[0]!, 'new'], ips: [] },
          techniques: ['$lastSeen', ...inc.techniques],
          ruleId: 'sigma-other',
        }),
      ]);
      assert.equal(joins, 1);
      const after = (await s.incidents.get(inc.id))!;
      assert.equal(after.entities.hosts.length, 100);
      assert.deepEqual(after.entities.hosts.slice(0, 3), [...inc.entities.hosts, '$where', '$$ROOT'].slice(0, 3));
      assert.ok(after.techniques.includes('$lastSeen'));
      assert.deepEqual(after.ruleIds, [inc.ruleId, 'sigma-other']);
    });
  });
});

describe('mongo lifecycle builders evaluated with mingo (not a real mongod)', function () {
  let dir: string;
  let s: Storage;
  let agencyId: string;
  let n = 0;

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-mingo-lc-'));
    s = createSqliteStorage({ file: path.join(dir, 'vigil.sqlite') });
    await s.connect();
    agencyId = (await s.agencies.create({ name: 'A', code: 'A' })).id;
  });
  after(async function () {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const open = async (over: Partial<RecordAlertInput> = {}) =>
    (await s.incidents.recordAlert(alertInput({ agencyId, groupKey: `lc-${++n}`, firstEventAt: iso(T0), ...over }))).incident;
  const docOf = (i: Incident) => incidentToDoc(i) as unknown as Record<string, unknown>;
  const matches = (filter: Record<string, unknown>, doc: Record<string, unknown>) => new Query(filter).test(doc);
  const PATCHES: [string, IncidentPatch][] = [
    ['status and assignee', { status: 'triaged', assignee: 'alice' }],
    ['admin-defined status', { status: 'investigating', customStatus: 'awaiting_vendor' }],
    ['severity down', { severity: 'low' }],
    ['category and type', { category: 'fraud', type: 'phishing' }],
    ['techniques', { techniques: ['T1566', 'T1566', '$where'] }],
    ['entities: replace one list, add optional ones', { entities: { hosts: ['$x', 'h2'], hashes: ['abc'], domains: ['d.example'] } }],
    ['everything', { status: 'contained', assignee: 'bob', severity: 'critical', category: 'intrusions', type: 'system-compromise', techniques: [], entities: { users: [] } }],
  ];

  for (const [name, patch] of PATCHES) {
    it(`patch: ${name} — compare-and-set filter and update pipeline give SQLite's record`, async function () {
      const before = await open();
      const at = iso(T0 + HOUR);
      const { next, changes } = applyIncidentPatch(before, patch, at);
      assert.ok(changes.length > 0);
      const docs = [docOf(before)];
      const filter = incidentRevisionFilter(before.id, 0);
      assert.equal(matches(filter, docs[0]!), true);
      assert.equal(matches(incidentRevisionFilter(before.id, 1), docs[0]!), false, 'a stale revision does not match');
      const { revision: _r, ...withoutRevision } = docs[0]!;
      assert.equal(matches(filter, withoutRevision), true, 'a document written before revisions existed is at 0');
      assert.equal(matches(incidentRevisionFilter(before.id, 0, iso(T0 - HOUR)), docs[0]!), false, 'if-unmodified-since');
      const r = updateOne(docs, filter, incidentPatchUpdate(before, next) as never);
      assert.equal(r.matchedCount, 1);
      const res = await s.incidents.update(before.id, patch, { actor: 'x', at });
      assert.deepEqual(docToIncident(docs[0] as unknown as IncidentDoc), res.incident);
      assert.deepEqual(res.incident, next);
      assert.equal(docs[0]!.severityRank, incidentToDoc(res.incident).severityRank);
      // Applied a second time (revision moved on), the compare-and-set filter no longer matches.
      assert.equal(matches(filter, docs[0]!), false);
    });
  }

  it('patch: a join between the read and the write is kept (only changed fields are written)', async function () {
    const before = await open({ groupKey: 'lc-race', level: 'medium' });
    await s.incidents.update(before.id, { entities: { hashes: ['aa'] } }, { actor: 'x', at: iso(T0 + MINUTE) });
    const read = (await s.incidents.get(before.id))!;
    const docs = [docOf(read)];
    // An alert joins (in SQLite and, with the join pipeline, in the document) before the patch is written.
    const join = normalizeAlertInput(
      alertInput({
        agencyId,
        groupKey: 'lc-race',
        level: 'high',
        firstEventAt: iso(T0 + 2 * MINUTE),
        entities: { hosts: ['late-host'], users: [], ips: [], hashes: ['bb'], domains: ['late.example'] },
      }),
    );
    await s.incidents.recordAlert(join);
    updateOne(docs, { _id: read.id }, incidentJoinUpdate(join) as never);
    const patch: IncidentPatch = { status: 'triaged', assignee: 'alice', entities: { users: ['mallory'] } };
    const { next } = applyIncidentPatch(read, patch, iso(T0 + HOUR));
    const r = updateOne(docs, incidentRevisionFilter(read.id, 1), incidentPatchUpdate(read, next) as never);
    assert.equal(r.matchedCount, 1, 'a join does not move the revision');
    const res = await s.incidents.update(read.id, patch, { actor: 'x', at: iso(T0 + HOUR) });
    assert.deepEqual(docToIncident(docs[0] as unknown as IncidentDoc), res.incident);
    assert.equal(res.incident.alertCount, 2);
    assert.equal(res.incident.severity, 'high');
    assert.deepEqual(res.incident.entities.hashes, ['aa', 'bb']);
    assert.deepEqual(res.incident.entities.domains, ['late.example']);
    assert.deepEqual(res.incident.entities.users, ['mallory']);
  });

  it('join pipeline keeps analyst-added hashes and domains exactly as SQLite does', async function () {
    const before = await open({ groupKey: 'lc-hashes' });
    const { incident } = await s.incidents.update(
      before.id,
      { entities: { hashes: ['h1'], domains: ['a.example'] } },
      { actor: 'x', at: iso(T0 + MINUTE) },
    );
    const docs = [docOf(incident)];
    for (const entities of [
      { hosts: ['z'], users: [], ips: [] },
      { hosts: [], users: [], ips: [], hashes: ['h2', 'h1'], domains: ['b.example'] },
    ]) {
      const input = normalizeAlertInput(alertInput({ agencyId, groupKey: 'lc-hashes', firstEventAt: iso(T0 + 2 * MINUTE), entities }));
      const res = await s.incidents.recordAlert(input);
      updateOne(docs, { _id: incident.id }, incidentJoinUpdate(input) as never);
      assert.deepEqual(docToIncident(docs[0] as unknown as IncidentDoc), res.incident);
    }
    assert.deepEqual((await s.incidents.get(incident.id))!.entities.hashes, ['h1', 'h2']);
    // A fixture-like incident without optional kinds still maps back without them after a join.
    const plain = await open({ groupKey: 'lc-plain' });
    const pdocs = [docOf(plain)];
    const input = normalizeAlertInput(alertInput({ agencyId, groupKey: 'lc-plain', firstEventAt: iso(T0 + MINUTE) }));
    const res = await s.incidents.recordAlert(input);
    updateOne(pdocs, { _id: plain.id }, incidentJoinUpdate(input) as never);
    assert.deepEqual(docToIncident(pdocs[0] as unknown as IncidentDoc), res.incident);
    assert.equal('hashes' in res.incident.entities, false);
  });

  it('merge: the target pipeline and the guarded close of the source give SQLite\'s records', async function () {
    const target = await open({ level: 'medium', ruleId: 'r-t', techniques: ['T1'], entities: { hosts: ['t'], users: [], ips: [] } });
    const src = await open({
      level: 'critical',
      ruleId: 'r-s',
      techniques: ['$lit', 'T1'],
      eventCount: 5,
      firstEventAt: iso(T0 - HOUR),
      lastEventAt: iso(T0 + HOUR),
      entities: { hosts: ['s', '$where'], users: ['u'], ips: [], domains: ['d.example'] },
    });
    const { incident: source } = await s.incidents.update(src.id, { status: 'investigating', customStatus: 'x' }, { actor: 'x', at: iso(T0) });
    const at = iso(T0 + 2 * HOUR);
    const docs = [docOf(target), docOf(source)];
    const close = incidentCloseMergedWrite(source, target.id, at);
    assert.equal(matches(close.filter, docs[1]!), true);
    const res = await s.incidents.merge(source.id, target.id, { actor: 'x', at });
    updateOne(docs, close.filter, close.update as never);
    updateOne(docs, { _id: target.id }, incidentMergeUpdate(source, at) as never);
    assert.deepEqual(docToIncident(docs[0] as unknown as IncidentDoc), res.target);
    assert.deepEqual(docToIncident(docs[1] as unknown as IncidentDoc), res.source);
    assert.deepEqual(res.target, mergeIncidentInto(target, source, at));
    assert.deepEqual(res.source, closeMergedIncident(source, target.id, at));
    assert.equal(matches(close.filter, docs[1]!), false, 'a merged source cannot be closed (merged) again');
    const closedDoc = { ...docOf(target), status: 'closed' };
    assert.equal(matches(incidentCloseMergedWrite(target, 'y', at).filter, closedDoc), false);
  });

  it('links: one document per pair, found from either side', function () {
    const docs = [linkDoc('b', 'a', 'x', iso(T0)), linkDoc('a', 'c', 'x', iso(T0)), linkDoc('c', 'd', 'x', iso(T0))];
    assert.deepEqual(docs[0], { _id: 'a|b', a: 'a', b: 'b', createdBy: 'x', createdAt: iso(T0) });
    assert.equal(linkDoc('a', 'b', 'y', iso(T0))._id, docs[0]!._id);
    const others = (id: string) =>
      new Query(linksOfQuery(id)).find(docs).all().map((d) => ((d as { a: string }).a === id ? (d as { b: string }).b : (d as { a: string }).a)).sort();
    assert.deepEqual(others('a'), ['b', 'c']);
    assert.deepEqual(others('c'), ['a', 'd']);
    assert.deepEqual(others('z'), []);
  });

  it('lifecycles: incident and timeline queries select what SQLite returns', async function () {
    const other = (await s.agencies.create({ name: 'B', code: 'B' })).id;
    const made: Incident[] = [];
    for (let i = 0; i < 8; i++) {
      const inc = await open({ agencyId: i % 2 ? other : agencyId, now: iso(T0 + DAY + i * HOUR) });
      made.push(inc);
      if (i % 3 !== 2) await s.incidents.update(inc.id, { assignee: 'alice', status: 'triaged' }, { actor: 'a', at: iso(T0 + DAY + i * HOUR + MINUTE) });
      if (i % 3 === 0) await s.incidents.update(inc.id, { status: 'resolved' }, { actor: 'a', at: iso(T0 + DAY + i * HOUR + 2 * MINUTE) });
      await s.incidents.addTimeline({ incidentId: inc.id, at: iso(T0 + DAY + i * HOUR + 3 * MINUTE), actor: 'a', action: 'commented', details: {} });
    }
    const incidentDocs = (await s.incidents.list({}, { limit: 500 })).items.map(incidentToDoc);
    const timelineDocs: Record<string, unknown>[] = [];
    for (const inc of incidentDocs) {
      for (const e of await s.incidents.timeline(inc._id)) {
        const { id, ...rest } = e;
        timelineDocs.push({ _id: id, ...rest, seq: String(timelineDocs.length).padStart(8, '0') });
      }
    }
    const filters: LifecycleFilter[] = [
      { createdFrom: iso(T0 + DAY), createdTo: iso(T0 + DAY + 5 * HOUR) },
      { createdFrom: iso(T0 + DAY + 2 * HOUR), agencyIds: [other] },
      { agencyIds: [] },
      { createdTo: '2025-01-07T10:00:00+02:00' },
    ];
    for (const f of filters) {
      const incs = new Query(lifecycleIncidentQuery(f)).find(incidentDocs, lifecycleProjection).sort({ ...lifecycleSortSpec }).all() as IncidentDoc[];
      const ids = incs.map((d) => d._id);
      const entries = new Query(lifecycleTimelineQuery(ids)).find(timelineDocs).sort({ ...timelineSortSpec }).all() as { _id: string; incidentId: string }[];
      const fromMingo = incs.map((d) => ({
        incident: { id: d._id, agencyId: d.agencyId, severity: d.severity, status: d.status, createdAt: d.createdAt },
        entries: entries.filter((e) => e.incidentId === d._id).map((e) => docToTimelineEntry(e as never)),
      }));
      assert.deepEqual(fromMingo, await s.incidents.lifecycles(f), JSON.stringify(f));
    }
    assert.ok((await s.incidents.lifecycles(filters[0]!)).some((l) => l.entries.length === 3));
  });

  it('audit: filters, newest-first order and limit as SQLite', async function () {
    const docs: Record<string, unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      const e = await s.audit.record({
        at: iso(T0 + (i % 5) * MINUTE),
        actor: i % 3 ? 'alice' : 'bob',
        action: i % 2 ? 'incident.assigned' : 'incident.status_changed',
        targetType: i === 11 ? 'status_definition' : 'incident',
        target: `inc-${i % 4}`,
        details: { i },
      });
      const { id, ...rest } = e;
      docs.push({ _id: id, ...rest, seq: String(i).padStart(4, '0') });
    }
    const filters: AuditFilter[] = [
      {},
      { target: 'inc-1' },
      { actor: 'bob', action: 'incident.status_changed' },
      { targetType: 'status_definition' },
      { from: iso(T0 + MINUTE), to: '2025-01-06T10:03:00+02:00' },
    ];
    for (const f of filters) {
      for (const limit of [3, 100]) {
        const got = new Query(auditFilterToQuery(f)).find(docs).sort({ ...auditSortSpec }).limit(limit).all().map((d) => docToAuditEntry(d as never));
        assert.deepEqual(got, await s.audit.list(f, { limit }), JSON.stringify(f));
      }
    }
  });

  it('emits only standard operators', function () {
    const base: Incident = {
      id: 'i', title: 't', severity: 'low', category: 'other', agencyId: 'a', status: 'new', assignee: null, groupKey: 'g',
      ruleId: 'r', ruleIds: ['r'], host: null, techniques: ['T1'], entities: { hosts: [], users: ['u'], ips: [] }, alertCount: 1,
      eventCount: 1, firstSeen: iso(T0), lastSeen: iso(T0), createdAt: iso(T0), updatedAt: iso(T0),
    };
    const { next } = applyIncidentPatch(base, PATCHES.at(-1)![1], iso(T0 + 1));
    const ops = new Set<string>();
    for (const v of [
      incidentRevisionFilter('i', 0, iso(T0)),
      incidentPatchUpdate(base, next),
      incidentMergeUpdate(base, iso(T0)),
      incidentCloseMergedWrite(base, 'x', iso(T0)),
      lifecycleIncidentQuery({ createdFrom: iso(T0), createdTo: iso(T0), agencyIds: ['a'] }),
      lifecycleTimelineQuery(['i']),
      linksOfQuery('i'),
      auditFilterToQuery({ from: iso(T0), to: iso(T0), target: 'x' }),
    ]) {
      for (const op of operatorsIn(v)) ops.add(op);
    }
    assert.deepEqual([...ops].sort(), [
      '$add', '$and', '$arrayElemAt', '$concatArrays', '$filter', '$gte', '$ifNull', '$in', '$literal', '$lte', '$max',
      '$mergeObjects', '$min', '$ne', '$not', '$or', '$set', '$slice',
    ]);
  });
});

describe('mongo builders for the new list filters, rule counts and saved views, evaluated with mingo (not a real mongod)', function () {
  let dir: string;
  let s: Storage;
  let fx: SeededFixture;
  let docs: IncidentDoc[];

  before(async function () {
    this.timeout(60_000);
    dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-mingo-filters-'));
    s = createSqliteStorage({ file: path.join(dir, 'vigil.sqlite') });
    await s.connect();
    fx = await assignFixture(s, await seedIncidentFixture(s, setIncidentStatus));
    docs = fx.incidents.map(incidentToDoc);
  });
  after(async function () {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const mingoIds = (filter: IncidentFilter, cursor?: string | null, limit?: number) => {
    const cur = new Query(incidentFilterToQuery(filter, cursor)).find(docs).sort(SORT);
    return (limit === undefined ? cur : cur.limit(limit)).all().map((d) => (d as IncidentDoc)._id);
  };

  const FILTERS: [string, () => IncidentFilter, number][] = [
    ['one category', () => ({ categories: ['fraud'] }), 6],
    ['two categories', () => ({ categories: ['intrusions', 'information-gathering'] }), 13],
    ['empty category list', () => ({ categories: [] }), 0],
    ['one assignee', () => ({ assignees: ['ana'] }), 12],
    ['unassigned', () => ({ assignees: [null] }), 24],
    ['an assignee or unassigned', () => ({ assignees: ['ben', null] }), 36],
    ['assignee in another case', () => ({ assignees: ['ANA'] }), 0],
    ['empty assignee list', () => ({ assignees: [] }), 0],
    ['host, other case', () => ({ host: 'WS-alice' }), 7],
    ['host by the incident host only', () => ({ host: 'DC01' }), 8],
    ['host by an entity only', () => ({ host: 'moved-away' }), 1],
    ['host with _ (literal)', () => ({ host: 'web_01' }), 8],
    ['host with % (literal)', () => ({ host: 'db%02' }), 8],
    ['host that is a regex', () => ({ host: 'web.01' }), 0],
    ['host that looks like a field path', () => ({ host: '$host' }), 0],
    ['host prefix (no substring match)', () => ({ host: 'web' }), 0],
    ['user, other case', () => ({ user: 'Carol' }), 12],
    ['user with _', () => ({ user: 'svc_backup' }), 12],
    ['user added by a join', () => ({ user: 'ROOT' }), 15],
    ['ip', () => ({ ip: '192.168.7.7' }), 15],
    ['ip (no prefix match)', () => ({ ip: '10.1.1' }), 0],
    ['IPv6 in another case (exact)', () => ({ ip: '2001:DB8::9' }), 0],
    [
      'everything combined',
      () => ({
        status: ['new', 'triaged', 'investigating', 'contained', 'closed', 'resolved'],
        agencyIds: [fx.agencyIds[0]!, fx.agencyIds[1]!],
        categories: ['malicious-code', 'intrusion-attempts'],
        assignees: ['ana', 'ben', null],
        user: 'root',
        host: 'JUMP01',
        from: iso(T0),
        q: 'o',
      }),
      -1,
    ],
  ];

  for (const [name, make, expectedCount] of FILTERS) {
    it(`list and summary: ${name} — same ids, order, pages and counts as SQLite`, async function () {
      const filter = make();
      const expected = referenceFilter(fx.incidents, filter).map((i) => i.id);
      if (expectedCount >= 0) assert.equal(expected.length, expectedCount, 'the fixture exercises the filter');
      else assert.ok(expected.length > 0 && expected.length < 10, `combined filter kept ${expected.length}`);
      assert.deepEqual(mingoIds(filter), expected, 'mingo, whole result');
      const walked = await walkPages(s, filter, 5);
      assert.deepEqual(walked.pages.flat().map((i) => i.id), expected, 'SQLite, all pages');
      for (const [p, cursor] of walked.cursors.entries()) {
        assert.deepEqual(mingoIds(filter, cursor, 5), walked.pages[p]!.map((i) => i.id), `page ${p + 1}`);
      }
      const summary = summaryFromFacet(new Aggregator(incidentSummaryPipeline(filter)).run(docs));
      assert.deepEqual(summary, await s.incidents.summary(filter));
      assert.deepEqual(summary, referenceSummary(fx.incidents, filter));
    });
  }

  it('emits only standard operators for the new filters', function () {
    const allowed = new Set(['$in', '$gte', '$lte', '$lt', '$regex', '$options', '$or', '$and', '$expr', '$eq', '$toLower', '$ifNull', '$map', '$literal']);
    for (const [, make] of FILTERS) {
      for (const op of operatorsIn(incidentFilterToQuery(make()))) assert.ok(allowed.has(op), op);
    }
    // $literal keeps a pivot value from being read as a field path or an operator.
    assert.deepEqual(incidentFilterToQuery({ user: '$where' }), {
      $expr: { $in: [{ $toLower: { $literal: '$where' } }, { $map: { input: { $ifNull: ['$entities.users', []] }, as: 'v', in: { $toLower: '$$v' } } }] },
    });
    const ops = [...operatorsIn(alertCountsByRulePipeline({ since: iso(T0), agencyIds: ['a'], limit: 3 }))].sort();
    assert.deepEqual(ops, ['$group', '$gte', '$in', '$limit', '$match', '$ne', '$sort', '$sum']);
  });

  it('alert counts per rule: the pipeline over alert documents equals SQLite (pending alerts left out)', async function () {
    const alerts = await alertsOf(s, fx.incidents);
    const alertDocs: Record<string, unknown>[] = alerts.map((a, i) =>
      alertToDoc(a, { seq: String(i).padStart(6, '0'), incidentId: a.incidentId, claimedAt: null }) as unknown as Record<string, unknown>,
    );
    // An alert still being applied (incidentId null) is not counted yet.
    const pending = alertToDoc({ ...alerts[0]!, id: 'pending', ruleId: 'sigma-pending', createdAt: iso(T0 + 100 * DAY) }, { seq: 'zzz', incidentId: null, claimedAt: Date.now() });
    alertDocs.push(pending as unknown as Record<string, unknown>);
    const queries: RuleAlertCountQuery[] = [
      { since: iso(T0 - DAY) },
      { since: iso(T0 - DAY), limit: 3 },
      { since: iso(T0 + 40 * DAY) },
      { since: '2025-02-15T10:00:00+02:00', agencyIds: [fx.agencyIds[1]!] },
      { since: iso(T0), agencyIds: [fx.agencyIds[0]!, fx.agencyIds[2]!], limit: 4 },
      { since: iso(T0), agencyIds: [fx.agencyIds[3]!] },
      { since: iso(T0 + 400 * DAY) },
      { since: iso(T0), limit: 500 },
    ];
    for (const q of queries) {
      const fromMingo = ruleCountsFromGroups(new Aggregator(alertCountsByRulePipeline(q)).run(alertDocs));
      assert.deepEqual(fromMingo, await s.incidents.alertCountsByRule(q), JSON.stringify(q));
      assert.deepEqual(fromMingo, referenceRuleCounts(alerts, q));
    }
    assert.equal(ruleCountsFromGroups(new Aggregator(alertCountsByRulePipeline({ since: iso(T0) })).run(alertDocs)).length, 9);
  });

  it('saved views: the visibility query and sort select what SQLite lists', async function () {
    const at = iso(T0);
    const made = [];
    const owners: [string, string | null][] = [['u-ana', null], ['u-ben', null], ['u-aa', 'agency-a'], ['u-ab', 'agency-a'], ['u-ba', 'agency-b']];
    let n = 0;
    for (const [ownerId, scope] of owners) {
      for (const [name, shared] of [['Open criticals', true], ['mine', false], ['ALPHA', n % 2 === 0], ['beta', true]] as const) {
        made.push(await s.views.create({ ownerId, owner: ownerId.slice(2), scope, name, query: `q=${n++}`, shared, at }));
      }
    }
    const viewDocs = made.map(savedViewToDoc);
    for (const d of viewDocs) assert.deepEqual(docToSavedView(d), made.find((v) => v.id === d._id));
    const viewers = [
      { ownerId: 'u-ana', scope: null },
      { ownerId: 'u-lead', scope: null },
      { ownerId: 'u-aa', scope: 'agency-a' },
      { ownerId: 'u-new', scope: 'agency-b' },
      { ownerId: 'u-x', scope: 'agency-none' },
    ];
    for (const viewer of viewers) {
      const fromMingo = new Query(savedViewsVisibleQuery(viewer)).find(viewDocs).sort({ ...savedViewSortSpec }).all().map((d) => docToSavedView(d as never));
      assert.deepEqual(fromMingo, await s.views.listVisible(viewer), JSON.stringify(viewer));
    }
    assert.equal((await s.views.listVisible({ ownerId: 'u-x', scope: 'agency-none' })).length, 0);
    assert.ok((await s.views.listVisible({ ownerId: 'u-ana', scope: null })).length > 4);
  });
});
