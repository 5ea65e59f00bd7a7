/**
 * Statistics roll-ups on SQLite (migration 3).
 *
 * `stats_contributions` holds, for every counted incident, what it adds to the counters: its day, agency,
 * category, severity, techniques and time-to-resolve bucket. A refresh reads the incidents changed since the
 * watermark and, for each, applies the exact difference between the contribution it had and the one it has now
 * (−1 on the old cells, +1 on the new ones, at the day, month and year grains), then stores the new contribution;
 * all in one IMMEDIATE transaction per batch. An unchanged incident differs by nothing, so re-reading the overlap
 * window or running twice changes nothing (idempotent); the cost is a few statements per changed incident, whatever
 * the number of incidents on its day (recomputing days would block the event loop for seconds at national scale).
 * A rebuild recomputes the contributions from the incidents and every counter from the contributions, in one
 * transaction; the first refresh on a database never built instead catches up through every incident in batches.
 * Readers use a read transaction, so the facets of one answer come from one snapshot.
 */
import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../errors/app-error.js';
import type { Incident } from '../../domain/types.js';
import {
  FALSE_POSITIVE_STATUS,
  REFRESH_BATCH,
  REFRESH_OVERLAP_MS,
  RESOLVED_STAGES,
  RESOLVE_BUCKET_GROWTH,
  STATUS_CHANGED_ACTION,
  isMonth,
  monthOf,
  wholeYears,
  yearOf,
  type StatsGrain,
} from '../shared/stats-rules.js';
import { nowIso, toIso } from '../shared/time.js';
import type {
  HistoricalIncident,
  StatsBreakdown,
  StatsRange,
  StatsRollupResult,
  StatsScope,
  StatsState,
  StatsStore,
} from '../storage.port.js';
import type { SqliteHandle } from './connection.js';
import { INCIDENT_COLUMNS, incidentValues, insertSql } from './incident-rows.js';

interface Cube {
  table: string;
  dims: readonly string[];
}

const COUNTS: Cube = { table: 'stats_counts', dims: ['agency_id', 'category', 'severity'] };
const TECHNIQUES: Cube = { table: 'stats_techniques', dims: ['agency_id', 'technique'] };
const RESOLVE: Cube = { table: 'stats_resolve', dims: ['agency_id', 'bucket'] };
const CUBES: readonly Cube[] = [COUNTS, TECHNIQUES, RESOLVE];

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
const COUNTED = `(i.status <> '${FALSE_POSITIVE_STATUS}' AND i.merged_into IS NULL)`;
/** The first move into a resolved stage (custom statuses by their stage; older entries by `to`). */
const DONE = `(SELECT MIN(t.at) FROM incident_timeline t WHERE t.incident_id = i.id AND t.action = '${STATUS_CHANGED_ACTION}'
    AND coalesce(json_extract(t.details, '$.toStage'), json_extract(t.details, '$.to')) IN (${quoted(RESOLVED_STAGES)}))`;
/**
 * shared/stats-rules.ts resolveBucket in SQL, for incidents resolved or closed now (NULL otherwise, or without a
 * resolving entry). unixepoch 'subsec' keeps the milliseconds.
 */
const BUCKET = `CASE WHEN i.status IN (${quoted(RESOLVED_STAGES)}) THEN CAST(floor(ln(1 + max(0,
    round((unixepoch(${DONE}, 'subsec') - unixepoch(i.created_at, 'subsec')) * 1000)) / 60000.0) / ln(${RESOLVE_BUCKET_GROWTH})) AS INTEGER) END`;

const SQL = {
  changed: `SELECT i.id, i.updated_at, ${COUNTED} AS counted, substr(i.first_seen, 1, 10) AS day, i.agency_id, i.category,
      i.severity, i.techniques, ${BUCKET} AS bucket
    FROM incidents i WHERE (i.updated_at, i.id) > (?, ?) ORDER BY i.updated_at, i.id LIMIT ?`,
  contributionsOf: 'SELECT * FROM stats_contributions WHERE incident_id IN (SELECT value FROM json_each(?))',
  upsertContribution: `INSERT INTO stats_contributions (incident_id, day, agency_id, category, severity, techniques, bucket)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(incident_id) DO UPDATE SET day = excluded.day, agency_id = excluded.agency_id,
    category = excluded.category, severity = excluded.severity, techniques = excluded.techniques, bucket = excluded.bucket`,
  deleteContribution: 'DELETE FROM stats_contributions WHERE incident_id = ?',
  rebuildContributions: `INSERT INTO stats_contributions (incident_id, day, agency_id, category, severity, techniques, bucket)
    SELECT i.id, substr(i.first_seen, 1, 10), i.agency_id, i.category, i.severity, i.techniques, ${BUCKET}
    FROM incidents i WHERE ${COUNTED}`,
  dailyFromContributions: [
    `INSERT INTO stats_counts (grain, period, agency_id, category, severity, n)
      SELECT 'd', day, agency_id, category, severity, COUNT(*) FROM stats_contributions GROUP BY day, agency_id, category, severity`,
    `INSERT INTO stats_techniques (grain, period, agency_id, technique, n)
      SELECT 'd', c.day, c.agency_id, j.value, COUNT(*) FROM stats_contributions c, json_each(c.techniques) j GROUP BY 2, 3, 4`,
    `INSERT INTO stats_resolve (grain, period, agency_id, bucket, n)
      SELECT 'd', day, agency_id, bucket, COUNT(*) FROM stats_contributions WHERE bucket IS NOT NULL GROUP BY 2, 3, 4`,
  ],
} as const;

