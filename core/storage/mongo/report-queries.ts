/**
 * Pure builders for every query, update and pipeline the Mongo report stores send, and the document mappers. No
 * mongoose: test/integration/report-storage.mongo-mingo.test.ts evaluates them with mingo over the records the
 * SQLite adapter holds and compares the answers. Values from records or requests go into pipelines as $literal.
 */
import {
  DEADLINE_KINDS,
  type AgencyDeadlineStats,
  type Report,
  type ReportAttachment,
  type ReportNotification,
  type ReportVersion,
} from '../../domain/report.js';
import type { ReportFilter, ReportNotificationFilter, ReportPatch, ReportSort, ReportStatsFilter } from '../reports.port.js';
import { emptyCounts, normalizeReportFilter, normalizeStatsFilter } from '../shared/report-records.js';
import { toIso } from '../shared/time.js';
import { escapeRegex, type MongoFilter, type PipelineStage } from './incident-queries.js';
import type { ReportAttachmentDoc, ReportDoc, ReportNotificationDoc, ReportVersionDoc } from './report-models.js';

const lit = (v: unknown) => ({ $literal: v });

/** After every ISO time: reports with nothing due sort last in the 'due' order. */
export const NOTHING_DUE = '~';
export const dueSortKey = (nextDueAt: string | null) => nextDueAt ?? NOTHING_DUE;

export function reportToDoc(r: Report): ReportDoc {
  const { id, ...rest } = r;
  return { _id: id, ...rest, dueSortKey: dueSortKey(r.nextDueAt) };
}

