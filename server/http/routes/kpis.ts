import { Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../../../core/errors/app-error.js';
import { createKpiService } from '../../../core/services/kpi.js';
import type { ServerContext } from '../../context.js';
import { requireRole } from '../middleware/auth.js';

const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

const kpiQuery = z
  .object({
    from: isoTime.optional(),
    to: isoTime.optional(),
    agencyId: z.string().min(1).max(128).optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

/** Response-time KPIs (core/services/kpi.ts) over incidents created in an optional window. */
export function kpiRoutes(ctx: ServerContext): Router {
  const r = Router();
  const kpis = createKpiService({ storage: ctx.storage });

  r.get('/kpis', requireRole('admin', 'analyst', 'leadership'), async (req, res) => {
    const parsed = kpiQuery.safeParse(req.query);
    if (!parsed.success) throw new ValidationError('invalid query', parsed.error.issues);
    const { from, to, agencyId } = parsed.data;
    res.json(
      await kpis.compute({
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        ...(agencyId ? { agencyIds: [agencyId] } : {}),
      }),
    );
  });

  return r;
}
