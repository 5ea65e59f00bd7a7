/**
 * `npm run stats:rebuild [-- --data-dir ./data]`: recomputes every statistics roll-up from the incidents, in the
 * storage the environment selects (MONGODB_URI, else SQLite under DATA_DIR), read with loadConfig like `npm start`.
 * Safe while Vigil runs: SQLite rebuilds in one transaction; on MongoDB the rebuild takes the roll-up lease. The
 * every-minute refresh keeps the roll-ups current afterwards; a rebuild is for first use on an existing database,
 * after restoring a backup, or after changing what counts.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../core/config/config.js';
import { createStorage } from '../core/storage/create-storage.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'data-dir': { type: 'string' } }, allowPositionals: false });
  let config;
  try {
    config = loadConfig({ ...process.env, ...(values['data-dir'] ? { DATA_DIR: values['data-dir'] } : {}) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const storage = createStorage({ mongodbUri: config.mongodbUri, dataDir: config.dataDir });
  await storage.connect();
  try {
    const where = storage.kind === 'sqlite' ? config.dataDir : 'MongoDB';
    process.stdout.write(`Rebuilding statistics roll-ups (${storage.kind}, ${where})…\n`);
    const started = Date.now();
    const result = await storage.stats.rebuild();
    const years = await storage.stats.years();
    process.stdout.write(
      `Done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.incidents.toLocaleString('en-US')} incidents, ` +
        `${result.days.toLocaleString('en-US')} days with incidents${years.length ? ` (${years[0]}–${years[years.length - 1]})` : ''}, ` +
        `watermark ${result.watermark ?? 'none'}.\n`,
    );
  } finally {
    await storage.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`stats:rebuild failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
