import { Router } from 'express';
import { NotFoundError, ValidationError } from '../../../core/errors/app-error.js';
import { incidentFilterFromQuery, incidentListQuerySchema } from '../../../core/services/incident-list-query.js';
import type { ServerContext } from '../../context.js';
import { agencyScope, currentUser, requireRole } from '../middleware/auth.js';

export function incidentRoutes(ctx: ServerContext): Router {
  const r = Router();
  const readers = requireRole('admin', 'analyst', 'agency_admin', 'leadership');

  // Filters: core/services/incident-list-query.ts (status, severity, agencyId, from, to, q, category, assignee with
  // `me` and `none`, and the host / user / ip pivots).
  r.get('/incidents', readers, async (req, res) => {
    const parsed = incidentListQuerySchema.safeParse(req.query);
    if (!parsed.success) throw new ValidationError('invalid query', parsed.error.issues);
    const q = parsed.data;
    const user = currentUser(req);
    const scope = agencyScope(user);
    let agencyIds: string[] | undefined = q.agencyId ? [q.agencyId] : undefined;
    // An agency admin asking for another agency gets an empty page, not a hint that it exists.
    if (scope) agencyIds = agencyIds ? agencyIds.filter((id) => scope.includes(id)) : scope;
    if (agencyIds && agencyIds.length === 0) {
      res.json({ items: [], total: 0, nextCursor: null });
      return;
    }
    const filter = await incidentFilterFromQuery(q, {
      me: user.username,
      canonicalUsername: async (name) => (await ctx.storage.users.findByUsername(name))?.username ?? name,
    });
    if (agencyIds) filter.agencyIds = agencyIds;
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
