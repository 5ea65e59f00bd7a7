import assert from 'node:assert/strict';
import type { Severity, TimelineEntry } from '../../core/domain/types.js';
import { computeKpis, durationStats, milestonesOf, quantile, UNASSIGNED } from '../../core/services/kpi.js';
import type { IncidentLifecycle } from '../../core/storage/storage.port.js';

const T0 = Date.parse('2025-03-01T00:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

let seq = 0;
const status = (min: number, from: string, to: string, stages?: [string, string]): TimelineEntry => ({
  id: `e${++seq}`,
  incidentId: 'x',
  at: iso(T0 + min * MIN),
  actor: 'a',
  action: 'status_changed',
  details: { from, to, fromStage: stages?.[0] ?? from, toStage: stages?.[1] ?? to },
});
const assign = (min: number, to: string | null): TimelineEntry => ({
  id: `e${++seq}`,
  incidentId: 'x',
  at: iso(T0 + min * MIN),
  actor: 'a',
  action: 'assigned',
  details: { from: null, to },
});
const lc = (id: string, entries: TimelineEntry[], over: { severity?: Severity; agencyId?: string } = {}): IncidentLifecycle => ({
  incident: { id, agencyId: over.agencyId ?? 'ag-1', severity: over.severity ?? 'high', status: 'new', createdAt: iso(T0) },
  entries,
});

describe('incident KPIs', function () {
  it('interpolates quantiles linearly between ranks', function () {
    assert.equal(quantile([], 0.5), null);
    assert.equal(quantile([7], 0.9), 7);
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    assert.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), 9.1);
    assert.deepEqual(durationStats([40, 10, 30, 20]), { count: 4, medianMs: 25, p90Ms: 37 });
    assert.deepEqual(durationStats([]), { count: 0, medianMs: null, p90Ms: null });
  });

  it('takes the first move out of new, the first containment and the first resolution; reopening moves nothing', function () {
    const m = milestonesOf(
      lc('a', [
        assign(1, 'alice'),
        status(5, 'new', 'triaged'),
        status(9, 'triaged', 'awaiting_vendor', ['triaged', 'investigating']),
        status(20, 'awaiting_vendor', 'isolated', ['investigating', 'contained']),
        assign(25, 'bob'),
        status(30, 'isolated', 'resolved', ['contained', 'resolved']),
        status(40, 'resolved', 'investigating'),
        status(50, 'investigating', 'contained'),
        status(60, 'contained', 'resolved'),
      ]),
    );
    assert.deepEqual(m, {
      triage: { ms: 5 * MIN, analyst: 'alice' },
      contain: { ms: 20 * MIN, analyst: 'alice' },
      resolve: { ms: 30 * MIN, analyst: 'bob' },
    });
  });

  it('counts false_positive and closed as resolved, skips containment when never contained, and credits unassigned', function () {
    assert.deepEqual(milestonesOf(lc('b', [status(3, 'new', 'false_positive')])), {
      triage: { ms: 3 * MIN, analyst: UNASSIGNED },
      resolve: { ms: 3 * MIN, analyst: UNASSIGNED },
    });
    assert.deepEqual(milestonesOf(lc('c', [assign(1, 'alice'), assign(2, null), status(4, 'new', 'resolved'), status(6, 'resolved', 'closed')])), {
      triage: { ms: 4 * MIN, analyst: UNASSIGNED },
      resolve: { ms: 4 * MIN, analyst: UNASSIGNED },
    });
    assert.deepEqual(milestonesOf(lc('d', [])), {});
  });

  it('groups by severity, agency and the analyst at each milestone', function () {
    const report = computeKpis(
      [
        lc('1', [assign(0, 'alice'), status(10, 'new', 'triaged'), status(30, 'triaged', 'contained'), status(60, 'contained', 'resolved')]),
        lc('2', [assign(0, 'bob'), status(20, 'new', 'investigating'), assign(25, 'alice'), status(50, 'investigating', 'contained')], {
          severity: 'low',
        }),
        lc('3', [status(40, 'new', 'false_positive')], { agencyId: 'ag-2' }),
        lc('4', [], { severity: 'critical', agencyId: 'ag-2' }),
      ],
      { from: null, to: null, agencyIds: null },
    );
    assert.equal(report.incidents, 4);
    assert.deepEqual(report.overall, {
      triage: { count: 3, medianMs: 20 * MIN, p90Ms: 36 * MIN },
      contain: { count: 2, medianMs: 40 * MIN, p90Ms: 48 * MIN },
      resolve: { count: 2, medianMs: 50 * MIN, p90Ms: 58 * MIN },
    });
    assert.deepEqual(Object.keys(report.bySeverity), ['critical', 'high', 'low']);
    assert.deepEqual(report.bySeverity.critical!.triage, { count: 0, medianMs: null, p90Ms: null });
    assert.deepEqual(report.bySeverity.low!.contain, { count: 1, medianMs: 50 * MIN, p90Ms: 50 * MIN });
    assert.deepEqual(report.byAgency['ag-2']!.resolve, { count: 1, medianMs: 40 * MIN, p90Ms: 40 * MIN });
    assert.deepEqual(Object.keys(report.byAnalyst), [UNASSIGNED, 'alice', 'bob']);
    assert.deepEqual(report.byAnalyst.alice, {
      triage: { count: 1, medianMs: 10 * MIN, p90Ms: 10 * MIN },
      contain: { count: 2, medianMs: 40 * MIN, p90Ms: 48 * MIN },
      resolve: { count: 1, medianMs: 60 * MIN, p90Ms: 60 * MIN },
    });
    assert.deepEqual(report.byAnalyst.bob!.triage, { count: 1, medianMs: 20 * MIN, p90Ms: 20 * MIN });
    assert.equal(report.byAnalyst.bob!.contain.count, 0);
  });
});
