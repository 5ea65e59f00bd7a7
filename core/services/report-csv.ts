/**
 * Report lists as CSV (RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled).
 * A cell that a spreadsheet would read as a formula (starting with = + - @, tab or CR) is prefixed with `'`, so
 * a report title cannot run code on the reader's machine.
 */
import { DEADLINE_KINDS } from '../domain/report.js';
import { categoryLabel, typeLabel } from '../domain/report-taxonomy.js';
import type { Agency } from '../domain/types.js';
import type { ReportView } from './report-service.js';

export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const REPORT_CSV_COLUMNS = [
  'id',
  'agency_code',
  'agency_name',
  'title',
  'category',
  'type',
  'severity',
  'tlp',
  'status',
  'last_stage',
  'version',
  'reporter',
  'awareness_at',
  'occurred_at',
  'early_warning_due',
  'early_warning_submitted',
  'early_warning_state',
  'notification_due',
  'notification_submitted',
  'notification_state',
  'final_due',
  'final_submitted',
  'final_state',
  'systems_affected',
  'users_affected',
  'downtime_minutes',
  'cross_border',
  'indicators',
  'incidents',
  'created_at',
  'updated_at',
] as const;

export function reportsToCsv(reports: readonly ReportView[], agencies: ReadonlyMap<string, Pick<Agency, 'name' | 'code'>>): string {
  const lines = [REPORT_CSV_COLUMNS.join(',')];
  for (const r of reports) {
    const agency = agencies.get(r.agencyId);
    const deadlineCells = DEADLINE_KINDS.flatMap((k) => [r.deadlines[k].dueAt, r.deadlines[k].submittedAt ?? '', r.deadlines[k].state]);
    const cells: unknown[] = [
      r.id,
      agency?.code ?? '',
      agency?.name ?? r.agencyId,
      r.title,
      categoryLabel(r.category),
      typeLabel(r.category, r.type),
      r.severity,
      r.tlp,
      r.status,
      r.lastStage ?? '',
      r.version,
      r.reporter,
      r.awarenessAt,
      r.occurredAt ?? '',
      ...deadlineCells,
      r.impact.systemsAffected,
      r.impact.usersAffected,
      r.impact.serviceDowntimeMinutes,
      r.impact.crossBorder ? 'yes' : 'no',
      r.indicators.length,
      r.incidentIds.join(' '),
      r.createdAt,
      r.updatedAt,
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
