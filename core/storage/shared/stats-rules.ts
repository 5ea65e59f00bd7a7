/**
 * What the statistics roll-ups count, shared by both adapters (sqlite/stats.ts, mongo/stats.ts) and by the tests'
 * reference implementation.
 *
 * - An incident is counted unless it was closed as a false positive (`status` false_positive) or merged into another
 *   one (`mergedInto` set: its alerts now belong to the target, which is counted).
 * - It is counted on the UTC day of its `firstSeen` (when the incident began), whatever its status otherwise.
 * - Time to resolve: from `createdAt` to the first `status_changed` timeline entry into the resolved or closed
 *   stage, for counted incidents that are resolved or closed now. Durations are kept as a histogram of
 *   logarithmic buckets (each 5 % wider than the previous), so a median read from roll-ups is within ±2.5 %.
 *
 * Roll-ups exist at three grains: `d` (period `YYYY-MM-DD`, recomputed from incidents), `m` (`YYYY-MM`, summed
 * from days) and `y` (`YYYY`, summed from months). Queries over whole years read the `y` grain, so their cost does
 * not grow with the number of incidents.
 */
import type { Incident, IncidentStatus } from '../../domain/types.js';

export type StatsGrain = 'd' | 'm' | 'y';

/** Stages whose entry ends the time to resolve. */
export const RESOLVED_STAGES: readonly IncidentStatus[] = ['resolved', 'closed'];
export const FALSE_POSITIVE_STATUS: IncidentStatus = 'false_positive';
export const STATUS_CHANGED_ACTION = 'status_changed';

/** Each time-to-resolve bucket is this much wider than the one before it. */
export const RESOLVE_BUCKET_GROWTH = 1.05;

/** Changes at most this much older than the watermark are looked at again (clock skew, late commits). */
export const REFRESH_OVERLAP_MS = 5 * 60_000;
/** Changed incidents taken per refresh transaction. */
export const REFRESH_BATCH = 5_000;

export function isCounted(i: Pick<Incident, 'status' | 'mergedInto'>): boolean {
  return i.status !== FALSE_POSITIVE_STATUS && !i.mergedInto;
}

/** The bucket of a duration in ms: floor(ln(1 + minutes) / ln(1.05)). The same formula runs in SQL and Mongo. */
export function resolveBucket(ms: number): number {
  const minutes = Math.max(0, ms) / 60000;
  return Math.floor(Math.log(1 + minutes) / Math.log(RESOLVE_BUCKET_GROWTH));
}

/** The geometric middle of a bucket, in minutes. */
export function resolveBucketMidMinutes(bucket: number): number {
  return Math.max(0, Math.pow(RESOLVE_BUCKET_GROWTH, bucket + 0.5) - 1);
}

export const dayOf = (iso: string): string => iso.slice(0, 10);
export const monthOf = (isoOrDay: string): string => isoOrDay.slice(0, 7);
export const yearOf = (isoOrDay: string): string => isoOrDay.slice(0, 4);

/** `2024-02-28` → `2024-02-29`. */
export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** `2024-12` → `2025-01`. */
export function nextMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${String(y + 1).padStart(4, '0')}-01` : `${month.slice(0, 4)}-${String(m + 1).padStart(2, '0')}`;
}

/** The days (`YYYY-MM-DD`) a month's `d` periods lie between, inclusive. */
export function monthDayBounds(month: string): [string, string] {
  return [`${month}-01`, `${month}-31`];
}

/** The months (`YYYY-MM`) a year's `m` periods lie between, inclusive. */
export function yearMonthBounds(year: string): [string, string] {
  return [`${year}-01`, `${year}-12`];
}

/** The years a month range covers exactly, or null when it starts or ends inside a year. */
export function wholeYears(fromMonth: string, toMonth: string): [string, string] | null {
  if (!fromMonth.endsWith('-01') || !toMonth.endsWith('-12')) return null;
  return [yearOf(fromMonth), yearOf(toMonth)];
}

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
export function isMonth(s: string): boolean {
  return MONTH_RE.test(s);
}

export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
