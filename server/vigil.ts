import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { Config } from '../core/config/config.js';
import { createLiveRuleset, type LiveRuleset } from '../core/detection/live-ruleset.js';
import type { Logger } from '../core/logging/logger.js';
import { EVENTS_QUEUE, type EventBatchJob } from '../core/queues/events-queue.js';
import { createRedis } from '../core/queues/redis.js';
import { createAgentService } from '../core/services/agent-service.js';
import { startDetectionSync } from '../core/services/detection-sync.js';
import { createSessionStore } from '../core/services/sessions.js';
import { createUserService } from '../core/services/user-service.js';
import { createStorage } from '../core/storage/create-storage.js';
import type { Storage } from '../core/storage/storage.port.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../workers/redis-launcher.js';
import { startReportDeadlineJob, type ReportDeadlineJob } from '../workers/report-deadlines.js';
import cron from 'node-cron';
import { createAgentHealthService, type AgentHealthService } from '../core/services/agent-health.js';
import { createAbsenceMonitor, type AbsenceMonitor } from '../core/services/absence-monitor.js';
import { redisRunCoordinator, startSchedules } from '../workers/schedules.js';
import { startWorkers, type WorkerRuntime } from '../workers/runtime.js';
import type { ServerContext } from './context.js';
import { createApp } from './http/app.js';
import { makeDrainable } from './http/draining.js';
import { attachConsoleSocket } from './realtime/console-namespace.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the built console lives, whether this file runs from source or from dist/. */
export function defaultWebDir(): string {
  const fromSource = path.join(repoRoot, 'dist', 'web');
  return path.basename(repoRoot) === 'dist' ? path.join(repoRoot, 'web') : fromSource;
}

export interface VigilHandle {
  url: string;
  port: number;
  redisUrl: string;
  storage: Storage;
  ruleset: LiveRuleset;
  /** Set when this process created the first admin with a generated password (to print once). */
  generatedAdminPassword: string | null;
  workers: WorkerRuntime | null;
  /** The report deadline schedule; tests call runOnce() instead of waiting a minute. */
  reportDeadlines: ReportDeadlineJob | null;
  /** Agent silence checks (server roles); tests call check(now) instead of waiting for the schedule. */
  agentHealth: AgentHealthService | null;
  /** Absence-rule checks (server roles), like agentHealth. */
  absence: AbsenceMonitor | null;
  close(): Promise<void>;
}

/**
 * Starts Vigil in the configured role: Redis (own or given), storage, rules, then the HTTP server with the console
 * and/or the detection workers. Shutdown runs in reverse so no accepted batch is dropped: HTTP stops taking
 * events first, workers finish their running batches, then queues, storage and Redis close.
 */
