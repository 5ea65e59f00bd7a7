/**
 * The overview dashboard over real HTTP against a real Vigil: event and alert rates counted in Redis by ingest and
 * the workers, open incidents, silent agents and top rules, national and per agency.
 */
import assert from 'node:assert/strict';
import { SEVERITIES, type Incident } from '../../core/domain/types.js';
import { AGENT_SILENT_RULE_ID } from '../../core/services/agent-health.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { setUpWorld, type LifecycleWorld } from '../factories/lifecycle.js';
import { ApiClient, benignProcess, postEvents, shadowCopyDeletion, startTestRedis, startTestVigil, waitFor } from '../support/harness.js';

type Vigil = Awaited<ReturnType<typeof startTestVigil>>;

const SHADOW_COPY_RULE = '457d4a82-e902-4ed7-8378-b8f4ecd075b5';
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Point {
  t: string;
  count: number;
}

const sum = (points: Point[]) => points.reduce((n, p) => n + p.count, 0);

describe('overview dashboard over HTTP (real Vigil)', function () {
  this.timeout(60_000);
  let redis: EmbeddedRedis;
  let vigil: Vigil;
  let w: LifecycleWorld;

  before(async function () {
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url });
    w = await setUpWorld(vigil.url);
  });
  after(async function () {
    await vigil?.close();
    await redis?.stop();
  });

  const overview = async (c: ApiClient) => {
    const r = await c.get('/api/v1/overview');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  it('answers an empty picture with full, zero-filled series before anything happened', async function () {
    const o = await overview(w.admin);
    assert.deepEqual(Object.keys(o), ['at', 'eventsPerSecond', 'alertsPerMinute', 'series', 'open', 'silentAgents', 'topRules']);
    assert.match(o.at, ISO_RE);
    assert.ok(Math.abs(Date.parse(o.at) - Date.now()) < 10_000);
    assert.equal(o.eventsPerSecond, 0);
    assert.equal(o.alertsPerMinute, 0);
    assert.equal(o.series.events.length, 60);
    assert.equal(o.series.alerts.length, 60);
    for (const [points, step] of [[o.series.events, 10_000], [o.series.alerts, 60_000]] as [Point[], number][]) {
      for (const [i, p] of points.entries()) {
        assert.match(p.t, ISO_RE);
        assert.equal(p.count, 0);
        if (i > 0) assert.equal(Date.parse(p.t) - Date.parse(points[i - 1]!.t), step, 'oldest first, one bucket apart');
      }
      assert.ok(Date.parse(points.at(-1)!.t) <= Date.parse(o.at), 'the last point is the current bucket');
      assert.ok(Date.parse(o.at) - Date.parse(points.at(-1)!.t) < step);
    }
    assert.deepEqual(o.open, { total: 0, bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])), byAgency: {} });
    assert.deepEqual(o.silentAgents, []);
    assert.deepEqual(o.topRules, []);
    assert.equal(o.open.bySeverity.critical, 0);
  });

  it('counts accepted events and recorded alerts, open incidents and top rules, national and per agency', async function () {
    const host = `OV-${process.pid}`;
    const r = await postEvents(w.url, w.keyA, { events: [shadowCopyDeletion(host), benignProcess(host), benignProcess(host)] });
    assert.equal(r.status, 202);
    assert.equal(r.body.accepted, 3);
    // Ingest counts without waiting for Redis: the count lands a moment after the 202.
    const early = await waitFor(async () => {
      const got = await overview(w.admin);
      return sum(got.series.events) === 3 ? got : null;
    }, 10_000, 'event counter');
    assert.ok(early.eventsPerSecond > 0, `eventsPerSecond ${early.eventsPerSecond}`);
    assert.ok(early.eventsPerSecond <= 0.3, 'at most 3 events over 10 s');
    const incident = await waitFor(
      async () => ((await w.admin.get(`/api/v1/incidents?host=${host}`)).body.items as Incident[])[0] ?? null,
      15_000,
      'the incident',
    );
    assert.equal(incident.severity, 'critical');

    // The alert counter is written right after the batch is stored: poll for it.
    const o = await waitFor(
      async () => {
        const got = await overview(w.admin);
        return sum(got.series.events) === 3 && sum(got.series.alerts) >= 1 ? got : null;
      },
      10_000,
      'overview counters',
    );
    assert.ok(o.alertsPerMinute > 0 && o.alertsPerMinute <= 1, `alertsPerMinute ${o.alertsPerMinute}`);
    assert.equal(sum(o.series.alerts), 1);
    assert.equal(o.open.total, 1);
    assert.equal(o.open.bySeverity.critical, 1);
    assert.deepEqual(o.open.byAgency, { [w.agencyA]: 1 });
    assert.deepEqual(o.topRules, [
      { ruleId: SHADOW_COPY_RULE, title: 'Shadow Copy Or Backup Catalog Deletion (Ransomware Preparation)', level: 'critical', count: 1 },
    ]);

    // Agency A's admin sees the same numbers (they are all A's); leadership and analysts the national ones.
    const a = await overview(w.aAdmin);
    assert.equal(sum(a.series.events), 3);
    assert.equal(sum(a.series.alerts), 1);
    assert.deepEqual(a.open.byAgency, { [w.agencyA]: 1 });
    assert.deepEqual(a.topRules, o.topRules);
    for (const c of [w.lead, w.ana]) {
      const n = await overview(c);
      assert.equal(sum(n.series.events), 3);
      assert.deepEqual(n.topRules, o.topRules);
    }

    // Agency B's admin sees nothing of A: zero rates, no open incident, no rule.
    const b = await overview(w.bAdmin);
    assert.equal(sum(b.series.events), 0);
    assert.equal(sum(b.series.alerts), 0);
    assert.equal(b.eventsPerSecond, 0);
    assert.equal(b.alertsPerMinute, 0);
    assert.deepEqual(b.open, { total: 0, bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])), byAgency: {} });
    assert.deepEqual(b.topRules, []);

    // Events of B add to the national total and to B's, not to A's.
    assert.equal((await postEvents(w.url, w.keyB, { events: [benignProcess('b-host'), benignProcess('b-host')] })).body.accepted, 2);
    const b2 = await waitFor(async () => {
      const got = await overview(w.bAdmin);
      return sum(got.series.events) === 2 ? got : null;
    }, 10_000, 'B events');
    assert.equal(sum(b2.series.alerts), 0);
    assert.equal(sum((await overview(w.admin)).series.events), 5);
    assert.equal(sum((await overview(w.aAdmin)).series.events), 3);
  });

  it('lists silent agents (and the silence alert\'s rule), each agency admin seeing only its own', async function () {
    const listAgents = async (agencyId: string) =>
      (await w.admin.get(`/api/v1/agents?agencyId=${agencyId}`)).body.items as { id: string; name: string; lastSeenAt: string }[];
    const [agentA] = await listAgents(w.agencyA);
    const [agentB] = await listAgents(w.agencyB);
    assert.ok(agentA?.lastSeenAt && agentB?.lastSeenAt, 'both agents reported in the previous test');
    assert.deepEqual((await overview(w.admin)).silentAgents, [], 'nobody is silent yet');
    // An hour from now both are past the default threshold: the check raises one silence incident each.
    const checked = await vigil.agentHealth!.check(Date.now() + 60 * 60_000);
    assert.deepEqual(checked.silent.sort(), [agentA.id, agentB.id].sort());

    const silentEntry = (agent: { id: string; name: string; lastSeenAt: string }, agencyId: string) => ({
      id: agent.id,
      name: agent.name,
      agencyId,
      lastSeenAt: agent.lastSeenAt,
      silentSince: agent.lastSeenAt,
    });
    const silenceRule = (count: number) => ({ ruleId: AGENT_SILENT_RULE_ID, title: 'Agent stopped reporting', level: 'medium', count });
    const o = await overview(w.admin);
    assert.deepEqual(
      [...o.silentAgents].sort((x: { id: string }, y: { id: string }) => (x.id < y.id ? -1 : 1)),
      [silentEntry(agentA, w.agencyA), silentEntry(agentB, w.agencyB)].sort((x, y) => (x.id < y.id ? -1 : 1)),
    );
    assert.deepEqual(o.topRules.find((r: { ruleId: string }) => r.ruleId === AGENT_SILENT_RULE_ID), silenceRule(2));
    assert.equal(o.open.bySeverity.medium, 2, 'the silence incidents are open');
    assert.deepEqual(o.open.byAgency, { [w.agencyA]: 2, [w.agencyB]: 1 });

    const a = await overview(w.aAdmin);
    assert.deepEqual(a.silentAgents, [silentEntry(agentA, w.agencyA)]);
    assert.deepEqual(a.open.byAgency, { [w.agencyA]: 2 });
    const b = await overview(w.bAdmin);
    assert.deepEqual(b.silentAgents, [silentEntry(agentB, w.agencyB)]);
    assert.deepEqual(b.topRules, [silenceRule(1)], 'no rule of agency A');
    assert.deepEqual(b.open.byAgency, { [w.agencyB]: 1 });
    assert.equal(b.open.total, 1);
  });

  it('is for signed-in people of every role', async function () {
    assert.equal((await w.anonymous.get('/api/v1/overview')).status, 401);
    for (const c of [w.admin, w.ana, w.lead, w.aAdmin]) assert.equal((await c.get('/api/v1/overview')).status, 200);
  });
});
