/**
 * One report as a printable PDF (A4, pdfkit): every field, the deadlines, indicators, attachments, the submitted
 * versions and the timeline (the report's audit history). The TLP label is printed at the top and bottom of every
 * page, in the TLP 2.0 colours on black, as FIRST asks.
 *
 * Fonts: DejaVu Sans when installed (any script it covers prints), otherwise the built-in Helvetica, which only
 * has Latin-1 glyphs: other characters print as `?` rather than as garbage.
 */
import fs from 'node:fs';
import PDFDocument from 'pdfkit';
import { DEADLINE_KINDS, type Report, type ReportAttachment, type ReportVersion } from '../domain/report.js';
import { deadlineViews, type DeadlinePolicy } from '../domain/report-deadlines.js';
import { categoryLabel, NCISS_LABELS, typeLabel, type TlpLevel } from '../domain/report-taxonomy.js';
import type { Agency, AuditEntry } from '../domain/types.js';

const FONT_CANDIDATES = [
  ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf'],
] as const;

/** TLP 2.0 label colours (FIRST): text colour on a black background. */
const TLP_COLOURS: Record<TlpLevel, string> = {
  CLEAR: '#FFFFFF',
  GREEN: '#33FF00',
  AMBER: '#FFC000',
  'AMBER+STRICT': '#FFC000',
  RED: '#FF2B2B',
};

const DEADLINE_LABELS = { earlyWarning: 'Early warning', notification: 'Notification', final: 'Final report' } as const;
const STAGE_LABELS: Record<string, string> = {
  early_warning: 'Early warning',
  notification: 'Notification',
  progress: 'Progress report',
  final: 'Final report',
};

export interface ReportPdfInput {
  report: Report;
  agency: Pick<Agency, 'name' | 'code'> | null;
  versions: readonly ReportVersion[];
  attachments: readonly ReportAttachment[];
  history: readonly AuditEntry[];
  policy: DeadlinePolicy;
  now: number;
  /** Deflate page streams (default true); tests turn it off to read the text. */
  compress?: boolean;
}

function fonts(): { regular: string; bold: string; unicode: boolean } {
  for (const [regular, bold] of FONT_CANDIDATES) {
    if (fs.existsSync(regular) && fs.existsSync(bold)) return { regular, bold, unicode: true };
  }
  return { regular: 'Helvetica', bold: 'Helvetica-Bold', unicode: false };
}

const fmtTime = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC') : '—');
const yesNo = (b: boolean) => (b ? 'yes' : 'no');

