/**
 * Incident reports: filing, editing, stage submissions, acknowledgement and closing, versions and diffs, evidence
 * files, exports (PDF, STIX 2.1, CSV), deadline notifications and on-time statistics.
 *
 * Roles: agency admins file and edit their own agency's reports; analysts and admins read every agency's, and
 * acknowledge and close them; leadership reads the on-time statistics (and the vocabularies). Another agency's
 * report is "not found" (404) for an agency admin, and the attempt is audited (core/services/report-service.ts).
 *
 * The attachment upload reads its own raw body, so `reportUploadRoutes` is mounted before the JSON parser.
 */
import fs from 'node:fs';
import { Emitter } from '@socket.io/redis-emitter';
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { DEADLINE_KINDS, REPORT_STAGES, REPORT_STATUSES, type Report } from '../../../core/domain/report.js';
import { INDICATOR_TYPES } from '../../../core/domain/report-indicators.js';
import { NCISS_LABELS, NCISS_LEVELS, RSIT_TAXONOMY, TLP_LEVELS } from '../../../core/domain/report-taxonomy.js';
import { ValidationError } from '../../../core/errors/app-error.js';
import { CONSOLE_NAMESPACE, roomsForReport, type ConsoleServerEvents } from '../../../core/queues/console-events.js';
import {
  ATTACHMENT_TYPES,
  baseContentType,
  createAttachmentFiles,
  isAllowedContentType,
  sanitizeFilename,
  UnsupportedMediaTypeError,
  type AttachmentFiles,
} from '../../../core/services/report-attachments.js';
import { reportsToCsv } from '../../../core/services/report-csv.js';
import { renderReportPdf } from '../../../core/services/report-pdf.js';
import { createReportService, type ReportActor, type ReportService } from '../../../core/services/report-service.js';
import { reportToStixBundle } from '../../../core/services/report-stix.js';
import type { ServerContext } from '../../context.js';
import { currentUser, loadSession, requireRole } from '../middleware/auth.js';

interface ReportRuntime {
  service: ReportService;
  files: AttachmentFiles;
}

const runtimes = new WeakMap<ServerContext, ReportRuntime>();

/** One service and file store per server context, shared by both routers. */
function runtimeOf(ctx: ServerContext): ReportRuntime {
  let rt = runtimes.get(ctx);
  if (!rt) {
    // Through Redis like the workers' incidents, so every server's consoles hear it.
    const emitter = new Emitter<ConsoleServerEvents>(ctx.redis).of(CONSOLE_NAMESPACE);
    rt = {
      service: createReportService({
        storage: ctx.storage,
        policy: ctx.config.reports,
        publish: (r: Report) => {
          try {
            emitter.to(roomsForReport(r)).emit('report:updated', {
              id: r.id,
              agencyId: r.agencyId,
              status: r.status,
              revision: r.revision,
              updatedAt: r.updatedAt,
              nextDueAt: r.nextDueAt,
            });
          } catch (err) {
            ctx.logger.warn({ err }, 'report:updated not published');
          }
        },
      }),
      files: createAttachmentFiles({ dir: `${ctx.config.dataDir}/attachments` }),
    };
    runtimes.set(ctx, rt);
  }
  return rt;
}

const actorOf = (req: Request): ReportActor => currentUser(req);
const param = (req: Request, name: string) => String(req.params[name] ?? '');

const csvList = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

