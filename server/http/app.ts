import fs from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { NotFoundError } from '../../core/errors/app-error.js';
import type { ServerContext } from '../context.js';
import { errorHandler } from './middleware/error-handler.js';
import { loadSession } from './middleware/auth.js';
import { requestId } from './middleware/request-id.js';
import { adminRoutes } from './routes/admin.js';
import { authRoutes } from './routes/auth.js';
import { eventRoutes } from './routes/events.js';
import { incidentActionRoutes } from './routes/incident-actions.js';
import { incidentRoutes } from './routes/incidents.js';
import { reportRoutes, reportUploadRoutes } from './routes/reports.js';
import { kpiRoutes } from './routes/kpis.js';
import { overviewRoutes } from './routes/overview.js';
import { ruleRoutes } from './routes/rules.js';
import { statsRoutes } from './routes/stats.js';
import { viewRoutes } from './routes/views.js';

export function createApp(ctx: ServerContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestId);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });

  const api = express.Router();
  // Ingest reads its own raw body (JSON or NDJSON, its own size limit), so it is mounted before the JSON parser.
  api.use(eventRoutes(ctx));
  // Evidence uploads are raw file bodies with their own size limit (ATTACHMENT_MAX_BYTES).
  api.use(reportUploadRoutes(ctx));
  api.use(express.json({ limit: '1mb' }));

  api.get('/health', async (_req, res) => {
    const [redis, storage] = await Promise.all([
      ctx.redis.ping().then((p) => p === 'PONG').catch(() => false),
      ctx.storage.ping(),
    ]);
    const status = redis && storage ? 'ok' : 'degraded';
    res.status(status === 'ok' ? 200 : 503).json({ status, redis, storage });
  });

  api.use(loadSession(ctx.sessions));
  api.use('/auth', authRoutes(ctx));
  api.use(adminRoutes(ctx));
  api.use(incidentRoutes(ctx));
  api.use(reportRoutes(ctx));
  api.use(incidentActionRoutes(ctx));
  api.use(kpiRoutes(ctx));
  api.use(ruleRoutes(ctx));
  api.use(statsRoutes(ctx));
  api.use(viewRoutes(ctx));
  api.use(overviewRoutes(ctx));
  api.use(() => {
    throw new NotFoundError('route');
  });
  app.use('/api/v1', api);

  if (ctx.webDir && fs.existsSync(path.join(ctx.webDir, 'index.html'))) {
    const webDir = ctx.webDir;
    app.use(express.static(webDir, { index: false, maxAge: '1h' }));
    // The console routes on the client: every other GET gets the app shell.
    app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(path.join(webDir, 'index.html'));
    });
  }

  app.use(errorHandler(ctx.logger.child({ component: 'http' })));
  return app;
}
