/**
 * GET /api/v1/kpis over real HTTP against a real Vigil: incidents are opened by an agent's events, then given a
 * known timeline (status changes and assignments at chosen offsets from their creation, written through the
 * storage port as the service would), so medians and 90th percentiles are exact; then the same through PATCH.
 */
import assert from 'node:assert/strict';
import type { Incident } from '../../core/domain/types.js';
import type { IncidentPatch } from '../../core/storage/storage.port.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { makeIncident, patch, setUpWorld, type LifecycleWorld } from '../factories/lifecycle.js';
import { startTestRedis, startTestVigil } from '../support/harness.js';

type Vigil = Awaited<ReturnType<typeof startTestVigil>>;
const MIN = 60_000;

describe('KPIs from incident timelines (real Vigil)', function () {
  this.timeout(60_000);
  let redis: EmbeddedRedis;
  let vigil: Vigil;
  let w: LifecycleWorld;
  const known: Incident[] = [];

  /** Writes `steps` at createdAt + minutes, as the incident service would. */
  const play = async (inc: Incident, steps: [number, string, IncidentPatch][]) => {
    for (const [minutes, actor, change] of steps) {
      await vigil.storage.incidents.update(inc.id, change, { actor, at: new Date(Date.parse(inc.createdAt) + minutes * MIN).toISOString() });
    }
  };

  before(async function () {
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url });
    w = await setUpWorld(vigil.url);
    for (const agency of ['A', 'A', 'A', 'A', 'B'] as const) known.push(await makeIncident(w, agency));
    const [i1, i2, i3, , i5] = known;
    await play(i1!, [
      [1, 'ana', { assignee: 'ana' }],
      [10, 'ana', { status: 'triaged' }],
      [30, 'ana', { status: 'contained' }],
      [60, 'ana', { status: 'resolved' }],
      [70, 'ana', { status: 'investigating' }], // a reopen moves no milestone
      [80, 'ana', { status: 'resolved' }],
    ]);
    await play(i2!, [
      [5, 'ben', { assignee: 'ben' }],
      [20, 'ben', { status: 'investigating', customStatus: 'awaiting_vendor' }],
      [40, 'ben', { assignee: 'ana' }],
      [50, 'ana', { status: 'contained' }],
    ]);
    await play(i3!, [[40, 'ben', { status: 'false_positive' }]]);
    await play(i5!, [[5, 'ana', { status: 'triaged', assignee: 'ana' }], [15, 'ana', { status: 'resolved' }]]);
  });
  after(async function () {
    await vigil?.close();
    await redis?.stop();
  });

  const stats = (count: number, medianMin: number | null, p90Min: number | null) => ({
    count,
    medianMs: medianMin === null ? null : Math.round(medianMin * MIN),
    p90Ms: p90Min === null ? null : Math.round(p90Min * MIN),
  });

  it('computes time to triage, contain and resolve overall and per severity, agency and analyst', async function () {
    const r = await w.lead.get('/api/v1/kpis');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const k = r.body;
    assert.equal(k.incidents, 5);
    assert.deepEqual(k.window, { from: null, to: null, agencyIds: null });
    // triage: 10, 20, 40, 5 min; contain: 30, 50; resolve: 60, 40, 15 (incident 4 has no milestone).
    assert.deepEqual(k.overall, {
      triage: stats(4, 15, 34),
      contain: stats(2, 40, 48),
      resolve: stats(3, 40, 56),
    });
    assert.deepEqual(k.byAgency[w.agencyA], { triage: stats(3, 20, 36), contain: stats(2, 40, 48), resolve: stats(2, 50, 58) });
    assert.deepEqual(k.byAgency[w.agencyB], { triage: stats(1, 5, 5), contain: stats(0, null, null), resolve: stats(1, 15, 15) });
    // Every starter-rule incident here is critical.
    assert.deepEqual(Object.keys(k.bySeverity), [known[0]!.severity]);
    assert.deepEqual(k.bySeverity[known[0]!.severity], k.overall);
    // The analyst is the assignee when the milestone was reached: incident 2 was contained by ana after reassignment.
    assert.deepEqual(k.byAnalyst, {
      '(unassigned)': { triage: stats(1, 40, 40), contain: stats(0, null, null), resolve: stats(1, 40, 40) },
      ana: { triage: stats(2, 7.5, 9.5), contain: stats(2, 40, 48), resolve: stats(2, 37.5, 55.5) },
      ben: { triage: stats(1, 20, 20), contain: stats(0, null, null), resolve: stats(0, null, null) },
    });
  });

  it('filters by agency and by a from/to window on creation time', async function () {
    const b = (await w.ana.get(`/api/v1/kpis?agencyId=${w.agencyB}`)).body;
    assert.equal(b.incidents, 1);
    assert.deepEqual(b.window.agencyIds, [w.agencyB]);
    assert.deepEqual(b.overall.resolve, stats(1, 15, 15));
    const created = known.map((i) => i.createdAt).sort();
    const from = created[1]!;
    const to = created[3]!;
    const windowed = (await w.ana.get(`/api/v1/kpis?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`)).body;
    assert.equal(windowed.incidents, 3, 'inclusive bounds on createdAt');
    assert.deepEqual(windowed.window, { from, to, agencyIds: null });
    const later = new Date(Date.parse(created[4]!) + 1).toISOString();
    const none = (await w.admin.get(`/api/v1/kpis?from=${encodeURIComponent(later)}`)).body;
    assert.equal(none.incidents, 0);
    assert.deepEqual(none.overall, { triage: stats(0, null, null), contain: stats(0, null, null), resolve: stats(0, null, null) });
    assert.deepEqual(none.byAnalyst, {});
    assert.equal((await w.admin.get('/api/v1/kpis?agencyId=nope')).body.incidents, 0);
  });

  it('follows changes made through PATCH', async function () {
    const since = new Date().toISOString();
    const a = await makeIncident(w, 'A');
    const b = await makeIncident(w, 'A');
    await patch(w.ben, a.id, { assignee: 'ben', status: 'triaged' });
    await patch(w.ben, a.id, { status: 'contained' });
    await patch(w.ben, a.id, { status: 'resolved' });
    await patch(w.ana, b.id, { status: 'false_positive' });
    const k = (await w.ana.get(`/api/v1/kpis?from=${encodeURIComponent(since)}`)).body;
    assert.equal(k.incidents, 2);
    assert.deepEqual(
      [k.overall.triage.count, k.overall.contain.count, k.overall.resolve.count],
      [2, 1, 2],
    );
    assert.deepEqual([k.byAnalyst.ben.triage.count, k.byAnalyst.ben.contain.count, k.byAnalyst.ben.resolve.count], [1, 1, 1]);
    assert.equal(k.byAnalyst['(unassigned)'].resolve.count, 1);
    for (const m of ['triage', 'contain', 'resolve']) {
      assert.ok(k.overall[m].medianMs >= 0 && k.overall[m].medianMs < 60_000, `${m} took seconds, not minutes`);
    }
  });

  it('is for admins, analysts and leadership only, and validates its query', async function () {
    assert.equal((await w.admin.get('/api/v1/kpis')).status, 200);
    assert.equal((await w.aAdmin.get('/api/v1/kpis')).status, 403);
    assert.equal((await w.anonymous.get('/api/v1/kpis')).status, 401);
    assert.equal((await w.ana.get('/api/v1/kpis?from=yesterday')).status, 400);
    assert.equal((await w.ana.get('/api/v1/kpis?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z')).status, 400);
    assert.equal((await w.ana.get('/api/v1/kpis?groupBy=moon')).status, 400);
  });
});
