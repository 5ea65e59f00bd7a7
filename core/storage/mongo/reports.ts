/**
 * Reports, versions, attachments and deadline notifications on MongoDB.
 *
 * Where this is weaker than SQLite: a write that appends a version is two single-document writes, the report
 * (compare-and-set on its revision, which also claims the version number) and then the version document. A crash
 * between the two leaves a report whose `version` counts one version more than `versions()` returns; nothing else
 * (a concurrent writer is refused by the revision check, a repeated version number by the unique `_id`).
 */
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { ConflictError, NotFoundError } from '../../errors/app-error.js';
import type { ReportAttachment, ReportNotification } from '../../domain/report.js';
import {
  assertPositiveVersion,
  clampNotificationLimit,
  clampOffset,
  clampReportLimit,
  newReportRecord,
  normalizeReportPatch,
  sortOrDefault,
  versionOf,
} from '../shared/report-records.js';
import { toIso } from '../shared/time.js';
import type { ReportAttachmentStore, ReportNotificationStore, ReportStore } from '../reports.port.js';
import type { MongoConnection } from './connection.js';
import { conflictOnDuplicate, isDuplicateKey } from './errors.js';
import type { ReportDoc, ReportNotificationDoc, ReportVersionDoc } from './report-models.js';
import {
  docToAttachment,
  docToNotification,
  docToReport,
  docToVersion,
  notificationFilterToQuery,
  notificationKeyQuery,
  notificationSortSpec,
  reportDeadlineStatsPipeline,
  reportFilterToQuery,
  reportSortSpec,
  reportToDoc,
  reportUpdatePipeline,
  reportWriteFilter,
  statsFromAggregate,
  versionDocId,
  versionToDoc,
} from './report-queries.js';

const seq = () => new Types.ObjectId().toHexString();

export function createMongoReportStore(c: MongoConnection): ReportStore {
  return {
    async create(input) {
      if (!(await c.models.Agency.exists({ _id: input.agencyId }))) throw new NotFoundError(`agency ${input.agencyId}`);
      const report = newReportRecord(randomUUID(), input);
      await c.models.Report.create(reportToDoc(report));
      return report;
    },

    async get(id) {
      const doc = await c.models.Report.findById(id).lean<ReportDoc>();
      return doc ? docToReport(doc) : null;
    },

    async list(filter, page) {
      const query = reportFilterToQuery(filter);
      const limit = clampReportLimit(page?.limit);
      const offset = clampOffset(page?.offset);
      const [docs, total] = await Promise.all([
        c.models.Report.find(query).sort(reportSortSpec(sortOrDefault(page?.sort))).skip(offset).limit(limit).lean<ReportDoc[]>(),
        c.models.Report.countDocuments(query),
      ]);
      return { items: docs.map(docToReport), total };
    },

    async update(id, patch, ctx) {
      const at = toIso(ctx.at, 'at');
      const normalized = normalizeReportPatch(patch);
      const doc = await c.models.Report.findOneAndUpdate(
        reportWriteFilter(id, ctx.expectedRevision),
        reportUpdatePipeline(normalized, at, ctx.version !== undefined) as never,
        { returnDocument: 'after', updatePipeline: true, lean: true },
      );
      if (!doc) {
        const current = await c.models.Report.findById(id, { revision: 1 }).lean<{ revision: number }>();
        if (!current) throw new NotFoundError(`report ${id}`);
        throw new ConflictError(`report ${id} was changed by someone else`, { reason: 'stale', revision: current.revision });
      }
      const report = docToReport(doc as unknown as ReportDoc);
      if (!ctx.version) return { report, version: null };
      const version = versionOf(report, ctx.version.stage, ctx.version.by, at);
      await conflictOnDuplicate(
        () => c.models.ReportVersion.create(versionToDoc(version)),
        `version ${version.version} of report ${id} already exists`,
      );
      return { report, version };
    },

    async versions(reportId) {
      const docs = await c.models.ReportVersion.find({ reportId }).sort({ version: 1 }).lean<ReportVersionDoc[]>();
      return docs.map(docToVersion);
    },

    async getVersion(reportId, version) {
      assertPositiveVersion(version);
      const doc = await c.models.ReportVersion.findById(versionDocId(reportId, version)).lean<ReportVersionDoc>();
      return doc ? docToVersion(doc) : null;
    },

    async deadlineStats(filter) {
      const rows = await c.models.Report.aggregate(reportDeadlineStatsPipeline(filter) as never[]);
      return statsFromAggregate(rows);
    },
  };
}

export function createMongoReportAttachmentStore(c: MongoConnection): ReportAttachmentStore {
  return {
    async create(input) {
      if (!(await c.models.Report.exists({ _id: input.reportId }))) throw new NotFoundError(`report ${input.reportId}`);
      const a: ReportAttachment = { id: randomUUID(), ...input, uploadedAt: toIso(input.uploadedAt, 'uploadedAt') };
      const { id, ...rest } = a;
      await c.models.ReportAttachment.create({ _id: id, ...rest, seq: seq() });
      return a;
    },
    async get(reportId, id) {
      const doc = await c.models.ReportAttachment.findOne({ _id: id, reportId }).lean();
      return doc ? docToAttachment(doc) : null;
    },
    async list(reportId) {
      const docs = await c.models.ReportAttachment.find({ reportId }).sort({ uploadedAt: 1, seq: 1 }).lean();
      return docs.map(docToAttachment);
    },
  };
}

export function createMongoReportNotificationStore(c: MongoConnection): ReportNotificationStore {
  return {
    async record(input) {
      if (!(await c.models.Report.exists({ _id: input.reportId }))) throw new NotFoundError(`report ${input.reportId}`);
      const n: ReportNotification = {
        id: randomUUID(),
        reportId: input.reportId,
        agencyId: input.agencyId,
        deadline: input.deadline,
        level: input.level,
        dueAt: toIso(input.dueAt, 'dueAt'),
        createdAt: toIso(input.createdAt, 'createdAt'),
      };
      const { id, ...rest } = n;
      try {
        await c.models.ReportNotification.create({ _id: id, ...rest, seq: seq() });
        return { notification: n, created: true };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const existing = await c.models.ReportNotification.findOne(notificationKeyQuery(n)).lean<ReportNotificationDoc>();
        if (!existing) throw err;
        return { notification: docToNotification(existing), created: false };
      }
    },
    async list(filter, page) {
      const docs = await c.models.ReportNotification.find(notificationFilterToQuery(filter))
        .sort(notificationSortSpec)
        .limit(clampNotificationLimit(page?.limit))
        .lean<ReportNotificationDoc[]>();
      return docs.map(docToNotification);
    },
  };
}
