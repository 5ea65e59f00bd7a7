/**
 * The leadership summary as a PDF (pdfkit, A4): title and scope, totals with the change against the previous year,
 * a monthly bar chart drawn with pdfkit primitives (this year beside the previous one), tables by severity,
 * category and agency, the top ATT&CK techniques, and the generation time on every page.
 *
 * Agency names are Vietnamese, which the 14 standard PDF fonts cannot show: a Unicode TrueType font (DejaVu Sans,
 * Noto Sans, Liberation Sans or Arial) is embedded when one is installed; without one the text falls back to
 * Helvetica with diacritics removed (and says so in the footer).
 */
import fs from 'node:fs';
import PDFDocument from 'pdfkit';
import { categoryLabel } from './stats-csv.js';
import type { StatsRow, StatsSummary } from './stats.js';

const FONT_CANDIDATES: readonly [regular: string, bold: string][] = [
  ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf', '/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf'],
  ['/usr/share/fonts/noto/NotoSans-Regular.ttf', '/usr/share/fonts/noto/NotoSans-Bold.ttf'],
  ['/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf'],
  ['/Library/Fonts/Arial Unicode.ttf', '/Library/Fonts/Arial Unicode.ttf'],
  ['C:\\Windows\\Fonts\\arial.ttf', 'C:\\Windows\\Fonts\\arialbd.ttf'],
];

let fontsFound: { regular: string; bold: string } | null | undefined;
function unicodeFonts(): { regular: string; bold: string } | null {
  if (fontsFound === undefined) {
    const hit = FONT_CANDIDATES.find(([r, b]) => fs.existsSync(r) && fs.existsSync(b));
    fontsFound = hit ? { regular: hit[0], bold: hit[1] } : null;
  }
  return fontsFound;
}

/** Latin text without diacritics (đ → d), arrows as signs: what Helvetica's WinAnsi encoding can show. */
export function foldToLatin1(s: string): string {
  return s
    .replace(/[đĐ]/g, (c) => (c === 'đ' ? 'd' : 'D'))
    .replace(/▲/g, '+')
    .replace(/▼/g, '-')
    .replace(/[–—]/g, '-')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
}

