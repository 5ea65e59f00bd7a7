import type { ErrorRequestHandler } from 'express';
import { AppError, BackpressureError } from '../../../core/errors/app-error.js';
import type { Logger } from '../../../core/logging/logger.js';

/** The only place that turns errors into HTTP answers: `{ requestId, code, message, details }`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const requestId = req.id;
    if (err instanceof AppError) {
      if (err instanceof BackpressureError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      if (err.status >= 500) logger.error({ err, requestId }, err.message);
      res.status(err.status).json({
        requestId,
        code: err.code,
        message: err.isPublic ? err.message : 'internal error',
        details: err.isPublic ? err.details : undefined,
      });
      return;
    }
    // body-parser errors carry a `type` and a 4xx status.
    const e = err as { type?: string; status?: number; limit?: number; message?: string };
    if (e.type === 'entity.too.large') {
      res.status(413).json({ requestId, code: 'payload_too_large', message: `body exceeds ${e.limit} bytes` });
      return;
    }
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ requestId, code: 'validation_error', message: 'body is not valid JSON' });
      return;
    }
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ requestId, code: 'bad_request', message: e.message ?? 'bad request' });
      return;
    }
    logger.error({ err, requestId }, 'unhandled error');
    res.status(500).json({ requestId, code: 'internal', message: 'internal error' });
  };
}
