/**
 * Mongoose schemas of the report collections, registered by models.ts. Documents are the domain records with `_id`
 * for `id`, plus the internal `dueSortKey` (reports) and `seq` (insertion order) fields; times are ISO strings.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { Report, ReportAttachment, ReportNotification, ReportVersion } from '../../domain/report.js';

export type ReportDoc = Omit<Report, 'id'> & {
  _id: string;
  /** nextDueAt, or '~' (after every ISO time) when nothing is due: sorting on it puts late ones first. */
  dueSortKey: string;
};

/** `_id` is `<reportId>:<version>`, so a version number is taken once. */
export type ReportVersionDoc = ReportVersion & { _id: string };

export type ReportAttachmentDoc = Omit<ReportAttachment, 'id'> & { _id: string; seq: string };

export type ReportNotificationDoc = Omit<ReportNotification, 'id'> & { _id: string; seq: string };

const options = { versionKey: false, timestamps: false, strict: true } as const;
const str = { type: String, required: true } as const;
const nullableStr = { type: String, default: null } as const;
const deadline = { dueAt: str, submittedAt: nullableStr };

const reportSchema = new Schema<ReportDoc>(
  {
    _id: str,
    agencyId: str,
    reporter: str,
    reporterId: str,
    title: str,
    category: str,
    type: nullableStr,
    description: str,
    awarenessAt: str,
    occurredAt: nullableStr,
    severity: str,
    tlp: str,
    impact: { type: Schema.Types.Mixed, required: true },
    indicators: { type: Schema.Types.Mixed, default: () => [] },
    actionsTaken: { type: String, default: '' },
    incidentIds: { type: [String], default: [] },
    status: str,
    lastStage: nullableStr,
    version: { type: Number, required: true },
    revision: { type: Number, required: true },
    deadlines: { earlyWarning: deadline, notification: deadline, final: deadline },
    nextDueAt: nullableStr,
    dueSortKey: str,
    submittedAt: nullableStr,
    acknowledgedAt: nullableStr,
    acknowledgedBy: nullableStr,
    closedAt: nullableStr,
    closedBy: nullableStr,
    createdAt: str,
    updatedAt: str,
  },
  { ...options, collection: 'reports' },
);
reportSchema.index({ agencyId: 1, updatedAt: -1 });
reportSchema.index({ updatedAt: -1, _id: -1 });
reportSchema.index({ dueSortKey: 1, updatedAt: -1, _id: -1 });
reportSchema.index({ awarenessAt: 1 });

const versionSchema = new Schema<ReportVersionDoc>(
  {
    _id: str,
    reportId: str,
    version: { type: Number, required: true },
    stage: str,
    submittedAt: str,
    submittedBy: str,
    content: { type: Schema.Types.Mixed, required: true },
  },
  { ...options, collection: 'report_versions' },
);
versionSchema.index({ reportId: 1, version: 1 }, { unique: true });

const attachmentSchema = new Schema<ReportAttachmentDoc>(
  {
    _id: str,
    reportId: str,
    filename: str,
    contentType: str,
    size: { type: Number, required: true },
    sha256: str,
    uploadedBy: str,
    uploadedAt: str,
    seq: str,
  },
  { ...options, collection: 'report_attachments' },
);
attachmentSchema.index({ reportId: 1, uploadedAt: 1, seq: 1 });

const notificationSchema = new Schema<ReportNotificationDoc>(
  {
    _id: str,
    reportId: str,
    agencyId: str,
    deadline: str,
    level: str,
    dueAt: str,
    createdAt: str,
    seq: str,
  },
  { ...options, collection: 'report_notifications' },
);
notificationSchema.index({ reportId: 1, deadline: 1, level: 1, dueAt: 1 }, { unique: true });
notificationSchema.index({ agencyId: 1, createdAt: -1, seq: -1 });
notificationSchema.index({ createdAt: -1, seq: -1 });

export interface ReportModels {
  Report: Model<ReportDoc>;
  ReportVersion: Model<ReportVersionDoc>;
  ReportAttachment: Model<ReportAttachmentDoc>;
  ReportNotification: Model<ReportNotificationDoc>;
}

export function registerReportModels(conn: Connection): ReportModels {
  return {
    Report: conn.model<ReportDoc>('Report', reportSchema),
    ReportVersion: conn.model<ReportVersionDoc>('ReportVersion', versionSchema),
    ReportAttachment: conn.model<ReportAttachmentDoc>('ReportAttachment', attachmentSchema),
    ReportNotification: conn.model<ReportNotificationDoc>('ReportNotification', notificationSchema),
  };
}
