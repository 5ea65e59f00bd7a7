/**
 * Reports, their versions, attachments and deadline notifications on SQLite. A write and the version it appends
 * are one IMMEDIATE transaction (read, check revision, write), so concurrent writers to one report are serialised.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../errors/app-error.js';
import type {
  AgencyDeadlineStats,
  DeadlineKind,
  NotificationLevel,
  Report,
  ReportAttachment,
  ReportContent,
  ReportNotification,
  ReportStage,
  ReportStatus,
  ReportVersion,
} from '../../domain/report.js';
import type { NcissLevel, TlpLevel } from '../../domain/report-taxonomy.js';
import {
  applyReportPatch,
  assertPositiveVersion,
  clampNotificationLimit,
  clampOffset,
  clampReportLimit,
  emptyCounts,
  newReportRecord,
  normalizeReportFilter,
  normalizeReportPatch,
  normalizeStatsFilter,
  sortOrDefault,
  versionOf,
} from '../shared/report-records.js';
import { toIso } from '../shared/time.js';
import type {
  ReportAttachmentStore,
  ReportFilter,
  ReportNotificationStore,
  ReportStore,
  ReportWriteResult,
} from '../reports.port.js';
import type { SqliteHandle } from './connection.js';
import { translate } from './errors.js';
import { parseJson } from './json.js';

interface ReportRow {
  id: string;
  agency_id: string;
  reporter: string;
  reporter_id: string;
  title: string;
  category: string;
  type: string | null;
  description: string;
  awareness_at: string;
  occurred_at: string | null;
  severity: string;
  tlp: string;
  impact: string;
  indicators: string;
  actions_taken: string;
  incident_ids: string;
  status: string;
  last_stage: string | null;
  version: number;
  revision: number;
  ew_due_at: string;
  ew_at: string | null;
  nt_due_at: string;
  nt_at: string | null;
  fn_due_at: string;
  fn_at: string | null;
  next_due_at: string | null;
  submitted_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  closed_at: string | null;
  closed_by: string | null;
  created_at: string;
  updated_at: string;
}

const REPORT_COLUMNS = [
  'id', 'agency_id', 'reporter', 'reporter_id', 'title', 'category', 'type', 'description', 'awareness_at',
  'occurred_at', 'severity', 'tlp', 'impact', 'indicators', 'actions_taken', 'incident_ids', 'status', 'last_stage',
  'version', 'revision', 'ew_due_at', 'ew_at', 'nt_due_at', 'nt_at', 'fn_due_at', 'fn_at', 'next_due_at',
  'submitted_at', 'acknowledged_at', 'acknowledged_by', 'closed_at', 'closed_by', 'created_at', 'updated_at',
] as const;

const toReport = (r: ReportRow): Report => ({
  id: r.id,
  agencyId: r.agency_id,
  reporter: r.reporter,
  reporterId: r.reporter_id,
  title: r.title,
  category: r.category,
  type: r.type,
  description: r.description,
  awarenessAt: r.awareness_at,
  occurredAt: r.occurred_at,
  severity: r.severity as NcissLevel,
  tlp: r.tlp as TlpLevel,
  impact: parseJson(r.impact),
  indicators: parseJson(r.indicators),
  actionsTaken: r.actions_taken,
  incidentIds: parseJson(r.incident_ids),
  status: r.status as ReportStatus,
  lastStage: r.last_stage as ReportStage | null,
  version: r.version,
  revision: r.revision,
  deadlines: {
    earlyWarning: { dueAt: r.ew_due_at, submittedAt: r.ew_at },
    notification: { dueAt: r.nt_due_at, submittedAt: r.nt_at },
    final: { dueAt: r.fn_due_at, submittedAt: r.fn_at },
  },
  nextDueAt: r.next_due_at,
  submittedAt: r.submitted_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
  closedAt: r.closed_at,
  closedBy: r.closed_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const reportValues = (r: Report): unknown[] => [
  r.id, r.agencyId, r.reporter, r.reporterId, r.title, r.category, r.type, r.description, r.awarenessAt,
  r.occurredAt, r.severity, r.tlp, JSON.stringify(r.impact), JSON.stringify(r.indicators), r.actionsTaken,
  JSON.stringify(r.incidentIds), r.status, r.lastStage, r.version, r.revision,
  r.deadlines.earlyWarning.dueAt, r.deadlines.earlyWarning.submittedAt,
  r.deadlines.notification.dueAt, r.deadlines.notification.submittedAt,
  r.deadlines.final.dueAt, r.deadlines.final.submittedAt,
  r.nextDueAt, r.submittedAt, r.acknowledgedAt, r.acknowledgedBy, r.closedAt, r.closedBy, r.createdAt, r.updatedAt,
];

const INSERT_REPORT = `INSERT INTO reports (${REPORT_COLUMNS.join(', ')}) VALUES (${REPORT_COLUMNS.map(() => '?').join(', ')})`;
const UPDATE_REPORT = `UPDATE reports SET ${REPORT_COLUMNS.slice(1).map((c) => `${c} = ?`).join(', ')} WHERE id = ?`;

interface VersionRow {
  report_id: string;
  version: number;
  stage: string;
  submitted_at: string;
  submitted_by: string;
  content: string;
}

const toVersion = (r: VersionRow): ReportVersion => ({
  reportId: r.report_id,
  version: r.version,
  stage: r.stage as ReportStage,
  submittedAt: r.submitted_at,
  submittedBy: r.submitted_by,
  content: parseJson<ReportContent>(r.content),
});

/** `LIKE` pattern matching `q` literally anywhere (with ESCAPE '\'). */
const likePattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function reportWhere(raw: ReportFilter): { sql: string; params: unknown[]; empty: boolean } {
  const f = normalizeReportFilter(raw);
  const parts: string[] = [];
  const params: unknown[] = [];
  const inList = (column: string, values: readonly string[] | undefined) => {
    if (values === undefined) return;
    parts.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  const empty = f.agencyIds?.length === 0 || f.status?.length === 0;
  inList('agency_id', f.agencyIds);
  inList('status', f.status);
  if (f.dueBefore !== undefined) {
    parts.push('next_due_at IS NOT NULL AND next_due_at < ?');
    params.push(f.dueBefore);
  }
  if (f.q !== undefined) {
    parts.push("(lower(title) LIKE ? ESCAPE '\\' OR lower(description) LIKE ? ESCAPE '\\')");
    params.push(likePattern(f.q), likePattern(f.q));
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params, empty };
}

const ORDER = {
  due: 'ORDER BY next_due_at IS NULL, next_due_at, updated_at DESC, id DESC',
  updated: 'ORDER BY updated_at DESC, id DESC',
} as const;

export function createSqliteReportStore(h: SqliteHandle): ReportStore {
  const byId = (id: string): Report | null => {
    const row = h.stmt('SELECT * FROM reports WHERE id = ?').get(id) as ReportRow | undefined;
    return row ? toReport(row) : null;
  };

  const write = (id: string, patch: ReturnType<typeof normalizeReportPatch>, at: string, expectedRevision: number | undefined, version: { stage: ReportStage; by: string } | undefined): ReportWriteResult => {
    const current = byId(id);
    if (!current) throw new NotFoundError(`report ${id}`);
    if (expectedRevision !== undefined && current.revision !== expectedRevision) {
      throw new ConflictError(`report ${id} was changed by someone else`, { reason: 'stale', revision: current.revision });
    }
    const next = applyReportPatch(current, patch, at, version !== undefined);
    const values = reportValues(next);
    h.stmt(UPDATE_REPORT).run(...values.slice(1), next.id);
    let saved: ReportVersion | null = null;
    if (version) {
      saved = versionOf(next, version.stage, version.by, at);
      h.stmt(
        'INSERT INTO report_versions (report_id, version, stage, submitted_at, submitted_by, content) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(saved.reportId, saved.version, saved.stage, saved.submittedAt, saved.submittedBy, JSON.stringify(saved.content));
    }
    return { report: next, version: saved };
  };

  return {
    async create(input) {
      const report = newReportRecord(randomUUID(), input);
      translate(() => h.stmt(INSERT_REPORT).run(...reportValues(report)), { missing: `agency ${input.agencyId}` });
      return report;
    },

    async get(id) {
      return byId(id);
    },

    async list(filter, page) {
      const where = reportWhere(filter);
      if (where.empty) return { items: [], total: 0 };
      const limit = clampReportLimit(page?.limit);
      const offset = clampOffset(page?.offset);
      const rows = h
        .stmt(`SELECT * FROM reports ${where.sql} ${ORDER[sortOrDefault(page?.sort)]} LIMIT ? OFFSET ?`)
        .all(...where.params, limit, offset) as ReportRow[];
      const { n } = h.stmt(`SELECT COUNT(*) AS n FROM reports ${where.sql}`).get(...where.params) as { n: number };
      return { items: rows.map(toReport), total: n };
    },

    async update(id, patch, ctx) {
      const at = toIso(ctx.at, 'at');
      const normalized = normalizeReportPatch(patch);
      const tx = h.tx('report.update', write);
      return tx.immediate(id, normalized, at, ctx.expectedRevision, ctx.version);
    },

    async versions(reportId) {
      return (
        h.stmt('SELECT * FROM report_versions WHERE report_id = ? ORDER BY version').all(reportId) as VersionRow[]
      ).map(toVersion);
    },

    async getVersion(reportId, version) {
      assertPositiveVersion(version);
      const row = h.stmt('SELECT * FROM report_versions WHERE report_id = ? AND version = ?').get(reportId, version) as
        | VersionRow
        | undefined;
      return row ? toVersion(row) : null;
    },

    async deadlineStats(raw) {
      const f = normalizeStatsFilter(raw);
      if (f.agencyIds?.length === 0) return [];
      const parts: string[] = [];
      const params: unknown[] = [];
      if (f.agencyIds !== undefined) {
        parts.push(`agency_id IN (${f.agencyIds.map(() => '?').join(', ')})`);
        params.push(...f.agencyIds);
      }
      if (f.from !== undefined) {
        parts.push('awareness_at >= ?');
        params.push(f.from);
      }
      if (f.to !== undefined) {
        parts.push('awareness_at <= ?');
        params.push(f.to);
      }
      const counts = (p: 'ew' | 'nt' | 'fn') => `
        SUM(CASE WHEN ${p}_at IS NOT NULL AND ${p}_at <= ${p}_due_at THEN 1 ELSE 0 END) AS ${p}_on_time,
        SUM(CASE WHEN ${p}_at IS NOT NULL AND ${p}_at > ${p}_due_at THEN 1 ELSE 0 END) AS ${p}_late,
        SUM(CASE WHEN ${p}_at IS NULL AND ${p}_due_at < ? THEN 1 ELSE 0 END) AS ${p}_missed,
        SUM(CASE WHEN ${p}_at IS NULL AND ${p}_due_at >= ? THEN 1 ELSE 0 END) AS ${p}_pending`;
      const sql = `SELECT agency_id, COUNT(*) AS reports, ${counts('ew')}, ${counts('nt')}, ${counts('fn')}
        FROM reports ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''} GROUP BY agency_id ORDER BY agency_id`;
      // Parameters in text order: `now` twice per deadline kind in the SELECT, then the WHERE parameters.
      const rows = h.stmt(sql).all(...Array(6).fill(f.now), ...params) as Record<string, number | string>[];
      const pick = (row: Record<string, number | string>, p: string) => {
        const c = emptyCounts();
        c.onTime = Number(row[`${p}_on_time`] ?? 0);
        c.late = Number(row[`${p}_late`] ?? 0);
        c.missed = Number(row[`${p}_missed`] ?? 0);
        c.pending = Number(row[`${p}_pending`] ?? 0);
        return c;
      };
      return rows.map(
        (row): AgencyDeadlineStats => ({
          agencyId: String(row.agency_id),
          reports: Number(row.reports),
          earlyWarning: pick(row, 'ew'),
          notification: pick(row, 'nt'),
          final: pick(row, 'fn'),
        }),
      );
    },
  };
}

interface AttachmentRow {
  id: string;
  report_id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: string;
}

const toAttachment = (r: AttachmentRow): ReportAttachment => ({
  id: r.id,
  reportId: r.report_id,
  filename: r.filename,
  contentType: r.content_type,
  size: r.size,
  sha256: r.sha256,
  uploadedBy: r.uploaded_by,
  uploadedAt: r.uploaded_at,
});

export function createSqliteReportAttachmentStore(h: SqliteHandle): ReportAttachmentStore {
  return {
    async create(input) {
      const a: ReportAttachment = { id: randomUUID(), ...input, uploadedAt: toIso(input.uploadedAt, 'uploadedAt') };
      translate(
        () =>
          h
            .stmt(
              `INSERT INTO report_attachments (id, report_id, filename, content_type, size, sha256, uploaded_by, uploaded_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(a.id, a.reportId, a.filename, a.contentType, a.size, a.sha256, a.uploadedBy, a.uploadedAt),
        { missing: `report ${input.reportId}` },
      );
      return a;
    },
    async get(reportId, id) {
      const row = h.stmt('SELECT * FROM report_attachments WHERE id = ? AND report_id = ?').get(id, reportId) as
        | AttachmentRow
        | undefined;
      return row ? toAttachment(row) : null;
    },
    async list(reportId) {
      return (
        h.stmt('SELECT * FROM report_attachments WHERE report_id = ? ORDER BY uploaded_at, rowid').all(reportId) as AttachmentRow[]
      ).map(toAttachment);
    },
  };
}

interface NotificationRow {
  id: string;
  report_id: string;
  agency_id: string;
  deadline: string;
  level: string;
  due_at: string;
  created_at: string;
}

const toNotification = (r: NotificationRow): ReportNotification => ({
  id: r.id,
  reportId: r.report_id,
  agencyId: r.agency_id,
  deadline: r.deadline as DeadlineKind,
  level: r.level as NotificationLevel,
  dueAt: r.due_at,
  createdAt: r.created_at,
});

export function createSqliteReportNotificationStore(h: SqliteHandle): ReportNotificationStore {
  return {
    async record(input) {
      const n: ReportNotification = {
        id: randomUUID(),
        reportId: input.reportId,
        agencyId: input.agencyId,
        deadline: input.deadline,
        level: input.level,
        dueAt: toIso(input.dueAt, 'dueAt'),
        createdAt: toIso(input.createdAt, 'createdAt'),
      };
      const res = translate(
        () =>
          h
            .stmt(
              `INSERT INTO report_notifications (id, report_id, agency_id, deadline, level, due_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (report_id, deadline, level, due_at) DO NOTHING`,
            )
            .run(n.id, n.reportId, n.agencyId, n.deadline, n.level, n.dueAt, n.createdAt),
        { missing: `report ${input.reportId}` },
      );
      if (res.changes === 1) return { notification: n, created: true };
      const existing = h
        .stmt('SELECT * FROM report_notifications WHERE report_id = ? AND deadline = ? AND level = ? AND due_at = ?')
        .get(n.reportId, n.deadline, n.level, n.dueAt) as NotificationRow;
      return { notification: toNotification(existing), created: false };
    },
    async list(filter, page) {
      const parts: string[] = [];
      const params: unknown[] = [];
      if (filter.agencyIds !== undefined) {
        if (filter.agencyIds.length === 0) return [];
        parts.push(`agency_id IN (${filter.agencyIds.map(() => '?').join(', ')})`);
        params.push(...filter.agencyIds);
      }
      if (filter.reportId !== undefined) {
        parts.push('report_id = ?');
        params.push(filter.reportId);
      }
      if (filter.since !== undefined) {
        parts.push('created_at >= ?');
        params.push(toIso(filter.since, 'since'));
      }
      return (
        h
          .stmt(
            `SELECT * FROM report_notifications ${parts.length ? `WHERE ${parts.join(' AND ')}` : ''}
             ORDER BY created_at DESC, rowid DESC LIMIT ?`,
          )
          .all(...params, clampNotificationLimit(page?.limit)) as NotificationRow[]
      ).map(toNotification);
    },
  };
}
