/**
 * Response-time KPIs computed from incident timelines:
 *   - time to triage:  createdAt → the first status change out of `new`;
 *   - time to contain: createdAt → the first change into stage `contained`;
 *   - time to resolve: createdAt → the first change into `resolved`, `false_positive` or `closed`.
 * A later reopen does not move a milestone. Admin-defined statuses count as their stage; a merge (which closes
 * the merged incident) is not a resolution. Each milestone is credited to the incident's assignee at that moment
 * (an assignment made in the same change comes first), "(unassigned)" when there was none. The window selects
 * incidents by createdAt (inclusive). Medians and 90th percentiles interpolate linearly between ranks, in whole
 * milliseconds; null when nothing reached the milestone.
 */
import type { IncidentStatus } from '../domain/types.js';
import type { IncidentLifecycle, LifecycleFilter, Storage } from '../storage/storage.port.js';

export const KPI_METRICS = ['triage', 'contain', 'resolve'] as const;
export type KpiMetric = (typeof KPI_METRICS)[number];

export const UNASSIGNED = '(unassigned)';

export interface DurationStats {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
}

export type KpiSet = Record<KpiMetric, DurationStats>;

export interface KpiReport {
  window: { from: string | null; to: string | null; agencyIds: string[] | null };
  /** Incidents created in the window. */
  incidents: number;
  overall: KpiSet;
  bySeverity: Record<string, KpiSet>;
  byAgency: Record<string, KpiSet>;
  /** By the assignee at the time each milestone was reached. */
  byAnalyst: Record<string, KpiSet>;
}

export interface Milestone {
  ms: number;
  analyst: string;
}

const RESOLVED_STAGES: readonly IncidentStatus[] = ['resolved', 'false_positive', 'closed'];

/** The p-th quantile (0..1) of ascending `sorted`, linear between closest ranks; null when empty. */
export function quantile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const idx = p * (sorted.length - 1);
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (idx - lo);
}

export function durationStats(values: readonly number[]): DurationStats {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (v: number | null) => (v === null ? null : Math.round(v));
  return { count: sorted.length, medianMs: round(quantile(sorted, 0.5)), p90Ms: round(quantile(sorted, 0.9)) };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** When one incident reached each milestone, and who had it then. */
export function milestonesOf(lc: IncidentLifecycle): Partial<Record<KpiMetric, Milestone>> {
  const created = Date.parse(lc.incident.createdAt);
  const out: Partial<Record<KpiMetric, Milestone>> = {};
  let assignee: string | null = null;
  const reach = (metric: KpiMetric, at: string) => {
    if (out[metric]) return;
    out[metric] = { ms: Math.max(0, Date.parse(at) - created), analyst: assignee ?? UNASSIGNED };
  };
  for (const e of lc.entries) {
    if (e.action === 'assigned') {
      assignee = str(e.details.to);
      continue;
    }
    if (e.action !== 'status_changed') continue;
    const from = str(e.details.fromStage) ?? str(e.details.from);
    const to = (str(e.details.toStage) ?? str(e.details.to)) as IncidentStatus | null;
    if (from === 'new' && to !== 'new') reach('triage', e.at);
    if (to === 'contained') reach('contain', e.at);
    if (to && RESOLVED_STAGES.includes(to)) reach('resolve', e.at);
  }
  return out;
}

type Samples = Record<KpiMetric, number[]>;
const emptySamples = (): Samples => ({ triage: [], contain: [], resolve: [] });
const toSet = (s: Samples): KpiSet => ({
  triage: durationStats(s.triage),
  contain: durationStats(s.contain),
  resolve: durationStats(s.resolve),
});

export function computeKpis(lifecycles: readonly IncidentLifecycle[], window: KpiReport['window']): KpiReport {
  const overall = emptySamples();
  const groups = { bySeverity: new Map<string, Samples>(), byAgency: new Map<string, Samples>(), byAnalyst: new Map<string, Samples>() };
  const add = (map: Map<string, Samples>, key: string, metric: KpiMetric, ms: number) => {
    let s = map.get(key);
    if (!s) map.set(key, (s = emptySamples()));
    s[metric].push(ms);
  };
  for (const lc of lifecycles) {
    const m = milestonesOf(lc);
    // Every incident appears in its severity and agency groups, even before any milestone.
    for (const [map, key] of [
      [groups.bySeverity, lc.incident.severity],
      [groups.byAgency, lc.incident.agencyId],
    ] as const) {
      if (!map.has(key)) map.set(key, emptySamples());
    }
    for (const metric of KPI_METRICS) {
      const hit = m[metric];
      if (!hit) continue;
      overall[metric].push(hit.ms);
      add(groups.bySeverity, lc.incident.severity, metric, hit.ms);
      add(groups.byAgency, lc.incident.agencyId, metric, hit.ms);
      add(groups.byAnalyst, hit.analyst, metric, hit.ms);
    }
  }
  const fold = (map: Map<string, Samples>) =>
    Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, s]) => [k, toSet(s)]));
  return {
    window,
    incidents: lifecycles.length,
    overall: toSet(overall),
    bySeverity: fold(groups.bySeverity),
    byAgency: fold(groups.byAgency),
    byAnalyst: fold(groups.byAnalyst),
  };
}

export interface KpiQuery {
  from?: string;
  to?: string;
  agencyIds?: string[];
}

export function createKpiService(deps: { storage: Pick<Storage, 'incidents'> }) {
  return {
    async compute(q: KpiQuery): Promise<KpiReport> {
      const filter: LifecycleFilter = {};
      if (q.from !== undefined) filter.createdFrom = q.from;
      if (q.to !== undefined) filter.createdTo = q.to;
      if (q.agencyIds !== undefined) filter.agencyIds = q.agencyIds;
      const lifecycles = await deps.storage.incidents.lifecycles(filter);
      return computeKpis(lifecycles, { from: q.from ?? null, to: q.to ?? null, agencyIds: q.agencyIds ?? null });
    },
  };
}

export type KpiService = ReturnType<typeof createKpiService>;
