/** The small calculations of leadership statistics, pure and exact where counts allow it. */
import { resolveBucketMidMinutes } from '../storage/shared/stats-rules.js';

/**
 * Change from `previous` to `current` in percent with one decimal, rounded half away from zero (12.25 → 12.3,
 * −12.25 → −12.3), computed in integer arithmetic for counts so 6048 against 5400 is exactly 12.0. Null when there
 * is nothing to compare against (previous is 0 or not a finite number).
 */
export function changePct(previous: number, current: number): number | null {
  if (!Number.isFinite(previous) || !Number.isFinite(current) || previous <= 0) return null;
  const diff = current - previous;
  const tenths = Math.floor((2 * Math.abs(diff) * 1000 + previous) / (2 * previous));
  return tenths === 0 ? 0 : (Math.sign(diff) * tenths) / 10;
}

/** `part` as a share of `total` in percent, one decimal, half away from zero; null when total is 0. */
export function sharePct(part: number, total: number): number | null {
  if (!Number.isFinite(total) || total <= 0 || !Number.isFinite(part)) return null;
  const tenths = Math.floor((2 * Math.abs(part) * 1000 + total) / (2 * total));
  return (Math.sign(part) * tenths) / 10 || 0;
}

/** One decimal, half away from zero, for non-count values (hours). */
export function round1(x: number): number {
  return (Math.sign(x) * Math.round(Math.abs(x) * 10)) / 10 || 0;
}

/**
 * The median (minutes) of a time-to-resolve histogram: the middle element's bucket midpoint, or the mean of the two
 * middle ones for an even count. Null for an empty histogram. Accurate to the bucket width (±2.5 %).
 */
export function medianMinutes(histogram: readonly { bucket: number; incidents: number }[]): number | null {
  const sorted = [...histogram].filter((b) => b.incidents > 0).sort((a, b) => a.bucket - b.bucket);
  const n = sorted.reduce((a, b) => a + b.incidents, 0);
  if (n === 0) return null;
  const at = (k: number): number => {
    let seen = 0;
    for (const b of sorted) {
      seen += b.incidents;
      if (seen >= k) return resolveBucketMidMinutes(b.bucket);
    }
    return resolveBucketMidMinutes(sorted[sorted.length - 1]!.bucket);
  };
  return n % 2 === 1 ? at((n + 1) / 2) : (at(n / 2) + at(n / 2 + 1)) / 2;
}

/** `YYYY-MM` of each month of `year`. */
export function monthsOf(year: number): string[] {
  const y = String(year).padStart(4, '0');
  return Array.from({ length: 12 }, (_, i) => `${y}-${String(i + 1).padStart(2, '0')}`);
}

/** The twelve monthly counts of `year` from a `YYYY-MM` → count map (January first). */
export function monthlySeries(byMonth: Readonly<Record<string, number>>, year: number): number[] {
  return monthsOf(year).map((m) => byMonth[m] ?? 0);
}
