import { ConfigError, loadConfig } from '../core/config/config.js';
import { createLiveRuleset } from '../core/detection/live-ruleset.js';
import { createLogger } from '../core/logging/logger.js';
import { createRedis } from '../core/queues/redis.js';
import { startDetectionSync } from '../core/services/detection-sync.js';
import { createStorage } from '../core/storage/create-storage.js';
import { startWorkers } from './runtime.js';

/**
 * A worker-only process for scale-out: it shares Redis and the database with the servers, so it needs REDIS_URL.
 * (`npm start` with the default role runs the workers inside the one process instead.)
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ ...process.env, VIGIL_ROLE: 'worker' });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (!config.redisUrl) {
    process.stderr.write('A worker-only process needs REDIS_URL: the Redis server its servers use.\n');
    process.exit(2);
  }
  const logger = createLogger(config.logLevel, { role: 'worker' });
  const storage = createStorage({ mongodbUri: config.mongodbUri, dataDir: config.dataDir });
  await storage.connect();
  const ruleset = await createLiveRuleset({
    dir: config.rulesDir,
    logger: logger.child({ component: 'rules' }),
    settingsSource: storage,
  });
  const syncPublisher = createRedis(config.redisUrl, logger);
  const detectionSync = startDetectionSync({
    subscriber: createRedis(config.redisUrl, logger),
    publisher: syncPublisher,
    ruleset,
    logger: logger.child({ component: 'detection-sync' }),
  });
  const workers = startWorkers({ config, redisUrl: config.redisUrl, storage, ruleset, logger });
  logger.info('worker ready');

  const stop = async () => {
    // A worker whose Redis is gone cannot hand back its jobs; they are retried after the stall interval anyway.
    setTimeout(() => process.exit(1), 15_000).unref();
    await workers.close();
    detectionSync.close();
    syncPublisher.disconnect();
    ruleset.close();
    await storage.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

void main();
