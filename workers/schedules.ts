/**
 * node-cron schedules. For now one: the statistics roll-ups, refreshed every minute (UTC) from the incidents changed
 * since the stored watermark (StatsStore.refresh: incremental and idempotent, so a missed or repeated tick is
 * harmless), and once right after start.
 *
 * With a shared Redis, every process may start the schedule: a node-cron run coordinator (SET NX PX on a key per
 * scheduled slot) lets exactly one of them run each tick. Within one process runs never overlap.
 */
import cron, { type RunCoordinator, type ScheduledTask } from 'node-cron';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logging/logger.js';
import { createRedis } from '../core/queues/redis.js';
import type { StatsRollupResult, Storage } from '../core/storage/storage.port.js';

export const STATS_ROLLUP_CRON = '* * * * *';
export const STATS_ROLLUP_TASK = 'stats-rollup';
const LOCK_PREFIX = 'vigil:cron:';

export interface SchedulesOptions {
  storage: Pick<Storage, 'stats'>;
  logger: Logger;
  /** A Redis shared by every Vigil process: with it, one process runs each tick. Without it, this one always does. */
  redisUrl?: string | null;
  /** node-cron expression for the roll-up refresh (seconds allowed); default every minute. */
  statsCron?: string;
  /** Refresh once right away (default true). */
  runAtStart?: boolean;
}

export interface Schedules {
  /** Runs the roll-up refresh now (joining one already running); null when it failed (logged). */
  refreshStats(): Promise<StatsRollupResult | null>;
  /** Stops the schedule and waits for a running refresh to finish. */
  stop(): Promise<void>;
}

/** A node-cron run coordinator on Redis: the first process to claim a slot runs it. */
export function redisRunCoordinator(redis: Redis): RunCoordinator {
  return {
    async shouldRun(key, ttlMs) {
      return (await redis.set(`${LOCK_PREFIX}${key}`, String(process.pid), 'PX', Math.max(1_000, ttlMs), 'NX')) === 'OK';
    },
  };
}

export function startSchedules(opts: SchedulesOptions): Schedules {
  const log = opts.logger.child({ component: 'schedules' });
  const expression = opts.statsCron ?? STATS_ROLLUP_CRON;
  if (!cron.validate(expression)) throw new Error(`invalid cron expression for the statistics roll-ups: ${expression}`);
  const redis = opts.redisUrl ? createRedis(opts.redisUrl, log) : null;

  let running: Promise<StatsRollupResult | null> | null = null;
  const refreshStats = (): Promise<StatsRollupResult | null> => {
    if (running) return running;
    const started = Date.now();
    running = opts.storage.stats
      .refresh()
      .then((result) => {
        const ms = Date.now() - started;
        if (result.incidents > 0) log.info({ ...result, ms }, 'statistics roll-ups refreshed');
        else log.debug({ ...result, ms }, 'statistics roll-ups up to date');
        return result;
      })
      .catch((err: unknown) => {
        log.error({ err }, 'statistics roll-up refresh failed; the next run retries');
        return null;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  const task: ScheduledTask = cron.schedule(expression, () => refreshStats(), {
    name: STATS_ROLLUP_TASK,
    timezone: 'UTC',
    noOverlap: true,
    ...(redis ? { distributed: true, runCoordinator: redisRunCoordinator(redis) } : {}),
  });
  if (opts.runAtStart ?? true) void refreshStats();

  return {
    refreshStats,
    async stop() {
      await task.destroy();
      await running;
      redis?.disconnect();
    },
  };
}
