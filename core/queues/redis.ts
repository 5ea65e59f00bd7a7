import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging/logger.js';

/**
 * BullMQ workers need `maxRetriesPerRequest: null` (blocking commands must not time out); producers use the same
 * settings so one code path creates every connection. Connection errors are logged, at most one line per 10 s per
 * connection: ioredis reconnects by itself, and an unhandled 'error' event would otherwise flood stderr.
 */
export function createRedis(url: string, logger?: Logger, extra: RedisOptions = {}): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra });
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    logger?.warn({ err: err.message }, 'redis connection error; retrying');
  });
  return client;
}
