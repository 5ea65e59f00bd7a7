import { Router } from 'express';
import { z } from 'zod';
import { SEVERITIES } from '../../../core/domain/types.js';
import { ENISA_CLASSES } from '../../../core/detection/taxonomy.js';
import { ValidationError } from '../../../core/errors/app-error.js';
import { createIncidentService, type BulkAction } from '../../../core/services/incident-service.js';
import type { AuditFilter } from '../../../core/storage/storage.port.js';
import type { ServerContext } from '../../context.js';
import { currentUser, requireRole } from '../middleware/auth.js';

const LIST_MAX = 100;
const text = (max: number) => z.string().trim().min(1).max(max);
const list = <T extends z.ZodType<string>>(item: T) => z.array(item).max(LIST_MAX);
const lower = (s: string) => s.toLowerCase();
const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

const entitiesSchema = z
  .object({
    hosts: list(text(255)),
    users: list(text(255)),
    ips: list(z.union([z.ipv4(), z.ipv6()])),
    hashes: list(
      z
        .string()
        .trim()
        .regex(/^(?:[a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64})$/i, 'an MD5, SHA-1 or SHA-256 hex digest')
        .transform(lower),
    ),
    domains: list(
      z
        .string()
        .trim()
        .max(253)
        .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i, 'a domain name')
        .transform(lower),
    ),
  })
  .partial()
  .strict();

const CHANGE_FIELDS = ['status', 'assignee', 'severity', 'category', 'type', 'techniques', 'entities'] as const;

const patchSchema = z
  .object({
    status: text(40).optional(),
    assignee: text(64).nullable().optional(),
    severity: z.enum(SEVERITIES).optional(),
    category: z.enum(ENISA_CLASSES).optional(),
    type: text(64).nullable().optional(),
    techniques: list(
      z
        .string()
        .trim()
        .regex(/^T\d{4}(?:\.\d{3})?$/i, 'an ATT&CK technique id such as T1059 or T1059.001')
        .transform((s) => s.toUpperCase()),
    ).optional(),
    entities: entitiesSchema.optional(),
    /** The revision the caller saw: 409 when the incident has moved on. */
    revision: z.number().int().min(0).optional(),
    /** The updatedAt the caller saw: 409 when the incident changed after it. */
    ifUnmodifiedSince: isoTime.optional(),
  })
  .strict()
  .refine((b) => CHANGE_FIELDS.some((k) => b[k] !== undefined), { message: `give at least one of ${CHANGE_FIELDS.join(', ')}` });

const commentSchema = z.object({ body: z.string().trim().min(1).max(10_000) }).strict();
const mergeSchema = z
  .object({ intoId: text(128), revision: z.number().int().min(0).optional(), ifUnmodifiedSince: isoTime.optional() })
  .strict();
const linkSchema = z.object({ otherId: text(128) }).strict();

const bulkSchema = z
  .object({
    ids: z.array(text(128)).min(1).max(500),
    action: z.enum(['assign', 'status', 'false_positive']),
    assignee: text(64).nullable().optional(),
    status: text(40).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.action === 'assign' && b.assignee === undefined) {
      ctx.addIssue({ code: 'custom', path: ['assignee'], message: 'assign needs an assignee (a username, or null)' });
    }
    if (b.action === 'status' && b.status === undefined) {
      ctx.addIssue({ code: 'custom', path: ['status'], message: 'status needs a status' });
    }
  });

const auditQuery = z
  .object({
    target: text(200).optional(),
    targetType: text(64).optional(),
    actor: text(64).optional(),
    action: text(100).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new ValidationError(`invalid ${what}`, parsed.error.issues);
  return parsed.data;
}

/**
 * What people do to incidents: PATCH (status through the transition table, assignee, severity, ENISA category and
 * type, techniques, entities), comments, merge, links, bulk actions, the timeline; admin-defined statuses; the
 * audit log. Roles are checked here for the HTTP answer (401/403) and again in the service.
 */
export function incidentActionRoutes(ctx: ServerContext): Router {
  const r = Router();
  const service = createIncidentService({ storage: ctx.storage, publish: ctx.publishIncident });
  const readers = requireRole('admin', 'analyst', 'agency_admin', 'leadership');
  const commenters = requireRole('admin', 'analyst', 'agency_admin');
  const editors = requireRole('admin', 'analyst');
  const admins = requireRole('admin');
  const id = (req: { params: Record<string, unknown> }) => String(req.params.id);

  // Before /incidents/:id, so "bulk" is never taken for an id.
  r.post('/incidents/bulk', editors, async (req, res) => {
    const body = parse(bulkSchema, req.body, 'bulk action');
    const action: BulkAction =
      body.action === 'assign'
        ? { action: 'assign', assignee: body.assignee ?? null }
        : body.action === 'status'
          ? { action: 'status', status: body.status! }
          : { action: 'false_positive' };
    res.json({ results: await service.bulk(currentUser(req), [...new Set(body.ids)], action) });
  });

  r.patch('/incidents/:id', editors, async (req, res) => {
    const body = parse(patchSchema, req.body, 'incident change');
    res.json(await service.update(currentUser(req), id(req), body));
  });

  r.get('/incidents/:id/timeline', readers, async (req, res) => {
    res.json({ items: await service.timeline(currentUser(req), id(req)) });
  });

  r.get('/incidents/:id/comments', readers, async (req, res) => {
    res.json({ items: await service.comments(currentUser(req), id(req)) });
  });

  r.post('/incidents/:id/comments', commenters, async (req, res) => {
    const { body } = parse(commentSchema, req.body, 'comment');
    res.status(201).json(await service.comment(currentUser(req), id(req), body));
  });

  r.post('/incidents/:id/merge', editors, async (req, res) => {
    const body = parse(mergeSchema, req.body, 'merge');
    const opts = {
      ...(body.revision !== undefined ? { revision: body.revision } : {}),
      ...(body.ifUnmodifiedSince !== undefined ? { ifUnmodifiedSince: body.ifUnmodifiedSince } : {}),
    };
    res.json(await service.merge(currentUser(req), id(req), body.intoId, opts));
  });

  r.get('/incidents/:id/links', readers, async (req, res) => {
    res.json({ items: await service.links(currentUser(req), id(req)) });
  });

  r.post('/incidents/:id/links', editors, async (req, res) => {
    const { otherId } = parse(linkSchema, req.body, 'link');
    res.json(await service.link(currentUser(req), id(req), otherId, true));
  });

  r.delete('/incidents/:id/links/:otherId', editors, async (req, res) => {
    res.json(await service.link(currentUser(req), id(req), String(req.params.otherId), false));
  });

  r.get('/incident-statuses', readers, async (_req, res) => {
    res.json(await service.statuses());
  });

  r.post('/incident-statuses', admins, async (req, res) => {
    res.status(201).json(await service.createStatus(currentUser(req), req.body));
  });

  r.get('/audit', admins, async (req, res) => {
    const q = parse(auditQuery, req.query, 'query');
    const { limit, ...rest } = q;
    const filter: AuditFilter = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    res.json({ items: await service.audit(currentUser(req), filter, limit) });
  });

  return r;
}