export async function startVigil(config: Readonly<Config>, logger: Logger, opts: { webDir?: string | null } = {}): Promise<VigilHandle> {
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        logger.error({ err }, 'error during shutdown');
      }
    }
  };
  try {
    let embedded: EmbeddedRedis | null = null;
    let redisUrl = config.redisUrl;
    if (!redisUrl) {
      embedded = await startEmbeddedRedis({
        dir: path.join(config.dataDir, 'redis'),
        bin: config.redisServerBin,
        logger: logger.child({ component: 'redis' }),
      });
      closers.push(() => embedded!.stop());
      redisUrl = embedded.url;
    }

    const storage = createStorage({ mongodbUri: config.mongodbUri, dataDir: config.dataDir });
    await storage.connect();
    closers.push(() => storage.close());

    const ruleset = await createLiveRuleset({
      dir: config.rulesDir,
      logger: logger.child({ component: 'rules' }),
      settingsSource: storage,
    });
    closers.push(async () => ruleset.close());
    const syncPublisher = createRedis(redisUrl, logger);
    const detectionSync = startDetectionSync({
      subscriber: createRedis(redisUrl, logger),
      publisher: syncPublisher,
      ruleset,
      logger: logger.child({ component: 'detection-sync' }),
    });
    closers.push(async () => {
      detectionSync.close();
      syncPublisher.disconnect();
    });

    let workers: WorkerRuntime | null = null;
    if (config.role !== 'server') {
      workers = startWorkers({ config, redisUrl, storage, ruleset, logger });
      closers.push(() => workers!.close());
    }

    // Report deadline checks (node-cron): in every role, since `npm run worker` processes do not start them. Any
    // number of processes may run them: each warning is recorded once, and only its recorder sends it.
    const reportDeadlines: ReportDeadlineJob = startReportDeadlineJob({ config, redisUrl, storage, logger });
    closers.push(() => reportDeadlines.close());

    // Statistics roll-ups (node-cron): in every role, since `npm run worker` processes do not start them; the Redis
    // run coordinator lets one process run each tick.
    const schedules = startSchedules({ storage, logger, redisUrl });
    closers.push(() => schedules.stop());

    let url = '';
    let port = 0;
    let generatedAdminPassword: string | null = null;
    let agentHealthHandle: AgentHealthService | null = null;
    let absenceHandle: AbsenceMonitor | null = null;
    if (config.role !== 'worker') {
      const redis = createRedis(redisUrl, logger);
      closers.push(async () => redis.disconnect());
      // BullMQ does not close a connection it was handed, so this one is closed after the queue.
      const queueConnection = createRedis(redisUrl, logger);
      closers.push(async () => queueConnection.disconnect());
      const queue = new Queue<EventBatchJob>(EVENTS_QUEUE, {
        connection: queueConnection,
        defaultJobOptions: {
          attempts: 8,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 3600, count: 10_000 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      });
      queue.on('error', (err) => logger.warn({ err: err.message }, 'event queue error'));
      closers.push(() => queue.close());
      const users = createUserService({ storage });
      const first = await users.ensureFirstAdmin(config.adminPassword);
      generatedAdminPassword = first.generatedPassword;
      // Set once Socket.io is attached below; routes only publish while serving requests, after that.
      let publishIncident: ServerContext['publishIncident'] = () => undefined;
      const agentHealth = createAgentHealthService({
        storage,
        defaultSilenceMinutes: config.agentSilenceMinutes,
        publish: (kind, incident) => publishIncident(kind, incident),
        logger: logger.child({ component: 'agent-health' }),
      });
      agentHealthHandle = agentHealth;
      const ctx: ServerContext = {
        config,
        logger,
        storage,
        redis,
        queue,
        sessions: createSessionStore(redis, config.sessionTtlMs),
        users,
        agents: createAgentService({ storage }),
        rules: () => ruleset.rules(),
        ruleset,
        detectionSync,
        publishIncident: (kind, incident) => publishIncident(kind, incident),
        agentHealth,
        webDir: opts.webDir === undefined ? defaultWebDir() : opts.webDir,
      };
      const httpServer = http.createServer(createApp(ctx));
      const realtime = attachConsoleSocket({ httpServer, redis, sessions: ctx.sessions, logger });
      publishIncident = realtime.publishIncident;
      // Agent silence (node-cron, every minute): one server runs each tick, coordinated through Redis.
      const absenceMonitor = createAbsenceMonitor({
        redis,
        storage,
        rules: () => ruleset.absence(),
        publish: (kind, incident) => publishIncident(kind, incident),
        logger: logger.child({ component: 'absence' }),
      });
      absenceHandle = absenceMonitor;
      const healthTask = cron.schedule('* * * * *', async () => {
        await agentHealth.check();
        await absenceMonitor.check();
      }, {
        name: 'agent-health',
        timezone: 'UTC',
        noOverlap: true,
        distributed: true,
        runCoordinator: redisRunCoordinator(redis),
      });
      closers.push(async () => {
        await healthTask.stop();
      });
      const drain = makeDrainable(httpServer);
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
      // Closing Socket.io also closes the HTTP server: new events stop here, before the workers drain.
      closers.push(() => {
        drain.startDraining();
        return realtime.close();
      });
      const addr = httpServer.address();
      port = typeof addr === 'object' && addr ? addr.port : config.port;
      const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      url = `http://${shownHost}:${port}`;
    }

    return {
      url,
      port,
      redisUrl,
      storage,
      ruleset,
      generatedAdminPassword,
      workers,
      reportDeadlines,
      agentHealth: agentHealthHandle,
      absence: absenceHandle,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
