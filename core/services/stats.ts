/**
 * Leadership statistics: year-over-year figures read from the roll-ups (StatsStore), never from raw incidents.
 * What counts (not a false positive, not merged; on the UTC day of firstSeen) is shared/stats-rules.ts.
 */
import type { AgencyDeadlineStats, DeadlineCounts } from '../domain/report.js';
import { ENISA_CLASSES } from '../detection/taxonomy.js';
import { SEVERITIES, type Agency, type Severity } from '../domain/types.js';
import { ValidationError } from '../errors/app-error.js';
import type { StatsBreakdown, StatsRollupResult, StatsState, Storage } from '../storage/storage.port.js';
import { attackTechniqueName } from './stats-attack.js';
import { changePct, medianMinutes, monthlySeries, monthsOf, round1, sharePct } from './stats-math.js';

/** Every ENISA RSIT class, plus `test` (the taxonomy's class for test incidents). */
export const STATS_CATEGORIES: readonly string[] = [...ENISA_CLASSES, 'test'];
/** Most severe first, as tables and charts show them. */
export const STATS_SEVERITIES: readonly Severity[] = [...SEVERITIES].reverse();

export const MIN_YEAR = 1970;
export const MAX_YEAR = 2999;
export const MAX_YEAR_SPAN = 50;
const TOP_AGENCIES = 10;
const TOP_CATEGORIES = 5;
const TOP_TECHNIQUES = 10;

export interface StatsFilter {
  /** Restricts to these agencies (an agency admin's scope or an explicit filter); [] matches nothing. */
  agencyIds?: string[];
  categories?: string[];
  severities?: Severity[];
}

export interface YearStats {
  year: number;
  incidents: number;
  /** Against the previous year, percent with one decimal; null when the previous year has no incidents. */
  changePct: number | null;
  /** Every severity, most severe first (0 when none). */
  bySeverity: Record<string, number>;
  /** Every known category (0 when none), then any other category met. */
  byCategory: Record<string, number>;
  /** Agencies with incidents, most first. */
  byAgency: Record<string, number>;
  /** Twelve counts, January first. */
  byMonth: number[];
}

export interface YearlyStats {
  years: YearStats[];
}

/** A line of a comparison table: this year, the previous year, the change and the share of this year's total. */
export interface StatsRow {
  incidents: number;
  previousYear: number;
  changePct: number | null;
  sharePct: number | null;
}

export interface StatsSummary {
  year: number;
  previousYear: number;
  /** The one agency the figures are restricted to, or null for all agencies. */
  agencyId: string | null;
  /** Years with incidents in this scope, ascending (for year pickers). */
  years: number[];
  generatedAt: string;
  /** How current the roll-ups are. */
  rollup: StatsState;
  totals: { incidents: number; previousYear: number; changePct: number | null };
  /** This year against the previous one, month by month (January first), for trend charts. */
  monthly: { months: string[]; thisYear: number[]; lastYear: number[] };
  bySeverity: (StatsRow & { severity: Severity })[];
  byCategory: (StatsRow & { category: string })[];
  byAgency: (StatsRow & { agencyId: string; name: string; code: string | null })[];
  topAgencies: (StatsRow & { agencyId: string; name: string; code: string | null })[];
  topCategories: (StatsRow & { category: string })[];
  /** `name` is the ATT&CK name when known. */
  topTechniques: { technique: string; name: string | null; incidents: number; sharePct: number | null }[];
  /** Median time from an incident being raised to its resolution; null when no incident of the year has one. */
  medianTimeToResolveHours: number | null;
  /** How many incidents the median is taken over. */
  resolvedIncidents: number;
  /**
   * Agency reports whose awareness falls in the year: how many were filed and how many deadlines were met on time
   * (on time / all that are decided: on time + late + missed). Null when the storage has no reports.
   */
  reports: StatsReports | null;
}

export interface StatsReports {
  filed: number;
  onTimeRatePct: number | null;
  byStage: { earlyWarning: DeadlineCounts; notification: DeadlineCounts; final: DeadlineCounts };
}