/** Sums one grain into the next: `len` is the period length of the target grain (7 for months, 4 for years). */
function rollupSql(cube: Cube, from: StatsGrain, to: StatsGrain, len: number): string {
  const dims = cube.dims.join(', ');
  return `INSERT INTO ${cube.table} (grain, period, ${dims}, n)
    SELECT '${to}', substr(period, 1, ${len}), ${dims}, SUM(n) FROM ${cube.table}
    WHERE grain = '${from}' GROUP BY substr(period, 1, ${len}), ${dims}`;
}

/** Adds `delta` to one counter, creating it at need; returns the new count. */
const bumpSql = (cube: Cube) => {
  const cols = ['grain', 'period', ...cube.dims];
  return `INSERT INTO ${cube.table} (${cols.join(', ')}, n) VALUES (${cols.map(() => '?').join(', ')}, ?)
    ON CONFLICT(${cols.join(', ')}) DO UPDATE SET n = n + excluded.n RETURNING n`;
};
const dropSql = (cube: Cube) =>
  `DELETE FROM ${cube.table} WHERE ${['grain', 'period', ...cube.dims].map((c) => `${c} = ?`).join(' AND ')}`;

const IMPORT_COLUMNS = [...INCIDENT_COLUMNS, 'type', 'custom_status', 'merged_into', 'revision'];
const IMPORT_SQL = insertSql('incidents', IMPORT_COLUMNS).replace(/^INSERT/, 'INSERT OR IGNORE');
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const iso = (v: string, field: string) => (CANONICAL_ISO.test(v) ? v : toIso(v, field));

interface Contribution {
  day: string;
  agency_id: string;
  category: string;
  severity: string;
  /** JSON array, as stored on the incident. */
  techniques: string;
  bucket: number | null;
}

interface ChangedRow extends Contribution {
  id: string;
  updated_at: string;
  counted: 0 | 1;
}

const sameContribution = (a: Contribution | undefined, b: Contribution | undefined) =>
  a === b ||
  (!!a &&
    !!b &&
    a.day === b.day &&
    a.agency_id === b.agency_id &&
    a.category === b.category &&
    a.severity === b.severity &&
    a.techniques === b.techniques &&
    (a.bucket ?? null) === (b.bucket ?? null));