function sizeText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function renderReportPdf(input: ReportPdfInput): Promise<Buffer> {
  const { report } = input;
  const f = fonts();
  const clean = (s: string) => (f.unicode ? s : s.replace(/[^\u0009\u000a\u000d\u0020-\u007e\u00a0-\u00ff–—‘’“”…•]/g, '?'));
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 64, bottom: 64, left: 56, right: 56 },
    bufferPages: true,
    compress: input.compress ?? true,
    info: {
      Title: clean(`Incident report: ${report.title}`),
      Author: clean(input.agency?.name ?? report.agencyId),
      Subject: `TLP:${report.tlp} incident report ${report.id}`,
      Creator: 'Vigil',
    },
  });
  doc.registerFont('regular', f.regular);
  doc.registerFont('bold', f.bold);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottomLimit = () => doc.page.height - doc.page.margins.bottom;
  const ensure = (h: number) => {
    if (doc.y + h > bottomLimit()) doc.addPage();
  };

  const heading = (text: string) => {
    ensure(40);
    doc.moveDown(0.8);
    doc.font('bold').fontSize(12).fillColor('#111111').text(clean(text), left, doc.y, { width });
    const y = doc.y + 2;
    doc.moveTo(left, y).lineTo(left + width, y).lineWidth(0.5).strokeColor('#999999').stroke();
    doc.y = y + 6;
  };

  const paragraph = (text: string) => {
    doc.font('regular').fontSize(10).fillColor('#111111').text(clean(text || '—'), left, doc.y, { width });
  };

  const facts = (pairs: [string, string][]) => {
    const labelW = 150;
    for (const [label, value] of pairs) {
      doc.font('regular').fontSize(10);
      const valueH = doc.heightOfString(clean(value), { width: width - labelW });
      doc.font('bold');
      const labelH = doc.heightOfString(clean(label), { width: labelW - 8 });
      const h = Math.max(valueH, labelH, 12);
      ensure(h + 4);
      const y = doc.y;
      doc.font('bold').fillColor('#444444').text(clean(label), left, y, { width: labelW - 8 });
      doc.font('regular').fillColor('#111111').text(clean(value), left + labelW, y, { width: width - labelW });
      doc.y = y + h + 3;
    }
  };

  const table = (columns: { label: string; width: number }[], rows: string[][]) => {
    const total = columns.reduce((s, c) => s + c.width, 0);
    const widths = columns.map((c) => (c.width / total) * width);
    const drawRow = (cells: string[], bold: boolean) => {
      doc.font(bold ? 'bold' : 'regular').fontSize(9);
      const h = Math.max(...cells.map((c, i) => doc.heightOfString(clean(c), { width: widths[i]! - 6 })), 11);
      return h;
    };
    const header = () => {
      const h = drawRow(columns.map((c) => c.label), true);
      ensure(h + 6);
      const y = doc.y;
      doc.rect(left, y - 2, width, h + 4).fill('#EEEEEE');
      let x = left;
      doc.fillColor('#111111');
      columns.forEach((c, i) => {
        doc.font('bold').fontSize(9).text(clean(c.label), x + 3, y, { width: widths[i]! - 6 });
        x += widths[i]!;
      });
      doc.y = y + h + 4;
    };
    header();
    if (rows.length === 0) {
      paragraph('None.');
      return;
    }
    for (const row of rows) {
      const h = drawRow(row, false);
      if (doc.y + h + 4 > bottomLimit()) {
        doc.addPage();
        header();
      }
      const y = doc.y;
      let x = left;
      row.forEach((cell, i) => {
        doc.font('regular').fontSize(9).fillColor('#111111').text(clean(cell), x + 3, y, { width: widths[i]! - 6 });
        x += widths[i]!;
      });
      doc.y = y + h + 4;
      doc.moveTo(left, doc.y - 2).lineTo(left + width, doc.y - 2).lineWidth(0.25).strokeColor('#DDDDDD').stroke();
    }
  };

  // ---- Content ------------------------------------------------------------------------------------------------------

  doc.font('regular').fontSize(9).fillColor('#555555').text('INCIDENT REPORT', left, doc.y, { width, characterSpacing: 1 });
  doc.moveDown(0.3);
  doc.font('bold').fontSize(18).fillColor('#111111').text(clean(report.title), left, doc.y, { width });
  doc.moveDown(0.5);

  const agency = input.agency ? `${input.agency.name} (${input.agency.code})` : report.agencyId;
  facts([
    ['Report ID', report.id],
    ['Agency', agency],
    ['Reporter', report.reporter],
    ['Status', `${report.status}${report.lastStage ? ` — last stage: ${STAGE_LABELS[report.lastStage]} (version ${report.version})` : ''}`],
    ['Category', categoryLabel(report.category)],
    ['Type', report.type ? typeLabel(report.category, report.type) : '—'],
    ['Severity (NCISS)', NCISS_LABELS[report.severity]],
    ['TLP', `TLP:${report.tlp}`],
    ['Time of awareness', fmtTime(report.awarenessAt)],
    ['Time of occurrence', fmtTime(report.occurredAt)],
    ['Created', fmtTime(report.createdAt)],
    ['Last updated', fmtTime(report.updatedAt)],
    ['Acknowledged', report.acknowledgedAt ? `${fmtTime(report.acknowledgedAt)} by ${report.acknowledgedBy}` : '—'],
    ['Closed', report.closedAt ? `${fmtTime(report.closedAt)} by ${report.closedBy}` : '—'],
  ]);

  heading('Deadlines');
  const views = deadlineViews(report.deadlines, input.now, input.policy.dueSoonMs);
  table(
    [
      { label: 'Deadline', width: 2 },
      { label: 'Due', width: 3 },
      { label: 'Submitted', width: 3 },
      { label: 'State', width: 2 },
    ],
    DEADLINE_KINDS.map((k) => [
      DEADLINE_LABELS[k],
      fmtTime(views[k].dueAt),
      fmtTime(views[k].submittedAt ?? null),
      views[k].state.replace('_', ' ') + (views[k].onTime === false ? ' (late)' : ''),
    ]),
  );

  heading('Description');
  paragraph(report.description);

  heading('Impact');
  facts([
    ['Systems affected', String(report.impact.systemsAffected)],
    ['Users affected', String(report.impact.usersAffected)],
    ['Service downtime', `${report.impact.serviceDowntimeMinutes} minutes`],
    ['Data confidentiality affected', yesNo(report.impact.data.confidentiality)],
    ['Data integrity affected', yesNo(report.impact.data.integrity)],
    ['Data availability affected', yesNo(report.impact.data.availability)],
    ['Cross-border impact', yesNo(report.impact.crossBorder)],
    ['Suspected malicious act', yesNo(report.impact.suspectedMalicious)],
  ]);

  heading(`Indicators (${report.indicators.length})`);
  table(
    [
      { label: 'Kind', width: 1 },
      { label: 'Value', width: 5 },
      { label: 'Note', width: 3 },
    ],
    report.indicators.map((i) => [i.kind, i.value, i.description ?? '']),
  );

  heading('Actions taken');
  paragraph(report.actionsTaken);

  heading('Linked incidents');
  paragraph(report.incidentIds.length ? report.incidentIds.join('\n') : 'None.');

  heading(`Attachments (${input.attachments.length})`);
  table(
    [
      { label: 'File', width: 3 },
      { label: 'Type', width: 2 },
      { label: 'Size', width: 1 },
      { label: 'SHA-256', width: 5 },
    ],
    input.attachments.map((a) => [a.filename, a.contentType, sizeText(a.size), a.sha256]),
  );

  heading('Submitted versions');
  table(
    [
      { label: 'Version', width: 1 },
      { label: 'Stage', width: 2 },
      { label: 'Submitted', width: 3 },
      { label: 'By', width: 2 },
    ],
    input.versions.map((v) => [String(v.version), STAGE_LABELS[v.stage] ?? v.stage, fmtTime(v.submittedAt), v.submittedBy]),
  );

  heading('Timeline');
  table(
    [
      { label: 'Time', width: 3 },
      { label: 'Who', width: 2 },
      { label: 'What', width: 2 },
      { label: 'Details', width: 4 },
    ],
    input.history.map((e) => [
      fmtTime(e.at),
      e.actor,
      e.action.replace(/^report\./, '').replace(/_/g, ' '),
      Object.entries(e.details)
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
        .join('; '),
    ]),
  );

  // ---- TLP label and footer on every page ---------------------------------------------------------------------------

  const range = doc.bufferedPageRange();
  const label = `TLP:${report.tlp}`;
  for (let i = range.start; i < range.start + range.count; i += 1) {
    doc.switchToPage(i);
    const savedBottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing in the margin must not start a new page
    doc.font('bold').fontSize(10);
    const w = doc.widthOfString(label) + 12;
    for (const y of [24, doc.page.height - 40]) {
      doc.rect(doc.page.width - doc.page.margins.right - w, y, w, 16).fill('#000000');
      doc.fillColor(TLP_COLOURS[report.tlp]).text(label, doc.page.width - doc.page.margins.right - w + 6, y + 3, { lineBreak: false });
    }
    doc.font('regular').fontSize(8).fillColor('#666666');
    doc.text(clean(`Vigil · ${report.id} · page ${i - range.start + 1} of ${range.count}`), left, doc.page.height - 36, { lineBreak: false });
    doc.page.margins.bottom = savedBottom;
  }

  doc.end();
  return done;
}
