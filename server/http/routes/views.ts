import { Router } from 'express';
import { createSavedViewService, publicView } from '../../../core/services/saved-views.js';
import type { ServerContext } from '../../context.js';
import { currentUser, requireRole } from '../middleware/auth.js';

/** Saved incident-list views (core/services/saved-views.ts): every role keeps its own and sees shared ones. */
export function viewRoutes(ctx: ServerContext): Router {
  const r = Router();
  const views = createSavedViewService({ storage: ctx.storage });
  const anyone = requireRole('admin', 'analyst', 'agency_admin', 'leadership');

  r.get('/views', anyone, async (req, res) => {
    res.json({ items: (await views.list(currentUser(req))).map(publicView) });
  });

  r.post('/views', anyone, async (req, res) => {
    res.status(201).json(publicView(await views.create(currentUser(req), req.body)));
  });

  r.patch('/views/:id', anyone, async (req, res) => {
    res.json(publicView(await views.update(currentUser(req), String(req.params.id), req.body)));
  });

  r.delete('/views/:id', anyone, async (req, res) => {
    await views.remove(currentUser(req), String(req.params.id));
    res.status(204).end();
  });

  return r;
}