function parseTechniques(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

interface Where {
  sql: string;
  params: unknown[];
}

/** grain/period bounds plus the optional IN filters (lists bind as one JSON parameter). */
function statsWhere(grain: StatsGrain, from: string, to: string, f: Partial<StatsRange>): Where {
  const parts = ['grain = ?', 'period >= ?', 'period <= ?'];
  const params: unknown[] = [grain, from, to];
  const inList = (column: string, values: readonly string[] | undefined) => {
    if (values === undefined) return;
    parts.push(`${column} IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(values));
  };
  inList('agency_id', f.agencyIds);
  inList('category', f.categories);
  inList('severity', f.severities);
  return { sql: `WHERE ${parts.join(' AND ')}`, params };
}

function checkScope(scope: StatsScope): void {
  if (!isMonth(scope.fromMonth) || !isMonth(scope.toMonth)) {
    throw new ValidationError(`months must be YYYY-MM: ${JSON.stringify([scope.fromMonth, scope.toMonth])}`);
  }
}

/** Facets read the year grain when the range is whole years, else the month grain. */
function facetBounds(scope: StatsScope): { grain: StatsGrain; from: string; to: string } {
  const years = wholeYears(scope.fromMonth, scope.toMonth);
  return years ? { grain: 'y', from: years[0], to: years[1] } : { grain: 'm', from: scope.fromMonth, to: scope.toMonth };
}

export function createSqliteStatsStore(h: SqliteHandle): StatsStore {
  const readState = (): StatsState => {
    const rows = h.stmt('SELECT key, value FROM stats_state').all() as { key: string; value: string }[];
    const get = (k: string) => rows.find((r) => r.key === k)?.value ?? null;
    return { watermark: get('watermark'), refreshedAt: get('refreshed_at'), rebuiltAt: get('rebuilt_at') };
  };
  const setState = (key: string, value: string) =>
    h.stmt('INSERT INTO stats_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  /** Moves the watermark forward only. */
  const advanceWatermark = (candidate: string | null) => {
    if (candidate === null) return;
    const current = readState().watermark;
    if (current === null || candidate > current) setState('watermark', candidate);
  };

  /** Adds `delta` to one cell at the day, month and year grains; a cell that reaches 0 is removed. */
  const bump = (cube: Cube, day: string, dims: unknown[], delta: number) => {
    for (const [grain, period] of [
      ['d', day],
      ['m', monthOf(day)],
      ['y', yearOf(day)],
    ] as const) {
      const row = h.stmt(bumpSql(cube)).get(grain, period, ...dims, delta) as { n: number };
      if (row.n <= 0) h.stmt(dropSql(cube)).run(grain, period, ...dims);
    }
  };
  const apply = (c: Contribution, delta: number) => {
    bump(COUNTS, c.day, [c.agency_id, c.category, c.severity], delta);
    for (const t of parseTechniques(c.techniques)) bump(TECHNIQUES, c.day, [c.agency_id, t], delta);
    if (c.bucket !== null && c.bucket !== undefined) bump(RESOLVE, c.day, [c.agency_id, c.bucket], delta);
  };

  type BatchKey = { at: string; id: string };
  const refreshBatch = (key: BatchKey, now: string): { rows: number; days: string[]; last: BatchKey | null } => {
    const rows = h.stmt(SQL.changed).all(key.at, key.id, REFRESH_BATCH) as ChangedRow[];
    setState('refreshed_at', now);
    if (rows.length === 0) return { rows: 0, days: [], last: null };
    const before = new Map(
      (h.stmt(SQL.contributionsOf).all(JSON.stringify(rows.map((r) => r.id))) as (Contribution & { incident_id: string })[]).map((c) => [
        c.incident_id,
        c,
      ]),
    );
    const days = new Set<string>();
    for (const r of rows) {
      const old = before.get(r.id);
      const next = r.counted ? r : undefined;
      if (sameContribution(old, next)) continue;
      if (old) {
        apply(old, -1);
        days.add(old.day);
      }
      if (next) {
        apply(next, +1);
        days.add(next.day);
        h.stmt(SQL.upsertContribution).run(r.id, r.day, r.agency_id, r.category, r.severity, r.techniques, r.bucket);
      } else {
        h.stmt(SQL.deleteContribution).run(r.id);
      }
    }
    const last = rows[rows.length - 1]!;
    advanceWatermark(last.updated_at);
    return { rows: rows.length, days: [...days], last: { at: last.updated_at, id: last.id } };
  };

  const rebuildTx = (now: string): StatsRollupResult => {
    const { n, wm } = h.stmt('SELECT COUNT(*) AS n, MAX(updated_at) AS wm FROM incidents').get() as { n: number; wm: string | null };
    for (const cube of CUBES) h.stmt(`DELETE FROM ${cube.table}`).run();
    h.stmt('DELETE FROM stats_contributions').run();
    h.stmt(SQL.rebuildContributions).run();
    for (const sql of SQL.dailyFromContributions) h.stmt(sql).run();
    for (const cube of CUBES) h.stmt(rollupSql(cube, 'd', 'm', 7)).run();
    for (const cube of CUBES) h.stmt(rollupSql(cube, 'm', 'y', 4)).run();
    advanceWatermark(wm);
    setState('rebuilt_at', now);
    setState('refreshed_at', now);
    const days = (h.stmt("SELECT COUNT(DISTINCT period) AS d FROM stats_counts WHERE grain = 'd'").get() as { d: number }).d;
    return { days, incidents: n, watermark: readState().watermark };
  };

  const rebuild = async (opts?: { now?: string }): Promise<StatsRollupResult> => {
    const now = opts?.now ? toIso(opts.now, 'now') : nowIso();
    return h.tx('stats.rebuild', rebuildTx).immediate(now);
  };

  const breakdownTx = (range: StatsRange): StatsBreakdown => {
    const out: StatsBreakdown = { total: 0, byMonth: {}, bySeverity: {}, byCategory: {}, byAgency: {} };
    const months = statsWhere('m', range.fromMonth, range.toMonth, range);
    const monthRows = h.stmt(`SELECT period AS k, SUM(n) AS n FROM stats_counts ${months.sql} GROUP BY period`).all(...months.params) as {
      k: string;
      n: number;
    }[];
    for (const r of monthRows) {
      out.byMonth[r.k] = r.n;
      out.total += r.n;
    }
    const f = facetBounds(range);
    const where = statsWhere(f.grain, f.from, f.to, range);
    const facet = (column: string, into: Record<string, number>) => {
      const rows = h.stmt(`SELECT ${column} AS k, SUM(n) AS n FROM stats_counts ${where.sql} GROUP BY ${column}`).all(...where.params) as {
        k: string;
        n: number;
      }[];
      for (const r of rows) into[r.k] = r.n;
    };
    facet('severity', out.bySeverity);
    facet('category', out.byCategory);
    facet('agency_id', out.byAgency);
    return out;
  };

  return {
    async refresh(opts) {
      const now = opts?.now ? toIso(opts.now, 'now') : nowIso();
      const state = readState();
      let key: BatchKey;
      if (state.watermark === null) {
        // Never built: start from nothing and catch up through every incident, batch by batch, so a first start on a
        // large database does not hold the event loop for a whole rebuild (`npm run stats:rebuild` is faster).
        h.tx('stats.reset', () => {
          for (const cube of CUBES) h.stmt(`DELETE FROM ${cube.table}`).run();
          h.stmt('DELETE FROM stats_contributions').run();
        }).immediate();
        key = { at: '', id: '' };
      } else {
        key = { at: new Date(Date.parse(state.watermark) - REFRESH_OVERLAP_MS).toISOString(), id: '' };
      }
      const days = new Set<string>();
      let incidents = 0;
      for (;;) {
        const batch = h.tx('stats.refreshBatch', refreshBatch).immediate(key, now);
        incidents += batch.rows;
        for (const d of batch.days) days.add(d);
        if (batch.rows < REFRESH_BATCH || !batch.last) break;
        key = batch.last;
        // Let the event loop breathe between transactions of a long catch-up.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { days: days.size, incidents, watermark: readState().watermark };
    },

    rebuild,

    async breakdown(range) {
      checkScope(range);
      return h.tx('stats.breakdown', breakdownTx)(range);
    },

    async techniques(scope) {
      checkScope(scope);
      const f = facetBounds(scope);
      const where = statsWhere(f.grain, f.from, f.to, { agencyIds: scope.agencyIds });
      const rows = h
        .stmt(`SELECT technique, SUM(n) AS incidents FROM stats_techniques ${where.sql} GROUP BY technique ORDER BY incidents DESC, technique LIMIT ?`)
        .all(...where.params, Math.max(0, Math.floor(scope.limit))) as { technique: string; incidents: number }[];
      return rows.map((r) => ({ technique: r.technique, incidents: r.incidents }));
    },

    async resolveTimes(scope) {
      checkScope(scope);
      const f = facetBounds(scope);
      const where = statsWhere(f.grain, f.from, f.to, { agencyIds: scope.agencyIds });
      const rows = h
        .stmt(`SELECT bucket, SUM(n) AS incidents FROM stats_resolve ${where.sql} GROUP BY bucket ORDER BY bucket`)
        .all(...where.params) as { bucket: number; incidents: number }[];
      return rows.map((r) => ({ bucket: r.bucket, incidents: r.incidents }));
    },

    async years(scope) {
      const where = statsWhere('y', '0000', '9999', { agencyIds: scope?.agencyIds });
      const rows = h.stmt(`SELECT DISTINCT period FROM stats_counts ${where.sql} ORDER BY period`).all(...where.params) as {
        period: string;
      }[];
      return rows.map((r) => Number(r.period));
    },

    async state() {
      return readState();
    },

    async importIncidents(records) {
      const insert = h.stmt(IMPORT_SQL);
      const timeline = h.stmt(
        'INSERT INTO incident_timeline (id, incident_id, at, actor, action, details) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const run = h.tx('stats.import', (items: readonly HistoricalIncident[]) => {
        let inserted = 0;
        for (const { incident, timeline: entries } of items) {
          const i: Incident = {
            ...incident,
            firstSeen: iso(incident.firstSeen, 'firstSeen'),
            lastSeen: iso(incident.lastSeen, 'lastSeen'),
            createdAt: iso(incident.createdAt, 'createdAt'),
            updatedAt: iso(incident.updatedAt, 'updatedAt'),
          };
          const res = insert.run(
            ...incidentValues(i),
            i.type ?? null,
            i.customStatus ?? null,
            i.mergedInto ?? null,
            i.revision ?? 0,
          );
          if (res.changes !== 1) continue;
          inserted += 1;
          for (const e of entries ?? []) {
            timeline.run(randomUUID(), i.id, iso(e.at, 'at'), e.actor, e.action, JSON.stringify(e.details ?? {}));
          }
        }
        return inserted;
      });
      const inserted = run.immediate(records);
      return { inserted, skipped: records.length - inserted };
    },
  };
}