const flag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const listQuery = z.object({
  status: csvList(REPORT_STATUSES).optional(),
  agencyId: z.string().min(1).max(100).optional(),
  overdue: flag.optional(),
  q: z.string().max(200).optional(),
  sort: z.enum(['due', 'updated']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  format: z.enum(['json', 'csv']).default('json'),
});

const statsQuery = z.object({
  agencyId: z.string().min(1).max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

const notificationsQuery = z.object({
  reportId: z.string().min(1).max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const versionNumber = z.coerce.number().int().min(1).max(1_000_000);
const diffQuery = z.object({
  from: versionNumber,
  to: z.union([z.literal('current'), versionNumber]).default('current'),
});

const exportQuery = z.object({ format: z.enum(['pdf', 'stix']) });

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`invalid ${what}`, parsed.error.issues);
  return parsed.data;
}

/** `Content-Disposition: attachment` with an ASCII fallback and the UTF-8 name (RFC 6266 / 8187). */
function disposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** POST /reports/:id/attachments, mounted before the JSON parser: the body is the file itself. */
export function reportUploadRoutes(ctx: ServerContext): Router {
  const r = Router();
  const maxBytes = ctx.config.reports.attachmentMaxBytes;
  const raw = express.raw({ type: () => true, limit: maxBytes });

  r.post(
    '/reports/:id/attachments',
    loadSession(ctx.sessions),
    requireRole('agency_admin'),
    async (req, res, next) => {
      const type = baseContentType(req.headers['content-type']);
      if (!isAllowedContentType(type)) throw new UnsupportedMediaTypeError(type);
      // Scope and state before a byte of the body is read.
      res.locals.report = await runtimeOf(ctx).service.canAttach(actorOf(req), param(req, 'id'));
      next();
    },
    raw,
    async (req, res) => {
      const { service, files } = runtimeOf(ctx);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const contentType = baseContentType(req.headers['content-type']);
      const header = req.headers['x-filename'];
      const stored = await files.save(body, contentType);
      const attachment = await service.addAttachment(actorOf(req), res.locals.report as Report, {
        filename: sanitizeFilename(Array.isArray(header) ? header[0] : header),
        contentType,
        size: stored.size,
        sha256: stored.sha256,
      });
      res.status(201).json(attachment);
    },
  );
  return r;
}

export function reportRoutes(ctx: ServerContext): Router {
  const r = Router();
  const centre = requireRole('admin', 'analyst');
  const readers = requireRole('admin', 'analyst', 'agency_admin');
  const filer = requireRole('agency_admin');

  /** The vocabularies the form offers (RSIT, NCISS, TLP), so the console never hard-codes them. */
  r.get('/reports/meta', requireRole('admin', 'analyst', 'agency_admin', 'leadership'), (_req, res) => {
    const { reports } = ctx.config;
    res.json({
      categories: RSIT_TAXONOMY,
      severities: NCISS_LEVELS.map((slug) => ({ slug, label: NCISS_LABELS[slug] })),
      tlp: TLP_LEVELS,
      stages: REPORT_STAGES,
      statuses: REPORT_STATUSES,
      deadlines: DEADLINE_KINDS,
      indicatorTypes: INDICATOR_TYPES,
      attachmentTypes: Object.keys(ATTACHMENT_TYPES),
      attachmentMaxBytes: reports.attachmentMaxBytes,
      policy: {
        earlyWarningHours: reports.earlyWarningMs / 3_600_000,
        notificationHours: reports.notificationMs / 3_600_000,
        finalDays: reports.finalMs / 86_400_000,
        dueSoonHours: reports.dueSoonMs / 3_600_000,
      },
    });
  });

  r.get('/reports/stats/on-time', requireRole('admin', 'analyst', 'agency_admin', 'leadership'), async (req, res) => {
    const q = parse(statsQuery, req.query, 'query');
    res.json(
      await runtimeOf(ctx).service.onTime(actorOf(req), {
        ...(q.agencyId ? { agencyId: q.agencyId } : {}),
        ...(q.from ? { from: new Date(q.from).toISOString() } : {}),
        ...(q.to ? { to: new Date(q.to).toISOString() } : {}),
      }),
    );
  });

  r.get('/reports/notifications', readers, async (req, res) => {
    const q = parse(notificationsQuery, req.query, 'query');
    const items = await runtimeOf(ctx).service.notifications(actorOf(req), {
      limit: q.limit,
      ...(q.reportId ? { reportId: q.reportId } : {}),
      ...(q.since ? { since: new Date(q.since).toISOString() } : {}),
    });
    res.json({ items });
  });

  r.get('/reports', readers, async (req, res) => {
    const q = parse(listQuery, req.query, 'query');
    const { service } = runtimeOf(ctx);
    const query = {
      ...(q.status ? { status: q.status } : {}),
      ...(q.agencyId ? { agencyId: q.agencyId } : {}),
      ...(q.overdue ? { overdue: true } : {}),
      ...(q.q ? { q: q.q } : {}),
      ...(q.sort ? { sort: q.sort } : {}),
    };
    if (q.format === 'csv') {
      const items = await service.listAll(actorOf(req), query);
      const agencies = new Map((await ctx.storage.agencies.list()).map((a) => [a.id, a]));
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', disposition(`vigil-reports-${new Date().toISOString().slice(0, 10)}.csv`));
      res.setHeader('Cache-Control', 'private, no-store');
      res.send(reportsToCsv(items, agencies));
      return;
    }
    res.json(await service.list(actorOf(req), { ...query, limit: q.limit, offset: q.offset }));
  });

  r.post('/reports', filer, async (req, res) => {
    res.status(201).json(await runtimeOf(ctx).service.create(actorOf(req), req.body));
  });

  r.get('/reports/:id', readers, async (req, res) => {
    res.json(await runtimeOf(ctx).service.get(actorOf(req), param(req, 'id')));
  });

  r.patch('/reports/:id', filer, async (req, res) => {
    res.json(await runtimeOf(ctx).service.update(actorOf(req), param(req, 'id'), req.body));
  });

  r.post('/reports/:id/submit', filer, async (req, res) => {
    res.json(await runtimeOf(ctx).service.submit(actorOf(req), param(req, 'id'), req.body));
  });

  r.post('/reports/:id/acknowledge', centre, async (req, res) => {
    res.json(await runtimeOf(ctx).service.acknowledge(actorOf(req), param(req, 'id')));
  });

  r.post('/reports/:id/close', centre, async (req, res) => {
    res.json(await runtimeOf(ctx).service.close(actorOf(req), param(req, 'id')));
  });

  r.get('/reports/:id/versions', readers, async (req, res) => {
    res.json({ items: await runtimeOf(ctx).service.versions(actorOf(req), param(req, 'id')) });
  });

  r.get('/reports/:id/versions/diff', readers, async (req, res) => {
    const q = parse(diffQuery, req.query, 'query');
    res.json(await runtimeOf(ctx).service.diff(actorOf(req), param(req, 'id'), q.from, q.to));
  });

  r.get('/reports/:id/versions/:version', readers, async (req, res) => {
    const n = parse(versionNumber, req.params.version, 'version');
    res.json(await runtimeOf(ctx).service.version(actorOf(req), param(req, 'id'), n));
  });

  r.get('/reports/:id/attachments', readers, async (req, res) => {
    const { service } = runtimeOf(ctx);
    const report = await service.record(actorOf(req), param(req, 'id'));
    res.json({ items: await service.attachments(report) });
  });

  r.get('/reports/:id/attachments/:attId', readers, async (req, res) => {
    const { service, files } = runtimeOf(ctx);
    const a = await service.attachment(actorOf(req), param(req, 'id'), param(req, 'attId'));
    const file = files.pathOf(a.sha256);
    res.setHeader('Content-Type', a.contentType);
    res.setHeader('Content-Length', String(a.size));
    res.setHeader('Content-Disposition', disposition(a.filename));
    // Evidence is never rendered by the browser as a page of Vigil's origin.
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(a.sha256, 'hex').toString('base64')}:`);
    await new Promise<void>((resolve, reject) => {
      const stream = fs.createReadStream(file);
      stream.on('error', reject);
      res.on('finish', resolve);
      res.on('close', resolve);
      stream.pipe(res);
    });
  });

  r.get('/reports/:id/export', readers, async (req, res) => {
    const { format } = parse(exportQuery, req.query, 'query');
    const { service } = runtimeOf(ctx);
    const actor = actorOf(req);
    const report = await service.record(actor, param(req, 'id'), 'export');
    const agency = await ctx.storage.agencies.get(report.agencyId);
    await service.exported(actor, report, format);
    res.setHeader('Cache-Control', 'private, no-store');
    if (format === 'stix') {
      const bundle = reportToStixBundle(report, agency ?? { id: report.agencyId, name: report.agencyId, code: '', createdAt: report.createdAt });
      res.setHeader('Content-Type', 'application/stix+json;version=2.1');
      res.setHeader('Content-Disposition', disposition(`report-${report.id}.stix.json`));
      res.send(JSON.stringify(bundle, null, 2));
      return;
    }
    const [versions, attachments, history] = await Promise.all([
      service.versions(actor, report.id),
      service.attachments(report),
      service.history(report),
    ]);
    const pdf = await renderReportPdf({
      report,
      agency,
      versions,
      attachments,
      history,
      policy: ctx.config.reports,
      now: Date.now(),
    });
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', disposition(`report-${report.id}.pdf`));
    res.send(pdf);
  });

  return r;
}
