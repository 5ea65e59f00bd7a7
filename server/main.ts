import { ConfigError, loadConfig } from '../core/config/config.js';
import { createLogger } from '../core/logging/logger.js';
import { RedisNotInstalledError } from '../workers/redis-launcher.js';
import { startVigil } from './vigil.js';

/** `npm start`: Vigil in the role VIGIL_ROLE names (default: everything in one process). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const started = Date.now();
  let vigil;
  try {
    vigil = await startVigil(config, logger);
  } catch (err) {
    if (err instanceof RedisNotInstalledError) {
      process.stderr.write(`\n${err.message}\n\n`);
      process.exit(3);
    }
    logger.fatal({ err }, 'Vigil failed to start');
    process.exit(1);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Running batches get time to finish; past that, BullMQ hands them to another worker as stalled jobs.
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000).unref();
    await vigil.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const lines = [`Vigil is ready in ${Date.now() - started} ms (role: ${config.role}, storage: ${vigil.storage.kind})`];
  if (vigil.url) lines.push(`  Console:  ${vigil.url}`);
  if (vigil.generatedAdminPassword) {
    lines.push(`  First admin login (shown once): admin / ${vigil.generatedAdminPassword}`);
  } else if (config.adminPassword) {
    lines.push('  First admin login: admin / the VIGIL_ADMIN_PASSWORD you set');
  }
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
}

void main();
