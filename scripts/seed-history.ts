/**
 * `npm run seed:history -- --from 2022 --to 2024 [--counts 2022=5400,2023=6048] [--agencies 40] [--data-dir ./data]
 * [--seed 2024] [--fp-rate 0.06]`: writes a realistic national incident history straight into storage (Vietnamese
 * ministries and provinces, every ENISA category, seasonal months, severities, resolution timelines), then rebuilds
 * the statistics roll-ups. `--counts` fixes the counted incidents of some years exactly; false positives come on top
 * of them (they are not counted). Other years get a default volume growing about 12 % a year. The same arguments
 * generate the same incidents, so running it twice adds nothing. Storage is chosen as by `npm start` (MONGODB_URI,
 * else SQLite under DATA_DIR or --data-dir). See core/services/stats-history.ts.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../core/config/config.js';
import { seedHistory } from '../core/services/stats-history.js';
import { createStorage } from '../core/storage/create-storage.js';

const USAGE =
  'usage: npm run seed:history -- --from YYYY --to YYYY [--counts YYYY=N,YYYY=N] [--agencies N] [--data-dir DIR] [--seed N] [--fp-rate R]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseCounts(text: string | undefined): Record<number, number> {
  const out: Record<number, number> = {};
  if (!text) return out;
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d{4})=(\d+)$/.exec(part);
    if (!m) fail(`--counts: "${part}" is not YEAR=COUNT`);
    out[Number(m[1])] = Number(m[2]);
  }
  return out;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        counts: { type: 'string' },
        agencies: { type: 'string' },
        'data-dir': { type: 'string' },
        seed: { type: 'string' },
        'fp-rate': { type: 'string' },
      },
      allowPositionals: false,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  const thisYear = new Date().getUTCFullYear();
  const to = values.to ? Number(values.to) : thisYear - 1;
  const from = values.from ? Number(values.from) : to - 2;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from > to || from < 1970 || to > thisYear) {
    fail(`--from/--to must be years with from <= to <= ${thisYear}`);
  }
  const counts = parseCounts(values.counts);
  const agencies = values.agencies ? Number(values.agencies) : 40;
  if (!Number.isInteger(agencies) || agencies < 1) fail('--agencies must be a positive whole number');
  const fpRate = values['fp-rate'] ? Number(values['fp-rate']) : undefined;
  if (fpRate !== undefined && !(fpRate >= 0 && fpRate <= 1)) fail('--fp-rate must be between 0 and 1');

  let config;
  try {
    config = loadConfig({ ...process.env, ...(values['data-dir'] ? { DATA_DIR: values['data-dir'] } : {}) });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const storage = createStorage({ mongodbUri: config.mongodbUri, dataDir: config.dataDir });
  await storage.connect();
  try {
    process.stdout.write(`Seeding ${from}–${to} into ${storage.kind === 'sqlite' ? config.dataDir : 'MongoDB'}…\n`);
    const started = Date.now();
    const result = await seedHistory(
      storage,
      {
        from,
        to,
        counts,
        agencies,
        ...(values.seed ? { seed: Number(values.seed) } : {}),
        ...(fpRate !== undefined ? { falsePositiveRate: fpRate } : {}),
      },
      (line) => process.stdout.write(`  ${line}\n`),
    );
    process.stdout.write(
      `Done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.inserted.toLocaleString('en-US')} incidents stored` +
        `${result.skipped ? `, ${result.skipped.toLocaleString('en-US')} already there` : ''}.\n`,
    );
  } finally {
    await storage.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`seed:history failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