const COLORS = {
  ink: '#101828',
  soft: '#475467',
  muted: '#667085',
  rule: '#d0d5dd',
  band: '#f2f4f7',
  accent: '#1f6feb',
  previous: '#b8c2d1',
  up: '#b42318',
  down: '#067647',
  severity: { critical: '#d92d20', high: '#e8590c', medium: '#ca8a04', low: '#12b76a', informational: '#2e90fa' } as Record<string, string>,
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (v: number | null) => (v === null ? '–' : `${v > 0 ? '+' : ''}${v.toFixed(1)}%`);
const share = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)}%`);
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** A round step for an axis from 0 to `max` with about `ticks` lines. */
export function niceStep(max: number, ticks = 5): number {
  if (max <= 0) return 1;
  const raw = max / ticks;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const norm = raw / mag;
  const step = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
  return Math.max(1, step * mag);
}

interface Column {
  label: string;
  width: number;
  align?: 'left' | 'right';
}

export function renderSummaryPdf(s: StatsSummary, opts: { scopeLabel: string }): Promise<Buffer> {
  const fonts = unicodeFonts();
  const text = (v: string) => (fonts ? v : foldToLatin1(v));
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 48, bottom: 56, left: 48, right: 48 },
    bufferPages: true,
    info: {
      Title: text(`Vigil incident statistics ${s.year}`),
      Author: 'Vigil',
      Subject: text(`Incident statistics ${s.year} compared with ${s.previousYear}: ${opts.scopeLabel}`),
      CreationDate: new Date(s.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  if (fonts) {
    doc.registerFont('regular', fonts.regular);
    doc.registerFont('bold', fonts.bold);
  } else {
    doc.registerFont('regular', 'Helvetica');
    doc.registerFont('bold', 'Helvetica-Bold');
  }

  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  // ---- Title ---------------------------------------------------------------------------------------------------------
  doc.font('bold').fontSize(9).fillColor(COLORS.accent).text('VIGIL · NATIONAL SOC', left, 48, { characterSpacing: 1.2 });
  doc.font('bold').fontSize(22).fillColor(COLORS.ink).text(text(`Incident statistics ${s.year}`), left, 62);
  doc.font('regular').fontSize(10).fillColor(COLORS.soft)
    .text(text(`${opts.scopeLabel} · compared with ${s.previousYear}`), left, 92, { width: width * 0.62 });
  doc.font('regular').fontSize(8.5).fillColor(COLORS.muted)
    .text(`Generated ${utc(s.generatedAt)}`, left, 66, { width, align: 'right' })
    .text(s.rollup.refreshedAt ? `Statistics as of ${utc(s.rollup.refreshedAt)}` : 'Statistics not built yet', left, 78, { width, align: 'right' });
  doc.moveTo(left, 112).lineTo(left + width, 112).lineWidth(0.8).strokeColor(COLORS.rule).stroke();

  // ---- Totals --------------------------------------------------------------------------------------------------------
  const boxY = 124;
  const boxH = 78;
  const gap = 12;
  const boxW = (width - 2 * gap) / 3;
  const box = (i: number, label: string, value: string, note: string, noteColor: string = COLORS.soft) => {
    const x = left + i * (boxW + gap);
    doc.roundedRect(x, boxY, boxW, boxH, 6).fill(COLORS.band);
    doc.font('regular').fontSize(8.5).fillColor(COLORS.muted).text(text(label.toUpperCase()), x + 12, boxY + 10, { width: boxW - 24, characterSpacing: 0.6 });
    // The largest size (22 pt down to 11 pt) at which the value fits on one line.
    doc.font('bold');
    let size = 22;
    while (size > 11 && doc.fontSize(size).widthOfString(text(value)) > boxW - 24) size -= 1;
    doc.fontSize(size).fillColor(COLORS.ink).text(text(value), x + 12, boxY + 24 + (22 - size) * 0.6, { width: boxW - 24, lineBreak: false, ellipsis: true });
    doc.font('regular').fontSize(8.5).fillColor(noteColor).text(text(note), x + 12, boxY + 54, { width: boxW - 24, lineBreak: false, ellipsis: true });
  };
  const change = s.totals.changePct;
  const arrow = change === null ? '' : change > 0 ? '▲ ' : change < 0 ? '▼ ' : '';
  box(
    0,
    `Incidents ${s.year}`,
    fmt(s.totals.incidents),
    change === null ? `No incidents in ${s.previousYear} to compare` : `${arrow}${pct(change)} vs ${s.previousYear} (${fmt(s.totals.previousYear)})`,
    change === null || change === 0 ? COLORS.soft : change > 0 ? COLORS.up : COLORS.down,
  );
  box(
    1,
    'Median time to resolve',
    s.medianTimeToResolveHours === null ? '–' : `${s.medianTimeToResolveHours.toFixed(1)} h`,
    s.medianTimeToResolveHours === null ? 'No resolved incidents' : `over ${fmt(s.resolvedIncidents)} resolved incidents`,
  );
  const top = s.topCategories[0];
  box(2, 'Top category', top ? categoryLabel(top.category) : '–', top ? `${fmt(top.incidents)} incidents · ${share(top.sharePct)} of all` : 'No incidents');

  // ---- Monthly bar chart ---------------------------------------------------------------------------------------------
  let y = boxY + boxH + 22;
  doc.font('bold').fontSize(12).fillColor(COLORS.ink).text(`Incidents per month, ${s.year} and ${s.previousYear}`, left, y);
  y += 20;
  const chartH = 150;
  const axisW = 40;
  const plotX = left + axisW;
  const plotW = width - axisW;
  const max = Math.max(1, ...s.monthly.thisYear, ...s.monthly.lastYear);
  const step = niceStep(max);
  const top2 = Math.ceil(max / step) * step;
  doc.font('regular').fontSize(7.5);
  for (let v = 0; v <= top2 + 1e-9; v += step) {
    const gy = y + chartH - (v / top2) * chartH;
    doc.moveTo(plotX, gy).lineTo(plotX + plotW, gy).lineWidth(v === 0 ? 0.9 : 0.4).strokeColor(v === 0 ? COLORS.soft : COLORS.rule).stroke();
    doc.fillColor(COLORS.muted).text(fmt(Math.round(v)), left, gy - 4, { width: axisW - 6, align: 'right' });
  }
  const groupW = plotW / 12;
  const barW = Math.min(14, (groupW - 8) / 2);
  s.monthly.thisYear.forEach((cur, i) => {
    const prev = s.monthly.lastYear[i] ?? 0;
    const gx = plotX + i * groupW + (groupW - 2 * barW - 2) / 2;
    const bar = (x: number, v: number, color: string) => {
      const h = (v / top2) * chartH;
      if (h > 0) doc.rect(x, y + chartH - h, barW, h).fill(color);
    };
    bar(gx, prev, COLORS.previous);
    bar(gx + barW + 2, cur, COLORS.accent);
    doc.fillColor(COLORS.soft).fontSize(7.5).text(MONTHS[i]!, plotX + i * groupW, y + chartH + 4, { width: groupW, align: 'center' });
  });
  const legendY = y + chartH + 18;
  const legend = (x: number, color: string, label: string) => {
    doc.rect(x, legendY + 1, 9, 9).fill(color);
    doc.fillColor(COLORS.soft).fontSize(8.5).text(label, x + 13, legendY, { lineBreak: false });
  };
  legend(plotX, COLORS.accent, String(s.year));
  legend(plotX + 60, COLORS.previous, String(s.previousYear));
  y = legendY + 24;

  // ---- Tables --------------------------------------------------------------------------------------------------------
  const ROW_H = 15;
  const table = (title: string, columns: Column[], rows: string[][], marks?: (string | null)[]) => {
    const headH = 18;
    const whole = 20 + headH + ROW_H * Math.max(1, rows.length);
    const fresh = bottom() - doc.page.margins.top;
    // A table that fits on a page of its own is not split; a longer one starts wherever three rows still fit.
    if (y + whole > bottom() && (whole <= fresh || y + 20 + headH + ROW_H * 3 > bottom())) {
      doc.addPage();
      y = doc.page.margins.top;
    }
    doc.font('bold').fontSize(12).fillColor(COLORS.ink).text(text(title), left, y);
    y += 20;
    const header = () => {
      doc.rect(left, y, width, headH).fill(COLORS.band);
      let x = left;
      doc.font('bold').fontSize(8).fillColor(COLORS.soft);
      for (const c of columns) {
        doc.text(c.label.toUpperCase(), x + 6, y + 5, { width: c.width - 12, align: c.align ?? 'left', lineBreak: false, characterSpacing: 0.4 });
        x += c.width;
      }
      y += headH;
    };
    header();
    rows.forEach((r, ri) => {
      if (y + ROW_H > bottom()) {
        doc.addPage();
        y = doc.page.margins.top;
        header();
      }
      let x = left;
      const mark = marks?.[ri];
      r.forEach((cell, ci) => {
        const c = columns[ci]!;
        let tx = x + 6;
        if (ci === 0 && mark) {
          doc.circle(x + 9, y + ROW_H / 2, 3).fill(mark);
          tx += 10;
        }
        doc.font(ci === 0 ? 'bold' : 'regular').fontSize(8.5).fillColor(COLORS.ink)
          .text(text(cell), tx, y + 4, { width: c.width - 12 - (tx - x - 6), align: c.align ?? 'left', lineBreak: false, ellipsis: true });
        x += c.width;
      });
      doc.moveTo(left, y + ROW_H).lineTo(left + width, y + ROW_H).lineWidth(0.4).strokeColor(COLORS.rule).stroke();
      y += ROW_H;
    });
    if (rows.length === 0) {
      doc.font('regular').fontSize(8.5).fillColor(COLORS.muted).text('No incidents.', left + 6, y + 4);
      y += ROW_H;
    }
    y += 18;
  };

  const num = (w: number, label: string): Column => ({ label, width: w, align: 'right' });
  const compareColumns = (first: string, firstW: number): Column[] => {
    const rest = (width - firstW) / 4;
    return [{ label: first, width: firstW }, num(rest, String(s.year)), num(rest, String(s.previousYear)), num(rest, 'Change'), num(rest, 'Share')];
  };
  const compare = (label: string, r: StatsRow) => [label, fmt(r.incidents), fmt(r.previousYear), pct(r.changePct), share(r.sharePct)];

  table('By severity', compareColumns('Severity', width * 0.36), s.bySeverity.map((r) => compare(categoryLabel(r.severity), r)), s.bySeverity.map((r) => COLORS.severity[r.severity] ?? null));
  table(
    'By category (ENISA taxonomy)',
    compareColumns('Category', width * 0.36),
    s.byCategory.filter((r) => r.incidents > 0 || r.previousYear > 0).map((r) => compare(categoryLabel(r.category), r)),
  );
  table('By agency', compareColumns('Agency', width * 0.44), s.byAgency.map((r) => compare(r.name, r)));
  table(
    'Top ATT&CK techniques',
    [{ label: 'Technique', width: width * 0.14 }, { label: 'Name', width: width * 0.5 }, num(width * 0.16, 'Incidents'), num(width * 0.2, 'Share')],
    s.topTechniques.map((t) => [t.technique, t.name ?? '', fmt(t.incidents), share(t.sharePct)]),
  );
  doc.font('regular').fontSize(8).fillColor(COLORS.muted).text(
    'Incidents are counted on the UTC day they began (first seen). Incidents closed as false positives and incidents merged into another ' +
      'are not counted. Time to resolve runs from the moment Vigil raised the incident to its first move to resolved or closed.',
    left,
    Math.min(y, bottom() - 30),
    { width },
  );

  // ---- Footer on every page ------------------------------------------------------------------------------------------
  const pages = doc.bufferedPageRange();
  for (let i = pages.start; i < pages.start + pages.count; i++) {
    doc.switchToPage(i);
    const keep = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing inside the bottom margin must not open a new page
    const fy = doc.page.height - 36;
    doc.moveTo(left, fy - 6).lineTo(left + width, fy - 6).lineWidth(0.4).strokeColor(COLORS.rule).stroke();
    doc.font('regular').fontSize(7.5).fillColor(COLORS.muted)
      .text(text(`Vigil · incident statistics ${s.year} · ${opts.scopeLabel} · generated ${utc(s.generatedAt)}${fonts ? '' : ' · diacritics omitted (no Unicode font installed)'}`), left, fy, { width: width - 60, lineBreak: false, ellipsis: true })
      .text(`Page ${i - pages.start + 1} of ${pages.count}`, left, fy, { width, align: 'right', lineBreak: false });
    doc.page.margins.bottom = keep;
  }
  doc.end();
  return done;
}
