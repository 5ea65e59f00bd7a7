import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import type { Agent } from '../../../core/domain/types.js';
import { BackpressureError } from '../../../core/errors/app-error.js';
import { countEventsAsync } from '../../../core/metrics/live-metrics.js';
import { EVENTS_JOB, batchJobId, type EventBatchJob } from '../../../core/queues/events-queue.js';
import { parseEventBatch } from '../../../core/services/ingest-parser.js';
import type { ServerContext } from '../../context.js';
import { queueGauge } from '../queue-gauge.js';

/** `POST /api/v1/events`: agent batches in, one BullMQ job per batch out. */
export function eventRoutes(ctx: ServerContext): Router {
  const r = Router();
  const gauge = queueGauge(ctx.queue, ctx.config.ingest.queueHighWater);
  // Read the raw body ourselves: JSON or NDJSON, and a 413 that names our limit.
  const rawBody = express.raw({ type: () => true, limit: ctx.config.ingest.maxBytes });

  // Agents with nothing to send still say they are alive; any event batch counts as a heartbeat too.
  r.post('/heartbeat', async (req, res) => {
    await ctx.agents.authenticate(req.header('authorization'));
    res.status(204).end();
  });

  r.post(
    '/events',
    // Key and queue checks come before the body is read, so a rejected client does not cost a 5 MB upload.
    async (req, res, next) => {
      res.locals.agent = await ctx.agents.authenticate(req.header('authorization'));
      const state = await gauge.state();
      if (state === 'unavailable') throw new BackpressureError(503, 'event queue unavailable', 10);
      if (state === 'full') throw new BackpressureError(429, 'event queue is over its high-water mark', 5);
      next();
    },
    rawBody,
    async (req, res) => {
      const agent = res.locals.agent as Agent;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const now = new Date().toISOString();
      const parsed = parseEventBatch(
        body,
        {
          contentType: req.header('content-type'),
          headerBatchId: req.header('x-batch-id') ?? null,
          agentId: agent.id,
          agencyId: agent.agencyId,
          now,
        },
        ctx.config.ingest,
      );
      let jobId: string | null = null;
      if (parsed.accepted.length > 0) {
        const batchId = parsed.batchId ?? randomUUID();
        jobId = batchJobId(agent.id, batchId);
        const job: EventBatchJob = { agentId: agent.id, agencyId: agent.agencyId, batchId, receivedAt: now, events: parsed.accepted };
        try {
          // Same agent + batchId → same job id: BullMQ ignores the second add while the job is kept.
          await ctx.queue.add(EVENTS_JOB, job, { jobId });
        } catch (err) {
          ctx.logger.error({ err, requestId: req.id }, 'queue add failed');
          throw new BackpressureError(503, 'event queue unavailable', 10);
        }
        // The overview's event rate: not awaited, so the answer does not wait for it.
        countEventsAsync(ctx.redis, agent.agencyId, parsed.accepted.length, ctx.logger);
      }
      res.status(202).json({
        accepted: parsed.accepted.length,
        rejected: parsed.rejected,
        batchId: parsed.batchId,
        jobId,
      });
    },
  );
  return r;
}
