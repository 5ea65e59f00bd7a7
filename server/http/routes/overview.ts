import { Router } from 'express';
import { readLiveMetrics } from '../../../core/metrics/live-metrics.js';
import { createOverviewService } from '../../../core/services/overview.js';
import type { ServerContext } from '../../context.js';
import { agencyScope, currentUser, requireRole } from '../middleware/auth.js';

/** The overview dashboard: national for the centre and leadership, one agency's for an agency admin. */
export function overviewRoutes(ctx: ServerContext): Router {
  const r = Router();
  const overview = createOverviewService({
    storage: ctx.storage,
    metrics: (agencyId, now) => readLiveMetrics(ctx.redis, { agencyId, now }),
    rules: ctx.rules,
    defaultSilenceMinutes: ctx.config.agentSilenceMinutes,
  });

  r.get('/overview', requireRole('admin', 'analyst', 'leadership', 'agency_admin'), async (req, res) => {
    const scope = agencyScope(currentUser(req));
    res.setHeader('Cache-Control', 'no-store');
    res.json(await overview.compute(scope ? scope[0]! : null));
  });

  return r;
}