export interface StatsServiceDeps {
  storage: Pick<Storage, 'stats' | 'agencies'> & Partial<Pick<Storage, 'reports'>>;
  now?: () => Date;
}

export type StatsService = ReturnType<typeof createStatsService>;

const yearRange = (year: number) => {
  const y = String(year).padStart(4, '0');
  return { fromMonth: `${y}-01`, toMonth: `${y}-12` };
};

function checkYear(year: number, what: string): void {
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) {
    throw new ValidationError(`${what} must be a year between ${MIN_YEAR} and ${MAX_YEAR}`);
  }
}

/** Most first, ties by key, as a fresh object. */
function sortedDesc(counts: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) out[k] = v;
  return out;
}

function withAll(keys: readonly string[], counts: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = counts[k] ?? 0;
  for (const [k, v] of Object.entries(counts)) if (!(k in out)) out[k] = v;
  return out;
}

function row(incidents: number, previousYear: number, total: number): StatsRow {
  return { incidents, previousYear, changePct: changePct(previousYear, incidents), sharePct: sharePct(incidents, total) };
}

const zeroCounts = (): DeadlineCounts => ({ onTime: 0, late: 0, missed: 0, pending: 0 });

function summariseReports(perAgency: readonly AgencyDeadlineStats[]): StatsReports {
  const byStage = { earlyWarning: zeroCounts(), notification: zeroCounts(), final: zeroCounts() };
  let filed = 0;
  for (const a of perAgency) {
    filed += a.reports;
    for (const stage of ['earlyWarning', 'notification', 'final'] as const) {
      for (const k of ['onTime', 'late', 'missed', 'pending'] as const) byStage[stage][k] += a[stage][k];
    }
  }
  const stages = Object.values(byStage);
  const onTime = stages.reduce((n, c) => n + c.onTime, 0);
  const decided = stages.reduce((n, c) => n + c.onTime + c.late + c.missed, 0);
  return { filed, onTimeRatePct: decided ? round1((onTime / decided) * 100) : null, byStage };
}

