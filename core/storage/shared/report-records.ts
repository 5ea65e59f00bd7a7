/**
 * Report rules every adapter applies the same way: time normalisation on the way in, applying a patch, the filter
 * as adapters see it, page limits and the on-time counting. Adapters differ only in how they store and query.
 */
import { ValidationError } from '../../errors/app-error.js';
import {
  contentOf,
  DEADLINE_KINDS,
  type AgencyDeadlineStats,
  type DeadlineCounts,
  type Report,
  type ReportDeadlines,
  type ReportVersion,
} from '../../domain/report.js';
import type { NewReport, ReportFilter, ReportPatch, ReportSort, ReportStatsFilter } from '../reports.port.js';
import { toIso } from './time.js';

export const DEFAULT_REPORT_LIMIT = 50;
export const MAX_REPORT_LIMIT = 500;
export const DEFAULT_NOTIFICATION_LIMIT = 100;
export const MAX_NOTIFICATION_LIMIT = 1000;

export function clampReportLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_REPORT_LIMIT;
  return Math.min(MAX_REPORT_LIMIT, Math.max(1, Math.floor(limit)));
}

export function clampNotificationLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_NOTIFICATION_LIMIT;
  return Math.min(MAX_NOTIFICATION_LIMIT, Math.max(1, Math.floor(limit)));
}

export function clampOffset(offset: number | undefined): number {
  if (offset === undefined || !Number.isFinite(offset)) return 0;
  return Math.max(0, Math.floor(offset));
}

export const sortOrDefault = (sort: ReportSort | undefined): ReportSort => sort ?? 'updated';

const isoOrNull = (v: string | null, field: string) => (v === null ? null : toIso(v, field));

function normalizeDeadlines(d: ReportDeadlines): ReportDeadlines {
  const out = {} as ReportDeadlines;
  for (const k of DEADLINE_KINDS) {
    out[k] = { dueAt: toIso(d[k].dueAt, `deadlines.${k}.dueAt`), submittedAt: isoOrNull(d[k].submittedAt, `deadlines.${k}.submittedAt`) };
  }
  return out;
}

/** Every time field of a patch in toISOString form; a bad one is a ValidationError. */
export function normalizeReportPatch(patch: ReportPatch): ReportPatch {
  const out: ReportPatch = { ...patch };
  if (out.awarenessAt !== undefined) out.awarenessAt = toIso(out.awarenessAt, 'awarenessAt');
  for (const k of ['occurredAt', 'nextDueAt', 'submittedAt', 'acknowledgedAt', 'closedAt'] as const) {
    const v = out[k];
    if (v !== undefined) out[k] = isoOrNull(v, k);
  }
  if (out.deadlines !== undefined) out.deadlines = normalizeDeadlines(out.deadlines);
  if (out.incidentIds !== undefined) out.incidentIds = [...new Set(out.incidentIds)].sort();
  return out;
}

/** The new report as stored: times normalised, content copied (no shared references with the caller). */
export function newReportRecord(id: string, input: NewReport): Report {
  const base = normalizeReportPatch(input) as NewReport;
  return {
    id,
    agencyId: input.agencyId,
    reporter: input.reporter,
    reporterId: input.reporterId,
    ...contentOf(base),
    status: input.status,
    lastStage: input.lastStage,
    version: 0,
    revision: 0,
    deadlines: base.deadlines,
    nextDueAt: base.nextDueAt,
    submittedAt: base.submittedAt,
    acknowledgedAt: base.acknowledgedAt,
    acknowledgedBy: input.acknowledgedBy,
    closedAt: base.closedAt,
    closedBy: input.closedBy,
    createdAt: toIso(input.createdAt, 'createdAt'),
    updatedAt: toIso(input.updatedAt, 'updatedAt'),
  };
}

/** `report` with a (normalised) patch applied, one revision later, updated at `at` (never moving backwards). */
export function applyReportPatch(report: Report, patch: ReportPatch, at: string, withVersion: boolean): Report {
  const next: Report = { ...report, ...patch };
  next.revision = report.revision + 1;
  if (withVersion) next.version = report.version + 1;
  next.updatedAt = at > report.updatedAt ? at : report.updatedAt;
  return { ...next, ...contentOf(next) };
}

export function versionOf(report: Report, stage: ReportVersion['stage'], by: string, at: string): ReportVersion {
  return { reportId: report.id, version: report.version, stage, submittedAt: at, submittedBy: by, content: contentOf(report) };
}

/** The filter as adapters apply it: time normalised, empty q dropped; empty arrays kept (they match nothing). */
export function normalizeReportFilter(filter: ReportFilter): ReportFilter {
  const out: ReportFilter = {};
  if (filter.agencyIds !== undefined) out.agencyIds = [...filter.agencyIds];
  if (filter.status !== undefined) out.status = [...filter.status];
  if (filter.dueBefore !== undefined) out.dueBefore = toIso(filter.dueBefore, 'dueBefore');
  if (filter.q !== undefined && filter.q.trim() !== '') out.q = filter.q.trim();
  return out;
}

export function normalizeStatsFilter(filter: ReportStatsFilter): ReportStatsFilter {
  const out: ReportStatsFilter = { now: toIso(filter.now, 'now') };
  if (filter.agencyIds !== undefined) out.agencyIds = [...filter.agencyIds];
  if (filter.from !== undefined) out.from = toIso(filter.from, 'from');
  if (filter.to !== undefined) out.to = toIso(filter.to, 'to');
  return out;
}

export const emptyCounts = (): DeadlineCounts => ({ onTime: 0, late: 0, missed: 0, pending: 0 });

/** Reference implementation of the on-time counting, over records in memory (adapters push it to the database). */
export function countDeadlines(reports: readonly Report[], now: string): AgencyDeadlineStats[] {
  const byAgency = new Map<string, AgencyDeadlineStats>();
  for (const r of reports) {
    let s = byAgency.get(r.agencyId);
    if (!s) {
      s = { agencyId: r.agencyId, reports: 0, earlyWarning: emptyCounts(), notification: emptyCounts(), final: emptyCounts() };
      byAgency.set(r.agencyId, s);
    }
    s.reports += 1;
    for (const k of DEADLINE_KINDS) {
      const d = r.deadlines[k];
      const c = s[k];
      if (d.submittedAt !== null) {
        if (d.submittedAt <= d.dueAt) c.onTime += 1;
        else c.late += 1;
      } else if (d.dueAt < now) c.missed += 1;
      else c.pending += 1;
    }
  }
  return [...byAgency.values()].sort((a, b) => (a.agencyId < b.agencyId ? -1 : a.agencyId > b.agencyId ? 1 : 0));
}

export function assertPositiveVersion(version: number): void {
  if (!Number.isInteger(version) || version < 1) throw new ValidationError('version must be a positive integer');
}
