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
  incidentFilterToQuery,
  incidentJoinFilter,
  incidentJoinUpdate,
  incidentSortSpec,
  incidentSummaryPipeline,
  summaryFromFacet,
} from '../../core/storage/mongo/incident-queries.js';
import { docToIncident, incidentToDoc } from '../../core/storage/mongo/mappers.js';
import type { IncidentDoc } from '../../core/storage/mongo/models.js';
import { createSqliteStorage } from '../../core/storage/sqlite/index.js';
import { setIncidentStatus } from '../../core/storage/sqlite/test-support.js';
import type { IncidentFilter, RecordAlertInput, Storage } from '../../core/storage/storage.port.js';
import {
  DAY,
  MINUTE,
  T0,
  alertInput,
  iso,
  referenceFilter,
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