export function createStatsService(deps: StatsServiceDeps) {
  const { stats, agencies } = deps.storage;
  const now = deps.now ?? (() => new Date());

  const yearBreakdown = (year: number, filter: StatsFilter): Promise<StatsBreakdown> =>
    stats.breakdown({ ...yearRange(year), ...filter });

  return {
    /** Per year from `from` to `to` (inclusive), each compared with the year before it (read even when < from). */
    async yearly(q: { from: number; to: number } & StatsFilter): Promise<YearlyStats> {
      checkYear(q.from, 'from');
      checkYear(q.to, 'to');
      if (q.from > q.to) throw new ValidationError('from must not be after to');
      if (q.to - q.from + 1 > MAX_YEAR_SPAN) throw new ValidationError(`at most ${MAX_YEAR_SPAN} years at a time`);
      const filter: StatsFilter = {
        ...(q.agencyIds ? { agencyIds: q.agencyIds } : {}),
        ...(q.categories ? { categories: q.categories } : {}),
        ...(q.severities ? { severities: q.severities } : {}),
      };
      const breakdowns = await Promise.all(
        Array.from({ length: q.to - q.from + 2 }, (_, i) => yearBreakdown(q.from - 1 + i, filter)),
      );
      const years: YearStats[] = [];
      for (let i = 1; i < breakdowns.length; i++) {
        const b = breakdowns[i]!;
        const year = q.from - 1 + i;
        years.push({
          year,
          incidents: b.total,
          changePct: changePct(breakdowns[i - 1]!.total, b.total),
          bySeverity: withAll(STATS_SEVERITIES, b.bySeverity),
          byCategory: withAll(STATS_CATEGORIES, b.byCategory),
          byAgency: sortedDesc(b.byAgency),
          byMonth: monthlySeries(b.byMonth, year),
        });
      }
      return { years };
    },

    /**
     * One year at a glance, for the leadership page and its PDF/CSV. `year` defaults to the latest year with
     * incidents in scope (the current year when there are none). `agencyIds` of one agency restricts everything
     * to it (agencyId in the answer).
     */
    async summary(q: { year?: number; agencyIds?: string[] } = {}): Promise<StatsSummary> {
      if (q.year !== undefined) checkYear(q.year, 'year');
      const scope = q.agencyIds ? { agencyIds: q.agencyIds } : {};
      const years = await stats.years(scope);
      const year = q.year ?? years[years.length - 1] ?? now().getUTCFullYear();
      const range = { ...yearRange(year), ...scope };
      const [cur, prev, techniques, resolve, rollup, agencyList, reportStats] = await Promise.all([
        yearBreakdown(year, scope),
        yearBreakdown(year - 1, scope),
        stats.techniques({ ...range, limit: TOP_TECHNIQUES }),
        stats.resolveTimes(range),
        stats.state(),
        agencies.list(),
        deps.storage.reports
          ? deps.storage.reports.deadlineStats({
              ...scope,
              from: `${year}-01-01T00:00:00.000Z`,
              to: `${year}-12-31T23:59:59.999Z`,
              now: now().toISOString(),
            })
          : Promise.resolve(null),
      ]);
      const byId = new Map<string, Agency>(agencyList.map((a) => [a.id, a]));
      const total = cur.total;

      const byCategory = [...new Set([...STATS_CATEGORIES, ...Object.keys(cur.byCategory), ...Object.keys(prev.byCategory)])]
        .map((category) => ({ category, ...row(cur.byCategory[category] ?? 0, prev.byCategory[category] ?? 0, total) }))
        .sort((a, b) => b.incidents - a.incidents || b.previousYear - a.previousYear || a.category.localeCompare(b.category));
      const agencyIds = [...new Set([...Object.keys(cur.byAgency), ...Object.keys(prev.byAgency)])];
      const byAgency = agencyIds
        .map((agencyId) => {
          const a = byId.get(agencyId);
          return {
            agencyId,
            name: a?.name ?? agencyId,
            code: a?.code ?? null,
            ...row(cur.byAgency[agencyId] ?? 0, prev.byAgency[agencyId] ?? 0, total),
          };
        })
        .sort((a, b) => b.incidents - a.incidents || b.previousYear - a.previousYear || a.name.localeCompare(b.name));
      const resolvedIncidents = resolve.reduce((n, b) => n + b.incidents, 0);
      const median = medianMinutes(resolve);

      return {
        year,
        previousYear: year - 1,
        agencyId: q.agencyIds?.length === 1 ? q.agencyIds[0]! : null,
        years,
        generatedAt: now().toISOString(),
        rollup,
        totals: { incidents: total, previousYear: prev.total, changePct: changePct(prev.total, total) },
        monthly: {
          months: monthsOf(year),
          thisYear: monthlySeries(cur.byMonth, year),
          lastYear: monthlySeries(prev.byMonth, year - 1),
        },
        bySeverity: STATS_SEVERITIES.map((severity) => ({
          severity,
          ...row(cur.bySeverity[severity] ?? 0, prev.bySeverity[severity] ?? 0, total),
        })),
        byCategory,
        byAgency,
        topAgencies: byAgency.filter((a) => a.incidents > 0).slice(0, TOP_AGENCIES),
        topCategories: byCategory.filter((c) => c.incidents > 0).slice(0, TOP_CATEGORIES),
        topTechniques: techniques.map((t) => ({ ...t, name: attackTechniqueName(t.technique), sharePct: sharePct(t.incidents, total) })),
        medianTimeToResolveHours: median === null ? null : round1(median / 60),
        resolvedIncidents,
        reports: reportStats ? summariseReports(reportStats) : null,
      };
    },

    refresh(opts?: { now?: string }): Promise<StatsRollupResult> {
      return stats.refresh(opts);
    },

    rebuild(opts?: { now?: string }): Promise<StatsRollupResult> {
      return stats.rebuild(opts);
    },
  };
}
