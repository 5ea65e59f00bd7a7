import { Router } from 'express';
import { z } from 'zod';
import { INCIDENT_STATUSES, SEVERITIES } from '../../../core/domain/types.js';
import { NotFoundError, ValidationError } from '../../../core/errors/app-error.js';
import type { IncidentFilter } from '../../../core/storage/storage.port.js';
import type { ServerContext } from '../../context.js';
import { agencyScope, currentUser, requireRole } from '../middleware/auth.js';

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

const listQuery = z.object({
  status: csv(INCIDENT_STATUSES).optional(),
  severity: csv(SEVERITIES).optional(),
  agencyId: z.string().min(1).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  q: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});

export function incidentRoutes(ctx: ServerContext): Router {
  const r = Router();
  const readers = requireRole('admin', 'analyst', 'agency_admin', 'leadership');

  r.get('/incidents', readers, async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) throw new ValidationError('invalid query', parsed.error.issues);
    const q = parsed.data;
    const scope = agencyScope(currentUser(req));
    let agencyIds: string[] | undefined = q.agencyId ? [q.agencyId] : undefined;
    // An agency admin asking for another agency gets an empty page, not a hint that it exists.
    if (scope) agencyIds = agencyIds ? agencyIds.filter((id) => scope.includes(id)) : scope;
    const filter: IncidentFilter = {
      ...(q.status ? { status: q.status } : {}),
      ...(q.severity ? { severity: q.severity } : {}),
      ...(agencyIds ? { agencyIds } : {}),
      ...(q.from ? { from: new Date(q.from).toISOString() } : {}),
      ...(q.to ? { to: new Date(q.to).toISOString() } : {}),
      ...(q.q ? { q: q.q } : {}),
    };
    if (agencyIds && agencyIds.length === 0) {
      res.json({ items: [], total: 0, nextCursor: null });
      return;
    }
    const page = await ctx.storage.incidents.list(filter, { limit: q.limit, cursor: q.cursor ?? null });
    res.json(page);
  });

  r.get('/incidents/:id', readers, async (req, res) => {
    const incident = await ctx.storage.incidents.get(String(req.params.id));
    const scope = agencyScope(currentUser(req));
    // Another agency's incident is reported as missing, exactly like one that does not exist.
    if (!incident || (scope && !scope.includes(incident.agencyId))) throw new NotFoundError('incident');
    const [alerts, timeline] = await Promise.all([
      ctx.storage.incidents.alerts(incident.id),
      ctx.storage.incidents.timeline(incident.id),
    ]);
    const catalog = ctx.rules();
    const rules: Record<string, unknown> = {};
    for (const id of incident.ruleIds) {
      const rule = catalog.get(id);
      if (rule) {
        rules[id] = {
          id: rule.id,
          title: rule.title,
          description: rule.description,
          author: rule.author,
          references: rule.references,
          falsepositives: rule.falsepositives,
          level: rule.level,
          tags: rule.tags,
          file: rule.file,
        };
      }
    }
    res.json({ incident, alerts, timeline, rules });
  });
  return r;
}
