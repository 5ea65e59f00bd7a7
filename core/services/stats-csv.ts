/**
 * The leadership summary as CSV (RFC 4180): CRLF line ends, a header line, fields quoted when they hold a comma,
 * a double quote, CR or LF (quotes doubled inside). Every line belongs to a `section` (meta, totals, month, severity,
 * category, agency, technique), so one file holds all the tables and filters cleanly in a spreadsheet.
 */
import { changePct, sharePct } from './stats-math.js';
import type { StatsSummary } from './stats.js';

export type CsvValue = string | number | null | undefined;

export const CSV_HEADER = ['section', 'key', 'label', 'value', 'previous_year_value', 'change_pct', 'share_pct'] as const;

/**
 * One field. Text that a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a leading
 * apostrophe (OWASP CSV injection); numbers are written as they are.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** Percentages with exactly one decimal (12 → "12.0"), blank when there is none. */
const pct = (v: number | null | undefined): string | null => (v === null || v === undefined ? null : v.toFixed(1));

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `intrusion-attempts` → `Intrusion attempts`. */
export function categoryLabel(slug: string): string {
  const text = slug.replace(/[_-]+/g, ' ').trim();
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : slug;
}

export function summaryCsv(s: StatsSummary, opts: { scopeLabel: string }): string {
  const rows: CsvValue[][] = [[...CSV_HEADER]];
  const add = (section: string, key: string, label: string, value: CsvValue, prev: CsvValue = null, change: string | null = null, share: string | null = null) =>
    rows.push([section, key, label, value, prev, change, share]);

  add('meta', 'year', 'Year', s.year);
  add('meta', 'previous_year', 'Compared with', s.previousYear);
  add('meta', 'scope', 'Scope', opts.scopeLabel);
  add('meta', 'generated_at', 'Generated at (UTC)', s.generatedAt);
  add('meta', 'rollup_refreshed_at', 'Statistics updated at (UTC)', s.rollup.refreshedAt);
  add('meta', 'counting_rule', 'Counting rule', 'Incidents by the UTC day they began; false positives and merged incidents excluded');

  add('totals', 'incidents', 'Incidents', s.totals.incidents, s.totals.previousYear, pct(s.totals.changePct), s.totals.incidents > 0 ? '100.0' : null);
  add('totals', 'median_time_to_resolve_hours', 'Median time to resolve (hours)', s.medianTimeToResolveHours);
  add('totals', 'resolved_incidents', 'Resolved incidents (median taken over)', s.resolvedIncidents);

  s.monthly.months.forEach((month, i) => {
    const cur = s.monthly.thisYear[i] ?? 0;
    const prev = s.monthly.lastYear[i] ?? 0;
    add('month', month, `${MONTH_NAMES[i]} ${s.year}`, cur, prev, pct(changePct(prev, cur)), pct(sharePct(cur, s.totals.incidents)));
  });
  for (const r of s.bySeverity) add('severity', r.severity, categoryLabel(r.severity), r.incidents, r.previousYear, pct(r.changePct), pct(r.sharePct));
  for (const r of s.byCategory) add('category', r.category, categoryLabel(r.category), r.incidents, r.previousYear, pct(r.changePct), pct(r.sharePct));
  for (const r of s.byAgency) add('agency', r.code ?? r.agencyId, r.name, r.incidents, r.previousYear, pct(r.changePct), pct(r.sharePct));
  for (const r of s.topTechniques) add('technique', r.technique, r.name ?? r.technique, r.incidents, null, null, pct(r.sharePct));
  return toCsv(rows);
}
