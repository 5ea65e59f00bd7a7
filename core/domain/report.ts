/**
 * Incident reports an agency files with the national centre: the record, its stage versions, attachments and the
 * deadline notifications. Plain records; storage adapters return exactly these shapes. Validation of what people
 * send is in report-input.ts, deadline rules in report-deadlines.ts.
 */
import type { ReportIndicator } from './report-indicators.js';
import type { NcissLevel, TlpLevel } from './report-taxonomy.js';

export type { ReportIndicator } from './report-indicators.js';

/** draft → submitted → acknowledged → closed; a new stage submitted after acknowledgement makes it submitted again. */
export const REPORT_STATUSES = ['draft', 'submitted', 'acknowledged', 'closed'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** The stage reports, in legal order. `progress` may be submitted any number of times between notification and final. */
export const REPORT_STAGES = ['early_warning', 'notification', 'progress', 'final'] as const;
export type ReportStage = (typeof REPORT_STAGES)[number];

/** The three legal deadlines. */
export const DEADLINE_KINDS = ['earlyWarning', 'notification', 'final'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export const DEADLINE_STATES = ['pending', 'due_soon', 'overdue', 'met'] as const;
export type DeadlineState = (typeof DEADLINE_STATES)[number];

export interface ReportImpact {
  systemsAffected: number;
  usersAffected: number;
  serviceDowntimeMinutes: number;
  /** Whether the confidentiality, integrity, availability of data was affected. */
  data: { confidentiality: boolean; integrity: boolean; availability: boolean };
  /** Effects in (or from) another country. */
  crossBorder: boolean;
  /** The incident is suspected to be caused by an unlawful or malicious act. */
  suspectedMalicious: boolean;
}

/** What the reporter writes: the part of a report that versions snapshot and diff. */
export interface ReportContent {
  title: string;
  /** RSIT class slug (report-taxonomy.ts). */
  category: string;
  /** RSIT type slug within the class; null until known. */
  type: string | null;
  description: string;
  /** When the agency became aware of the incident: the legal clocks start here. */
  awarenessAt: string;
  occurredAt: string | null;
  severity: NcissLevel;
  tlp: TlpLevel;
  impact: ReportImpact;
  indicators: ReportIndicator[];
  actionsTaken: string;
  /** Linked incidents (same agency), sorted. */
  incidentIds: string[];
}

/** One deadline as stored: when it is due, and when a stage that meets it was submitted. */
export interface StoredDeadline {
  dueAt: string;
  submittedAt: string | null;
}

export type ReportDeadlines = Record<DeadlineKind, StoredDeadline>;

export interface Report extends ReportContent {
  id: string;
  agencyId: string;
  /** Username of the agency admin who created it, and their user id. */
  reporter: string;
  reporterId: string;
  status: ReportStatus;
  /** The last stage submitted; null while nothing was. */
  lastStage: ReportStage | null;
  /** Number of submitted versions (0 for a draft never submitted). */
  version: number;
  /** Counts every write: the optimistic concurrency token. */
  revision: number;
  deadlines: ReportDeadlines;
  /**
   * The earliest unmet due time, null once all are met or the report is closed: what the deadline job, the
   * `overdue` filter and the late-first order look at.
   */
  nextDueAt: string | null;
  submittedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  closedAt: string | null;
  closedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A submitted stage: the content as it was sent. Immutable. */
export interface ReportVersion {
  reportId: string;
  /** 1, 2, … in submission order. */
  version: number;
  stage: ReportStage;
  submittedAt: string;
  submittedBy: string;
  content: ReportContent;
}

/** Evidence file metadata; the bytes live under DATA_DIR/attachments, named by their SHA-256. */
export interface ReportAttachment {
  id: string;
  reportId: string;
  filename: string;
  contentType: string;
  size: number;
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
  uploadedBy: string;
  uploadedAt: string;
}

export type NotificationLevel = 'due_soon' | 'overdue';

/** A deadline warning that was raised (once per report, deadline, level and due time). */
export interface ReportNotification {
  id: string;
  reportId: string;
  agencyId: string;
  deadline: DeadlineKind;
  level: NotificationLevel;
  dueAt: string;
  createdAt: string;
}

/** Deadline outcomes of one agency for one deadline kind. */
export interface DeadlineCounts {
  /** Met at or before the due time. */
  onTime: number;
  /** Met after the due time. */
  late: number;
  /** Not met and past due. */
  missed: number;
  /** Not met, not yet due. */
  pending: number;
}

export interface AgencyDeadlineStats {
  agencyId: string;
  reports: number;
  earlyWarning: DeadlineCounts;
  notification: DeadlineCounts;
  final: DeadlineCounts;
}

/** The content fields of a report, in a fixed order (versions, diffs and exports list them in it). */
export const REPORT_CONTENT_FIELDS = [
  'title',
  'category',
  'type',
  'description',
  'awarenessAt',
  'occurredAt',
  'severity',
  'tlp',
  'impact',
  'indicators',
  'actionsTaken',
  'incidentIds',
] as const satisfies readonly (keyof ReportContent)[];

export function contentOf(r: ReportContent): ReportContent {
  return {
    title: r.title,
    category: r.category,
    type: r.type,
    description: r.description,
    awarenessAt: r.awarenessAt,
    occurredAt: r.occurredAt,
    severity: r.severity,
    tlp: r.tlp,
    impact: {
      systemsAffected: r.impact.systemsAffected,
      usersAffected: r.impact.usersAffected,
      serviceDowntimeMinutes: r.impact.serviceDowntimeMinutes,
      data: {
        confidentiality: r.impact.data.confidentiality,
        integrity: r.impact.data.integrity,
        availability: r.impact.data.availability,
      },
      crossBorder: r.impact.crossBorder,
      suspectedMalicious: r.impact.suspectedMalicious,
    },
    indicators: r.indicators.map((i) => ({ type: i.type, kind: i.kind, value: i.value, ...(i.description ? { description: i.description } : {}) })),
    actionsTaken: r.actionsTaken,
    incidentIds: [...r.incidentIds],
  };
}

export const EMPTY_IMPACT: ReportImpact = {
  systemsAffected: 0,
  usersAffected: 0,
  serviceDowntimeMinutes: 0,
  data: { confidentiality: false, integrity: false, availability: false },
  crossBorder: false,
  suspectedMalicious: false,
};
