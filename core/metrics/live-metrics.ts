/**
 * Live rates for the overview dashboard, counted in Redis so that every server and worker process adds to the same
 * numbers. One hash per time bucket, one field per agency:
 *
 *   vigil:metrics:events:<bucket start, epoch ms>   10-s buckets, events accepted at ingest (server/http/routes/events.ts)
 *   vigil:metrics:alerts:<bucket start, epoch ms>   1-min buckets, alerts recorded by the workers (workers/runtime.ts)
 *
 * Writers add HINCRBY + EXPIRE (2 h) to one MULTI: one round trip, and a lost update is logged, never retried.
 * Readers sum every field (national view) or read only the agency's field (an agency admin). Everything but the
 * two Redis calls is pure, for the unit tests (test/unit/live-metrics.test.ts).
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';

export type MetricKind = 'events' | 'alerts';

/** Bucket width per kind. */
export const BUCKET_MS: Readonly<Record<MetricKind, number>> = { events: 10_000, alerts: 60_000 };
/** Points in each series: 10 minutes of 10-s event buckets, 60 minutes of alert minutes. */
export const SERIES_POINTS = 60;
/** Buckets outlive the longest series (60 min) with room to spare. */
export const METRICS_TTL_SECONDS = 2 * 60 * 60;

export interface SeriesPoint {
  /** Start of the bucket (ISO). */
  t: string;
  count: number;
}

export interface LiveMetrics {
  /** Events accepted per second over the last 10 s. */
  eventsPerSecond: number;
  /** Alerts recorded over the last 60 s. */
  alertsPerMinute: number;
  series: { events: SeriesPoint[]; alerts: SeriesPoint[] };
}

export const bucketStart = (ms: number, size: number): number => Math.floor(ms / size) * size;

export const metricKey = (kind: MetricKind, bucketStartMs: number): string => `vigil:metrics:${kind}:${bucketStartMs}`;

/** Adds "count n for this agency at `at`" to a MULTI or pipeline (HINCRBY, then EXPIRE of the bucket). */
export function addCount(tx: ChainableCommander, kind: MetricKind, agencyId: string, n: number, at: number): ChainableCommander {
  const key = metricKey(kind, bucketStart(at, BUCKET_MS[kind]));
  return tx.hincrby(key, agencyId, n).expire(key, METRICS_TTL_SECONDS);
}

/** Counts accepted events without waiting: one round trip, failures logged. Ingest never waits for, or fails on, this. */
export function countEventsAsync(redis: Redis, agencyId: string, n: number, logger: Logger, at = Date.now()): void {
  if (n <= 0) return;
  addCount(redis.multi(), 'events', agencyId, n, at)
    .exec()
    .catch((err: unknown) => logger.warn({ err }, 'event rate counter not updated'));
}

/** Start times of the last `points` buckets, oldest first; the last one is the current (partial) bucket. */
export function seriesBuckets(now: number, size: number, points = SERIES_POINTS): number[] {
  const current = bucketStart(now, size);
  return Array.from({ length: points }, (_, i) => current - (points - 1 - i) * size);
}

/**
 * How many fell in the trailing window of one bucket width ending at `now`, estimated from two buckets: all of the
 * current one, plus the previous one weighted by how much of it is still inside the window (the usual sliding-window
 * counter).
 */
export function slidingCount(current: number, previous: number, now: number, size: number): number {
  const elapsed = now - bucketStart(now, size);
  return current + (previous * (size - elapsed)) / size;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The overview numbers from bucket counts given oldest first (as seriesBuckets orders them), last = current. */
export function summarizeCounts(now: number, events: readonly number[], alerts: readonly number[]): LiveMetrics {
  const series = (kind: MetricKind, counts: readonly number[]): SeriesPoint[] => {
    const starts = seriesBuckets(now, BUCKET_MS[kind], counts.length);
    return starts.map((t, i) => ({ t: new Date(t).toISOString(), count: counts[i] ?? 0 }));
  };
  const lastTwo = (counts: readonly number[]) => [counts[counts.length - 1] ?? 0, counts[counts.length - 2] ?? 0] as const;
  const [ev, evPrev] = lastTwo(events);
  const [al, alPrev] = lastTwo(alerts);
  return {
    eventsPerSecond: round2(slidingCount(ev, evPrev, now, BUCKET_MS.events) / (BUCKET_MS.events / 1000)),
    alertsPerMinute: round2(slidingCount(al, alPrev, now, BUCKET_MS.alerts)),
    series: { events: series('events', events), alerts: series('alerts', alerts) },
  };
}

/** Sums the values of HVALS (national) or reads one HGET (agency); missing or bad values count 0. */
export function bucketTotal(reply: unknown): number {
  const values = Array.isArray(reply) ? reply : [reply];
  let sum = 0;
  for (const v of values) {
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number.parseInt(v, 10) : 0;
    if (Number.isFinite(n)) sum += n;
  }
  return sum;
}

/**
 * Reads both series in one pipelined round trip. `agencyId` null sums every agency; otherwise only that agency's
 * counts are read.
 */
export async function readLiveMetrics(redis: Redis, opts: { agencyId: string | null; now?: number }): Promise<LiveMetrics> {
  const now = opts.now ?? Date.now();
  const pipeline = redis.pipeline();
  const kinds: MetricKind[] = ['events', 'alerts'];
  for (const kind of kinds) {
    for (const start of seriesBuckets(now, BUCKET_MS[kind])) {
      const key = metricKey(kind, start);
      if (opts.agencyId === null) pipeline.hvals(key);
      else pipeline.hget(key, opts.agencyId);
    }
  }
  const replies = (await pipeline.exec()) ?? [];
  const totals = replies.map(([err, reply]) => {
    if (err) throw err;
    return bucketTotal(reply);
  });
  return summarizeCounts(now, totals.slice(0, SERIES_POINTS), totals.slice(SERIES_POINTS, 2 * SERIES_POINTS));
}
