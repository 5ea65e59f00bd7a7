import { Emitter } from '@socket.io/redis-emitter';
import { Worker } from 'bullmq';
import type { Config } from '../core/config/config.js';
import type { LiveRuleset } from '../core/detection/live-ruleset.js';
import type { Logger } from '../core/logging/logger.js';
import { CONSOLE_NAMESPACE, roomsForIncident, type ConsoleServerEvents } from '../core/queues/console-events.js';
import { EVENTS_QUEUE, type EventBatchJob } from '../core/queues/events-queue.js';
import { createRedis } from '../core/queues/redis.js';
import { RULE_HITS_KEY } from '../core/services/detection-sync.js';
import { addCount } from '../core/metrics/live-metrics.js';
import { recordArrivals, type Arrival } from '../core/services/absence-monitor.js';
import type { AbsenceRule } from '../core/detection/absence.js';
import { createCorrelationEngine, type CorrelationEngine, type CorrelationRule } from '../core/detection/correlation/index.js';
import type { Storage } from '../core/storage/storage.port.js';
import { createBatchProcessor, createCorrelationSweeper, type BatchResult } from './pipeline.js';

export interface WorkerRuntime {
  worker: Worker<EventBatchJob, BatchResult>;
  /** Closes the correlation windows decided at their end now, as the schedule does (tests call it directly). */
  sweep(): Promise<void>;
  /** Stops taking jobs, lets the running ones finish, then disconnects. */
  close(): Promise<void>;
}

/** The detection workers: BullMQ consumer → pipeline → storage → Socket.io emitter. Never imports the server. */
export function startWorkers(deps: {
  config: Pick<Config, 'workerConcurrency' | 'suppressionMs' | 'correlationSweepMs'>;
  redisUrl: string;
  storage: Storage;
  ruleset: LiveRuleset;
  logger: Logger;
}): WorkerRuntime {
  const log = deps.logger.child({ component: 'worker' });
  const emitterRedis = createRedis(deps.redisUrl, log);
  const workerConnection = createRedis(deps.redisUrl, log);
  // Correlation windows live in Redis; the engine keeps no state of its own, so it is rebuilt whenever the
  // correlation rules are reloaded.
  const correlationRedis = createRedis(deps.redisUrl, log);
  let correlation: { rules: readonly CorrelationRule[]; engine: CorrelationEngine } | null = null;
  let absenceView: { rules: readonly AbsenceRule[]; expectedBy: Map<string, string[]>; silenced: Set<string> } | null = null;
  const currentAbsence = () => {
    const rules = deps.ruleset.absence();
    if (!rules.length) return null;
    if (absenceView?.rules !== rules) {
      const expectedBy = new Map<string, string[]>();
      for (const a of rules) expectedBy.set(a.expectRuleId, [...(expectedBy.get(a.expectRuleId) ?? []), a.id]);
      absenceView = { rules, expectedBy, silenced: new Set(rules.filter((a) => !a.generate).map((a) => a.expectRuleId)) };
    }
    return { ...absenceView, record: (arrivals: Arrival[]) => recordArrivals(correlationRedis, arrivals) };
  };
  const currentCorrelation = () => {
    const rules = deps.ruleset.correlations();
    if (!rules.length) return null;
    if (correlation?.rules !== rules) correlation = { rules, engine: createCorrelationEngine({ redis: correlationRedis, rules }) };
    return { engine: correlation.engine, silenced: deps.ruleset.silenced() };
  };
  const emitter = new Emitter<ConsoleServerEvents>(emitterRedis).of(CONSOLE_NAMESPACE);
  const processBatch = createBatchProcessor({
    storage: deps.storage,
    matcher: () => deps.ruleset.engine(),
    normalizer: () => deps.ruleset.normalizer(),
    yara: () => deps.ruleset.yara(),
    settings: () => deps.ruleset.settings(),
    correlation: currentCorrelation,
    absence: currentAbsence,
    publish: (kind, incident) => {
      emitter.to(roomsForIncident(incident)).emit(kind === 'new' ? 'incident:new' : 'incident:updated', incident);
    },
    suppressionMs: deps.config.suppressionMs,
    logger: log,
  });

  // Windows with an upper bound are decided when they end, whether or not another event arrives: sweep on a clock.
  const sweep = createCorrelationSweeper({
    storage: deps.storage,
    correlation: currentCorrelation,
    settings: () => deps.ruleset.settings(),
    publish: (kind, incident) => {
      emitter.to(roomsForIncident(incident)).emit(kind === 'new' ? 'incident:new' : 'incident:updated', incident);
    },
    suppressionMs: deps.config.suppressionMs,
  });
  let sweeping: Promise<void> | null = null;
  const runSweep = () => {
    if (sweeping) return sweeping;
    sweeping = sweep()
      .then(async (r) => {
        if (r.alerts === 0) return;
        const tx = emitterRedis.multi();
        for (const [agencyId, n] of r.byAgency) addCount(tx, 'alerts', agencyId, n, Date.now());
        await tx.exec();
        log.info({ firings: r.firings, alerts: r.alerts }, 'correlation windows closed');
      })
      .catch((err) => log.error({ err }, 'correlation sweep failed'))
      .finally(() => {
        sweeping = null;
      });
    return sweeping;
  };
  const sweepTimer = setInterval(() => void runSweep(), deps.config.correlationSweepMs);
  sweepTimer.unref();

  const worker = new Worker<EventBatchJob, BatchResult>(
    EVENTS_QUEUE,
    async (job) => {
      const res = await processBatch(job.id!, job.data);
      const hits = Object.entries(res.ruleHits);
      if (hits.length || res.alerts > 0) {
        const tx = emitterRedis.multi();
        for (const [ruleId, n] of hits) tx.hincrby(RULE_HITS_KEY, ruleId, n);
        // The overview's alert rate (core/metrics/live-metrics.ts): alerts recorded, duplicates of a retry excluded.
        if (res.alerts > 0) addCount(tx, 'alerts', job.data.agencyId, res.alerts, Date.now());
        // A lost counter update is not worth failing (and re-running) the batch for.
        await tx.exec().catch((err) => log.warn({ err }, 'rule hit and alert counters not updated'));
      }
      log.debug({ jobId: job.id, ...res }, 'batch processed');
      return res;
    },
    {
      connection: workerConnection,
      concurrency: deps.config.workerConcurrency,
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  );
  worker.on('failed', (job, err) => log.error({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'batch failed'));
  worker.on('error', (err) => log.error({ err }, 'worker error'));

  return {
    worker,
    sweep: runSweep,
    async close() {
      clearInterval(sweepTimer);
      await worker.close();
      await sweeping;
      workerConnection.disconnect();
      correlationRedis.disconnect();
      emitterRedis.disconnect();
    },
  };
}
