/**
 * Field-level differences between two versions of a report's content. Scalars and nested objects are compared leaf
 * by leaf (`impact.data.integrity`); lists are compared as sets: indicators by kind and value (a changed
 * description shows as `changed` on that indicator), incident ids by id. The result is ordered like
 * REPORT_CONTENT_FIELDS, so two diffs of the same versions are equal.
 */
import { indicatorKey } from './report-indicators.js';
import { REPORT_CONTENT_FIELDS, type ReportContent, type ReportIndicator } from './report.js';

export type FieldChange =
  | { field: string; op: 'changed'; before: unknown; after: unknown }
  | { field: string; op: 'added'; after: unknown }
  | { field: string; op: 'removed'; before: unknown };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function diffValue(path: string, a: unknown, b: unknown, out: FieldChange[]): void {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) diffValue(`${path}.${k}`, a[k], b[k], out);
    return;
  }
  if (a === b) return;
  if (a === undefined) out.push({ field: path, op: 'added', after: b });
  else if (b === undefined) out.push({ field: path, op: 'removed', before: a });
  else out.push({ field: path, op: 'changed', before: a, after: b });
}

function diffIndicators(a: readonly ReportIndicator[], b: readonly ReportIndicator[], out: FieldChange[]): void {
  const before = new Map(a.map((i) => [indicatorKey(i), i]));
  const after = new Map(b.map((i) => [indicatorKey(i), i]));
  for (const [key, i] of before) {
    const j = after.get(key);
    if (!j) out.push({ field: 'indicators', op: 'removed', before: i });
    else if ((i.description ?? '') !== (j.description ?? '')) {
      out.push({ field: `indicators[${key}].description`, op: 'changed', before: i.description ?? '', after: j.description ?? '' });
    }
  }
  for (const [key, j] of after) if (!before.has(key)) out.push({ field: 'indicators', op: 'added', after: j });
}

function diffIdList(field: string, a: readonly string[], b: readonly string[], out: FieldChange[]): void {
  const sa = new Set(a);
  const sb = new Set(b);
  for (const id of a) if (!sb.has(id)) out.push({ field, op: 'removed', before: id });
  for (const id of b) if (!sa.has(id)) out.push({ field, op: 'added', after: id });
}

/** What changed from `before` to `after`; [] when the contents are equal. */
export function diffReportContent(before: ReportContent, after: ReportContent): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of REPORT_CONTENT_FIELDS) {
    if (field === 'indicators') diffIndicators(before.indicators, after.indicators, out);
    else if (field === 'incidentIds') diffIdList(field, before.incidentIds, after.incidentIds, out);
    else diffValue(field, before[field], after[field], out);
  }
  return out;
}