export function docToReport(d: ReportDoc): Report {
  const dl = (k: (typeof DEADLINE_KINDS)[number]) => ({
    dueAt: d.deadlines[k].dueAt,
    submittedAt: d.deadlines[k].submittedAt ?? null,
  });
  return {
    id: String(d._id),
    agencyId: d.agencyId,
    reporter: d.reporter,
    reporterId: d.reporterId,
    title: d.title,
    category: d.category,
    type: d.type ?? null,
    description: d.description,
    awarenessAt: d.awarenessAt,
    occurredAt: d.occurredAt ?? null,
    severity: d.severity,
    tlp: d.tlp,
    impact: structuredClone(d.impact),
    indicators: structuredClone(d.indicators ?? []),
    actionsTaken: d.actionsTaken ?? '',
    incidentIds: [...(d.incidentIds ?? [])],
    status: d.status,
    lastStage: d.lastStage ?? null,
    version: d.version,
    revision: d.revision,
    deadlines: { earlyWarning: dl('earlyWarning'), notification: dl('notification'), final: dl('final') },
    nextDueAt: d.nextDueAt ?? null,
    submittedAt: d.submittedAt ?? null,
    acknowledgedAt: d.acknowledgedAt ?? null,
    acknowledgedBy: d.acknowledgedBy ?? null,
    closedAt: d.closedAt ?? null,
    closedBy: d.closedBy ?? null,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

export const versionDocId = (reportId: string, version: number) => `${reportId}:${version}`;

export function versionToDoc(v: ReportVersion): ReportVersionDoc {
  return { _id: versionDocId(v.reportId, v.version), ...v };
}

export function docToVersion(d: ReportVersionDoc): ReportVersion {
  return {
    reportId: d.reportId,
    version: d.version,
    stage: d.stage,
    submittedAt: d.submittedAt,
    submittedBy: d.submittedBy,
    content: structuredClone(d.content),
  };
}

export function docToAttachment(d: ReportAttachmentDoc): ReportAttachment {
  return {
    id: String(d._id),
    reportId: d.reportId,
    filename: d.filename,
    contentType: d.contentType,
    size: d.size,
    sha256: d.sha256,
    uploadedBy: d.uploadedBy,
    uploadedAt: d.uploadedAt,
  };
}

export function docToNotification(d: ReportNotificationDoc): ReportNotification {
  return {
    id: String(d._id),
    reportId: d.reportId,
    agencyId: d.agencyId,
    deadline: d.deadline,
    level: d.level,
    dueAt: d.dueAt,
    createdAt: d.createdAt,
  };
}

/** The query for a ReportFilter. An empty agencyIds or status matches nothing. */
export function reportFilterToQuery(filter: ReportFilter): MongoFilter {
  const f = normalizeReportFilter(filter);
  const and: MongoFilter[] = [];
  if (f.agencyIds !== undefined) and.push({ agencyId: { $in: f.agencyIds } });
  if (f.status !== undefined) and.push({ status: { $in: f.status } });
  if (f.dueBefore !== undefined) and.push({ nextDueAt: { $ne: null, $lt: f.dueBefore } });
  if (f.q !== undefined) {
    const re = { $regex: escapeRegex(f.q), $options: 'i' };
    and.push({ $or: [{ title: re }, { description: re }] });
  }
  if (and.length === 0) return {};
  return and.length === 1 ? and[0]! : { $and: and };
}

export function reportSortSpec(sort: ReportSort): Record<string, 1 | -1> {
  return sort === 'due' ? { dueSortKey: 1, updatedAt: -1, _id: -1 } : { updatedAt: -1, _id: -1 };
}

/** Matches the report, and only at `expectedRevision` when one is given. */
export function reportWriteFilter(id: string, expectedRevision?: number): MongoFilter {
  return expectedRevision === undefined ? { _id: id } : { _id: id, revision: expectedRevision };
}

/**
 * The update pipeline of a (normalised) patch: the fields given, dueSortKey with nextDueAt, revision + 1, version
 * + 1 when a version is appended, updatedAt never moving backwards.
 */
export function reportUpdatePipeline(patch: ReportPatch, at: string, withVersion: boolean): PipelineStage[] {
  const set: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) set[k] = lit(v);
  if (patch.nextDueAt !== undefined) set.dueSortKey = lit(dueSortKey(patch.nextDueAt));
  set.revision = { $add: ['$revision', 1] };
  if (withVersion) set.version = { $add: ['$version', 1] };
  set.updatedAt = { $max: ['$updatedAt', lit(at)] };
  return [{ $set: set }];
}

const countsGroup = (k: string, now: string) => {
  const at = `$deadlines.${k}.submittedAt`;
  const due = `$deadlines.${k}.dueAt`;
  const open = { $eq: [{ $ifNull: [at, null] }, null] };
  const sum = (cond: unknown) => ({ $sum: { $cond: [cond, 1, 0] } });
  return {
    [`${k}_onTime`]: sum({ $and: [{ $not: [open] }, { $lte: [at, due] }] }),
    [`${k}_late`]: sum({ $and: [{ $not: [open] }, { $gt: [at, due] }] }),
    [`${k}_missed`]: sum({ $and: [open, { $lt: [due, lit(now)] }] }),
    [`${k}_pending`]: sum({ $and: [open, { $gte: [due, lit(now)] }] }),
  };
};

/** The on-time statistics as one aggregation: $match, $group per agency, $sort. Read with statsFromAggregate. */
export function reportDeadlineStatsPipeline(filter: ReportStatsFilter): PipelineStage[] {
  const f = normalizeStatsFilter(filter);
  const and: MongoFilter[] = [];
  if (f.agencyIds !== undefined) and.push({ agencyId: { $in: f.agencyIds } });
  if (f.from !== undefined || f.to !== undefined) {
    const range: Record<string, string> = {};
    if (f.from !== undefined) range.$gte = f.from;
    if (f.to !== undefined) range.$lte = f.to;
    and.push({ awarenessAt: range });
  }
  const group: Record<string, unknown> = { _id: '$agencyId', reports: { $sum: 1 } };
  for (const k of DEADLINE_KINDS) Object.assign(group, countsGroup(k, f.now));
  return [{ $match: and.length === 0 ? {} : and.length === 1 ? and[0]! : { $and: and } }, { $group: group }, { $sort: { _id: 1 } }];
}

export function statsFromAggregate(rows: readonly Record<string, unknown>[]): AgencyDeadlineStats[] {
  return rows.map((row) => {
    const out: AgencyDeadlineStats = {
      agencyId: String(row._id),
      reports: Number(row.reports ?? 0),
      earlyWarning: emptyCounts(),
      notification: emptyCounts(),
      final: emptyCounts(),
    };
    for (const k of DEADLINE_KINDS) {
      out[k] = {
        onTime: Number(row[`${k}_onTime`] ?? 0),
        late: Number(row[`${k}_late`] ?? 0),
        missed: Number(row[`${k}_missed`] ?? 0),
        pending: Number(row[`${k}_pending`] ?? 0),
      };
    }
    return out;
  });
}

export function notificationFilterToQuery(filter: ReportNotificationFilter): MongoFilter {
  const and: MongoFilter[] = [];
  if (filter.agencyIds !== undefined) and.push({ agencyId: { $in: [...filter.agencyIds] } });
  if (filter.reportId !== undefined) and.push({ reportId: filter.reportId });
  if (filter.since !== undefined) and.push({ createdAt: { $gte: toIso(filter.since, 'since') } });
  if (and.length === 0) return {};
  return and.length === 1 ? and[0]! : { $and: and };
}

export const notificationSortSpec = { createdAt: -1, seq: -1 } as const;

/** The unique key of a notification: what makes recording it twice a no-op. */
export function notificationKeyQuery(n: Pick<ReportNotification, 'reportId' | 'deadline' | 'level' | 'dueAt'>): MongoFilter {
  return { reportId: n.reportId, deadline: n.deadline, level: n.level, dueAt: n.dueAt };
}
