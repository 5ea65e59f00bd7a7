/**
 * `npm run bench:stats [-- --incidents N] [-- --json]`: leadership statistics at national scale on SQLite.
 *
 *   1. seeds N incidents (default 5,000,000) over 2022–2024 into a fresh database in a temp dir, through the
 *      storage's bulk import (one prepared statement, one transaction per 50,000 rows), a fifth of them resolved
 *      with their timeline entry, 6 % false positives;
 *   2. rebuilds every roll-up from scratch (`npm run stats:rebuild` does the same);
 *   3. times the yearly summary (what GET /api/v1/stats/summary computes: two years of breakdowns, top techniques,
 *      time-to-resolve histogram, agency names) and the yearly series over three years, p50/p99 over repeated calls
 *      (target: summary ≤ 50 ms);
 *   4. times the incremental refresh: per new incident (10,000 arriving at once), for one new incident alone, and
 *      per incident closed as a false positive;
 *   5. checks the roll-ups against COUNT(*) over the raw incidents.
 *
 * The database uses the adapter's own settings (WAL, synchronous=NORMAL) plus a 256 MB page cache for the seeding.
 * With `--json` the last line holds the figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Incident, IncidentStatus, Severity } from '../core/domain/types.js';
import { createStatsService } from '../core/services/stats.js';
import { createSqliteStorage } from '../core/storage/sqlite/index.js';
import { sqliteConnectionOf } from '../core/storage/sqlite/registry.js';
import type { HistoricalIncident } from '../core/storage/storage.port.js';

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const N = Number(arg('--incidents') ?? process.env.BENCH_INCIDENTS ?? 5_000_000);
const JSON_OUT = argv.includes('--json');
const BATCH = 50_000;
const AGENCIES = 40;
const FROM = Date.UTC(2022, 0, 1);
const TO = Date.UTC(2025, 0, 1);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES: [string, number][] = [
  ['intrusion-attempts', 24], ['malicious-code', 19], ['information-gathering', 15], ['fraud', 10], ['intrusions', 8],
  ['availability', 7], ['vulnerable', 6], ['abusive-content', 3], ['information-content-security', 3], ['other', 2], ['test', 1],
];
const SEVERITIES: [Severity, number][] = [['medium', 35], ['high', 30], ['low', 19], ['critical', 9], ['informational', 7]];
const TECHNIQUES = ['T1110.001', 'T1190', 'T1566.002', 'T1059.001', 'T1204.002', 'T1595.001', 'T1133', 'T1498.001', 'T1071.001', 'T1486', 'T1505.003', 'T1003.001'];

function weighted<T>(items: [T, number][]): (r: number) => T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  const cum: number[] = [];
  let acc = 0;
  for (const [, w] of items) cum.push((acc += w / total));
  return (r) => items[cum.findIndex((c) => r < c)]?.[0] ?? items[items.length - 1]![0];
}
const pickCategory = weighted(CATEGORIES);
const pickSeverity = weighted(SEVERITIES);
const agencyWeights: [number, number][] = Array.from({ length: AGENCIES }, (_, i) => [i, 1 / (1 + i * 0.15)]);
const pickAgency = weighted(agencyWeights);

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

/** Incident `i` of `n`, in firstSeen order across 2022–2024. */
function makeIncident(i: number, n: number, rand: () => number, agencyIds: string[], now: number): HistoricalIncident {
  // Volume grows 12 % a year: the inverse of the cumulative share of a density growing as 1.12^years.
  const u = (i + rand()) / n;
  const years = Math.log(1 + u * (Math.pow(1.12, 3) - 1)) / Math.log(1.12);
  const first = FROM + Math.floor((years / 3) * (TO - FROM));
  const agencyId = agencyIds[pickAgency(rand())]!;
  const category = pickCategory(rand());
  const severity = pickSeverity(rand());
  const r = rand();
  const status: IncidentStatus = r < 0.06 ? 'false_positive' : r < 0.26 ? 'resolved' : r < 0.3 ? 'closed' : r < 0.95 ? 'resolved' : 'investigating';
  const withTimeline = status === 'resolved' && r >= 0.06 && r < 0.26; // a fifth of all incidents
  const created = first + 60_000 + Math.floor(rand() * 10 * 60_000);
  const resolvedAt = created + Math.floor(rand() * 72 * HOUR);
  const id = `b${String(i).padStart(9, '0')}`;
  const t1 = TECHNIQUES[Math.floor(rand() * TECHNIQUES.length)]!;
  const techniques = rand() < 0.3 ? [] : rand() < 0.7 ? [t1] : [t1, TECHNIQUES[Math.floor(rand() * TECHNIQUES.length)]!].filter((v, k, a) => a.indexOf(v) === k);
  const host = `h${Math.floor(rand() * 5000)}`;
  const incident: Incident = {
    id,
    title: `Bench incident ${i}`,
    severity,
    category,
    agencyId,
    status,
    assignee: null,
    groupKey: `rule-${category}|${host}`,
    ruleId: `rule-${category}`,
    ruleIds: [`rule-${category}`],
    host,
    techniques,
    entities: { hosts: [host], users: [], ips: [] },
    alertCount: 1,
    eventCount: 1,
    firstSeen: iso(first),
    lastSeen: iso(first + 30 * 60_000),
    createdAt: iso(created),
    updatedAt: iso(Math.min(now, Math.max(created, resolvedAt))),
  };
  return withTimeline
    ? { incident, timeline: [{ at: iso(resolvedAt), actor: 'bench', action: 'status_changed', details: { from: 'new', to: 'resolved', fromStage: 'new', toStage: 'resolved' } }] }
    : { incident };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timeMany(times: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number; max: number }> {
  for (let i = 0; i < Math.min(20, times); i++) await fn(); // warm-up: statements prepared, pages cached
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms[ms.length - 1]! };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-stats-bench-'));
  const storage = createSqliteStorage({ file: path.join(dir, 'vigil.sqlite') });
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    await storage.connect();
    const db = sqliteConnectionOf(storage).db;
    db.pragma('cache_size = -262144');
    const agencyIds: string[] = [];
    for (let a = 0; a < AGENCIES; a++) agencyIds.push((await storage.agencies.create({ name: `Bench agency ${a}`, code: `BA${a}` })).id);
    console.log(`Statistics bench: ${fmt(N)} incidents, ${AGENCIES} agencies, 2022–2024, SQLite in ${dir}`);

    // ---- 1. Seed ----------------------------------------------------------------------------------------------------
    const rand = rng(7);
    const now = Date.now();
    let t = performance.now();
    let inserted = 0;
    for (let start = 0; start < N; start += BATCH) {
      const batch: HistoricalIncident[] = [];
      for (let i = start; i < Math.min(N, start + BATCH); i++) batch.push(makeIncident(i, N, rand, agencyIds, now));
      inserted += (await storage.stats.importIncidents(batch)).inserted;
      if ((start / BATCH) % 20 === 19) console.log(`  seeded ${fmt(inserted)} (${fmt(inserted / ((performance.now() - t) / 1000))}/s)`);
    }
    const seedS = (performance.now() - t) / 1000;
    const fileMb = fs.statSync(path.join(dir, 'vigil.sqlite')).size / 1e6;
    console.log(`  seeded ${fmt(inserted)} incidents in ${seedS.toFixed(1)} s (${fmt(inserted / seedS)}/s), database ${fmt(fileMb)} MB`);

    // ---- 2. Full rebuild --------------------------------------------------------------------------------------------
    t = performance.now();
    const rebuilt = await storage.stats.rebuild();
    const rebuildS = (performance.now() - t) / 1000;
    const rows = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    console.log(
      `  full roll-up rebuild: ${rebuildS.toFixed(1)} s (${fmt(rebuilt.days)} days; ${fmt(rows('stats_counts'))} counter rows, ` +
        `${fmt(rows('stats_techniques'))} technique rows, ${fmt(rows('stats_resolve'))} resolve-time rows)`,
    );

    // ---- 3. Reads ---------------------------------------------------------------------------------------------------
    const stats = createStatsService({ storage });
    const summary = await timeMany(200, () => stats.summary({ year: 2024 }));
    const scoped = await timeMany(200, () => stats.summary({ year: 2024, agencyIds: [agencyIds[3]!] }));
    const yearly = await timeMany(200, () => stats.yearly({ from: 2022, to: 2024 }));
    const filtered = await timeMany(200, () => stats.yearly({ from: 2022, to: 2024, categories: ['fraud'], severities: ['high', 'critical'] }));
    const s2024 = await stats.summary({ year: 2024 });
    console.log(`  yearly summary (GET /stats/summary?year=2024)       p50 ${ms(summary.p50)}  p99 ${ms(summary.p99)}  max ${ms(summary.max)}  (target ≤ 50 ms)`);
    console.log(`  summary of one agency                               p50 ${ms(scoped.p50)}  p99 ${ms(scoped.p99)}`);
    console.log(`  yearly series 2022–2024 (GET /stats/yearly)         p50 ${ms(yearly.p50)}  p99 ${ms(yearly.p99)}`);
    console.log(`  yearly series, category + severity filter           p50 ${ms(filtered.p50)}  p99 ${ms(filtered.p99)}`);
    console.log(`    2024: ${fmt(s2024.totals.incidents)} incidents (${s2024.totals.changePct}% vs 2023), median time to resolve ${s2024.medianTimeToResolveHours} h over ${fmt(s2024.resolvedIncidents)}`);

    // ---- 4. Incremental ---------------------------------------------------------------------------------------------
    await storage.stats.refresh(); // settle the overlap window once
    const fresh = (count: number, offset: number): HistoricalIncident[] =>
      Array.from({ length: count }, (_, k) => {
        const r = makeIncident(N - 1 - (k % 5000), N, rand, agencyIds, Date.now());
        const stamp = iso(Date.now());
        return { incident: { ...r.incident, id: `n${String(offset + k).padStart(9, '0')}`, status: 'new', createdAt: stamp, updatedAt: stamp } };
      });
    let offset = 0;
    // (a) one new incident, then one refresh (what a quiet minute costs), repeated.
    const single: number[] = [];
    for (let k = 0; k < 30; k++) {
      await storage.stats.importIncidents(fresh(1, offset));
      offset += 1;
      const t0 = performance.now();
      await storage.stats.refresh();
      single.push(performance.now() - t0);
    }
    single.sort((a, b) => a - b);
    // A tick with nothing new (it still re-reads the last 5 minutes of changes).
    const idle = await timeMany(20, () => storage.stats.refresh());
    // (b) 10,000 new incidents at once, then one refresh.
    await storage.stats.importIncidents(fresh(10_000, offset));
    offset += 10_000;
    t = performance.now();
    const burst = await storage.stats.refresh();
    const burstMs = performance.now() - t;
    // (c) 1,000 incidents closed as false positives (through the port), then one refresh.
    const victims = (db.prepare("SELECT id FROM incidents WHERE status = 'investigating' AND first_seen >= '2024-06-01' LIMIT 1000").all() as { id: string }[]).map((r) => r.id);
    for (const id of victims) await storage.incidents.update(id, { status: 'false_positive' }, { actor: 'bench', at: new Date().toISOString() });
    t = performance.now();
    const fp = await storage.stats.refresh();
    const fpMs = performance.now() - t;
    console.log(`  incremental refresh, 10,000 new incidents at once: ${ms(burstMs)} (${(burstMs / 10_000 * 1000).toFixed(1)} µs per incident; ${burst.days} days recomputed)`);
    console.log(`  incremental refresh, one new incident:             p50 ${ms(percentile(single, 50))}  max ${ms(single[single.length - 1]!)}`);
    console.log(`  refresh with nothing new (overlap re-read):        p50 ${ms(idle.p50)}`);
    console.log(`  ${fmt(victims.length)} incidents closed as false positives:   ${ms(fpMs)} (${(fpMs / Math.max(1, victims.length) * 1000).toFixed(1)} µs per change; ${fp.days} days)`);

    // ---- 5. Check ---------------------------------------------------------------------------------------------------
    const raw = db
      .prepare("SELECT COUNT(*) AS n FROM incidents WHERE first_seen >= '2024-01-01' AND first_seen < '2025-01-01' AND status <> 'false_positive' AND merged_into IS NULL")
      .get() as { n: number };
    const rolled = (await storage.stats.breakdown({ fromMonth: '2024-01', toMonth: '2024-12' })).total;
    if (raw.n !== rolled) throw new Error(`roll-ups disagree with the incidents: ${rolled} vs ${raw.n}`);
    console.log(`  check: 2024 roll-ups = COUNT(*) over incidents = ${fmt(rolled)}`);

    if (JSON_OUT) {
      console.log(
        JSON.stringify({
          incidents: inserted,
          seedSeconds: Number(seedS.toFixed(1)),
          rebuildSeconds: Number(rebuildS.toFixed(1)),
          summaryMs: { p50: Number(summary.p50.toFixed(2)), p99: Number(summary.p99.toFixed(2)) },
          yearlyMs: { p50: Number(yearly.p50.toFixed(2)), p99: Number(yearly.p99.toFixed(2)) },
          refreshUsPerNewIncident: Number(((burstMs / 10_000) * 1000).toFixed(1)),
          refreshSingleMs: Number(percentile(single, 50).toFixed(2)),
          refreshUsPerFalsePositive: Number(((fpMs / Math.max(1, victims.length)) * 1000).toFixed(1)),
        }),
      );
    }
  } finally {
    await storage.close();
    cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
