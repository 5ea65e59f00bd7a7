/**
 * `/leadership`: a year at a glance for leadership. The total with its change against the previous year, the monthly
 * trend beside the previous year's, breakdowns by category, severity and agency, the top agencies and ATT&CK
 * techniques, and the same figures as a PDF report or CSV tables. Everything comes from one call,
 * `GET /api/v1/stats/summary`, which reads the statistics roll-ups (never raw incidents).
 *
 * Loaded on demand (leadership-route.ts), so Chart.js is only downloaded by those who open this page.
 */
import type { ChartConfiguration } from 'chart.js';
import { isAbortError, request } from '../api';
import { severityLabel } from '../components/badges';
import { chartBox, countTicks, themeColor, withAlpha, type ChartHandle } from '../components/chart';
import { emptyState, errorState, loadingState } from '../components/states';
import { h, replace, svgIcon, uid, type Child } from '../dom';
import { attackUrl, formatDateTime, formatDateTimeLong, humanize } from '../format';
import { formatNumber, hasKey, locale, t, tp } from '../i18n';
import type { RouteContext } from '../router';
import type { Severity } from '../types';

// ---- The API's answer (core/services/stats.ts StatsSummary) --------------------------------------------------------

export interface StatsRow {
  incidents: number;
  previousYear: number;
  changePct: number | null;
  sharePct: number | null;
}

export interface StatsSummary {
  year: number;
  previousYear: number;
  agencyId: string | null;
  years: number[];
  generatedAt: string;
  rollup: { watermark: string | null; refreshedAt: string | null; rebuiltAt: string | null };
  totals: { incidents: number; previousYear: number; changePct: number | null };
  monthly: { months: string[]; thisYear: number[]; lastYear: number[] };
  bySeverity: (StatsRow & { severity: Severity })[];
  byCategory: (StatsRow & { category: string })[];
  byAgency: (StatsRow & { agencyId: string; name: string; code: string | null })[];
  topAgencies: (StatsRow & { agencyId: string; name: string; code: string | null })[];
  topCategories: (StatsRow & { category: string })[];
  topTechniques: { technique: string; name: string | null; incidents: number; sharePct: number | null }[];
  medianTimeToResolveHours: number | null;
  resolvedIncidents: number;
  reports: { filed: number; onTimeRatePct: number | null } | null;
}

const TOP_AGENCIES_IN_CHART = 10;

/** Static path data for the few icons only this page draws. */
const ICONS = {
  download: ['M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4', 'M7 10l5 5 5-5', 'M12 15V3'],
  up: ['M12 19V5', 'M5 12l7-7 7 7'],
  down: ['M12 5v14', 'M19 12l-7 7-7-7'],
  flat: ['M5 12h14'],
  info: ['M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z', 'M12 16v-4', 'M12 8h.01'],
};

/** A translated template with `{name}` replaced by an element (the template is never parsed as HTML). */
function withElement(template: string, name: string, el: Node): Child[] {
  const at = template.indexOf(`{${name}}`);
  return at < 0 ? [template, ' ', el] : [template.slice(0, at), el, template.slice(at + name.length + 2)];
}

const isCurrentYear = (year: number) => year === new Date().getUTCFullYear();

export function categoryLabel(slug: string): string {
  const key = `leadership.category.${slug}`;
  return hasKey(key) ? t(key) : humanize(slug);
}

function monthLabel(i: number): string {
  const key = `leadership.month.${i + 1}`;
  return hasKey(key) ? t(key) : String(i + 1);
}

// Cached per locale: the language can change while the page is open.
let pctFormat: { locale: string; format: Intl.NumberFormat } | null = null;
let shareFormat: { locale: string; format: Intl.NumberFormat } | null = null;
/** `+12.0%`, `−3.4%`, `0.0%` in the active language; a dash when there is nothing to compare with. */
export function formatChange(pct: number | null): string {
  if (pct === null) return t('leadership.none');
  if (pctFormat?.locale !== locale()) {
    pctFormat = { locale: locale(), format: new Intl.NumberFormat(locale(), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' }) };
  }
  return pctFormat.format.format(pct / 100);
}
function formatShare(pct: number | null): string {
  if (pct === null) return t('leadership.none');
  if (shareFormat?.locale !== locale()) {
    shareFormat = { locale: locale(), format: new Intl.NumberFormat(locale(), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }) };
  }
  return shareFormat.format.format(pct / 100);
}

/** The change as an arrow and a percentage; more incidents read as bad (red), fewer as good (green). */
function trend(pct: number | null, previousYear: number, testId?: string): HTMLElement {
  if (pct === null) return h('span', { class: 'trend trend--none', 'data-testid': testId ?? null }, t('leadership.none'));
  const dir = pct > 0 ? 'up' : pct < 0 ? 'down' : 'flat';
  const text = formatChange(pct);
  const sentence = t(`leadership.trend.${dir}`, { pct: formatChange(Math.abs(pct)).replace(/^[+-]/, ''), year: String(previousYear) });
  return h(
    'span',
    { class: `trend trend--${dir}`, title: sentence, 'data-testid': testId ?? null },
    h('span', { class: 'trend__visual', 'aria-hidden': 'true' }, svgIcon(ICONS[dir], { size: 14, className: 'trend__arrow' }), h('span', { class: 'trend__value' }, text)),
    h('span', { class: 'visually-hidden' }, sentence),
  );
}

function kpi(label: string, value: Child, note: Child, opts: { testId?: string; className?: string } = {}): HTMLElement {
  return h(
    'div',
    { class: `kpi${opts.className ? ` ${opts.className}` : ''}` },
    h('div', { class: 'kpi__label' }, label),
    h('div', { class: 'kpi__value', 'data-testid': opts.testId ?? null }, value),
    h('div', { class: 'kpi__note' }, note),
  );
}

function panel(title: string, id: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card lead-card', 'aria-labelledby': id }, h('h2', { class: 'card__title', id }, title), children);
}

/** The chart's data in words, for its accessible name. */
function describe(items: readonly { label: string; count: number }[]): string {
  return items.map((i) => t('leadership.chart.item', { label: i.label, count: i.count })).join(', ');
}

const SEVERITY_VARS: Record<Severity, [string, string]> = {
  critical: ['--sev-critical', '#ff5c5c'],
  high: ['--sev-high', '#ff8c42'],
  medium: ['--sev-medium', '#f2c94c'],
  low: ['--sev-low', '#4cc38a'],
  informational: ['--sev-informational', '#6cb6ff'],
};

export function leadershipPage({ outlet, query }: RouteContext): () => void {
  document.title = `${t('leadership.title')} · ${t('app.name')}`;
  const asked = Number(query.get('year'));
  let year: number | null = Number.isInteger(asked) && asked >= 1970 && asked <= 2999 ? asked : null;
  let controller: AbortController | null = null;
  let charts: ChartHandle[] = [];

  const yearId = uid('year');
  const yearSelect = h('select', { id: yearId, class: 'select select--inline', 'data-testid': 'year-select', disabled: true });
  yearSelect.addEventListener('change', () => {
    year = Number(yearSelect.value);
    history.replaceState(null, '', `/leadership?year=${year}`);
    load();
  });
  const link = (format: 'pdf' | 'csv') =>
    h(
      'a',
      { class: 'btn btn--secondary btn--small', download: '', 'data-testid': `download-${format}`, 'aria-disabled': 'true' },
      svgIcon(ICONS.download, { size: 14 }),
      h('span', null, t(format === 'pdf' ? 'leadership.downloadPdf' : 'leadership.downloadCsv')),
    );
  const pdfLink = link('pdf');
  const csvLink = link('csv');
  const subtitle = h('span', { class: 'page-head__meta', 'data-testid': 'stats-scope' });
  const body = h('div', { class: 'lead-body' }, loadingState(t('leadership.loading')));

  outlet.append(
    h(
      'section',
      { class: 'page page--leadership', 'aria-labelledby': 'leadership-title' },
      h(
        'div',
        { class: 'page-head lead-head' },
        h('h1', { class: 'page-head__title', id: 'leadership-title', tabindex: -1 }, t('leadership.title')),
        subtitle,
        h(
          'div',
          { class: 'lead-head__actions' },
          h('div', { class: 'inline-field' }, h('label', { class: 'inline-field__label', for: yearId }, t('leadership.year')), yearSelect),
          h('div', { class: 'lead-head__downloads', role: 'group', 'aria-label': t('leadership.download') }, pdfLink, csvLink),
        ),
      ),
      body,
    ),
  );

  function destroyCharts(): void {
    for (const c of charts) c.destroy();
    charts = [];
  }

  function setHeader(s: StatsSummary): void {
    const years = new Set<number>([...s.years, s.year, new Date().getUTCFullYear()]);
    replace(
      yearSelect,
      [...years].sort((a, b) => b - a).map((y) => h('option', { value: String(y) }, String(y))),
    );
    yearSelect.value = String(s.year);
    yearSelect.disabled = false;
    const agency = s.agencyId ? s.byAgency.find((a) => a.agencyId === s.agencyId)?.name ?? s.agencyId : null;
    subtitle.textContent = agency
      ? t('leadership.subtitleAgency', { agency, year: String(s.year), previous: String(s.previousYear) })
      : t('leadership.subtitleAll', { year: String(s.year), previous: String(s.previousYear) });
    for (const [a, format, title] of [
      [pdfLink, 'pdf', 'leadership.downloadPdfTitle'],
      [csvLink, 'csv', 'leadership.downloadCsvTitle'],
    ] as const) {
      a.setAttribute('href', `/api/v1/stats/summary?year=${s.year}&format=${format}`);
      a.setAttribute('title', t(title, { year: String(s.year) }));
      a.removeAttribute('aria-disabled');
    }
  }

  function kpis(s: StatsSummary): HTMLElement {
    const top = s.topCategories[0];
    const agencies = s.byAgency.filter((a) => a.incidents > 0);
    return h(
      'div',
      { class: 'kpis' },
      kpi(
        t(isCurrentYear(s.year) ? 'leadership.kpi.totalSoFar' : 'leadership.kpi.total', { year: String(s.year) }),
        formatNumber(s.totals.incidents),
        s.totals.changePct === null
          ? t('leadership.kpi.noPrevious', { year: String(s.previousYear) })
          : [trend(s.totals.changePct, s.previousYear, 'stats-yoy'), ' ', h('span', null, t('leadership.kpi.vsPrevious', { count: s.totals.previousYear, year: String(s.previousYear) }))],
        { testId: 'stats-total', className: 'kpi--total' },
      ),
      kpi(
        t('leadership.kpi.median'),
        s.medianTimeToResolveHours === null ? t('leadership.none') : t('leadership.kpi.medianValue', { hours: s.medianTimeToResolveHours }),
        s.medianTimeToResolveHours === null ? t('leadership.kpi.medianNone') : tp('leadership.kpi.medianNote', s.resolvedIncidents),
        { testId: 'stats-median' },
      ),
      kpi(
        t('leadership.kpi.topCategory'),
        top ? categoryLabel(top.category) : t('leadership.none'),
        top ? t('leadership.kpi.topCategoryNote', { count: top.incidents, share: formatShare(top.sharePct) }) : '',
        { className: 'kpi--text' },
      ),
      kpi(
        t('leadership.kpi.agencies'),
        formatNumber(agencies.length),
        agencies[0] ? t('leadership.kpi.agenciesNote', { agency: agencies[0].name, count: agencies[0].incidents }) : '',
      ),
    );
  }

  function monthlyChart(s: StatsSummary): HTMLElement {
    const accent = themeColor('--accent', '#58a6ff');
    const previous = themeColor('--text-muted', '#9aa7b4');
    const labels = s.monthly.thisYear.map((_, i) => monthLabel(i));
    const details = labels
      .map((m, i) => t('leadership.monthly.point', { month: m, count: s.monthly.thisYear[i] ?? 0, previousCount: s.monthly.lastYear[i] ?? 0, previous: String(s.previousYear) }))
      .join(', ');
    const config: ChartConfiguration<'line'> = {
      type: 'line',
      data: {
        labels,
        datasets: [
          {
            label: String(s.year),
            // Months still to come in the current year are gaps, not zeros.
            data: s.monthly.thisYear.map((n, i) => (isCurrentYear(s.year) && i > new Date().getUTCMonth() ? null : n)),
            borderColor: accent,
            backgroundColor: withAlpha(accent, 0.16),
            fill: 'origin',
            tension: 0.3,
            borderWidth: 2.5,
            pointRadius: 3,
            pointBackgroundColor: accent,
          },
          {
            label: String(s.previousYear),
            data: s.monthly.lastYear,
            borderColor: previous,
            backgroundColor: previous,
            borderDash: [6, 4],
            tension: 0.3,
            borderWidth: 2,
            pointRadius: 2,
          },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: { y: { beginAtZero: true, ticks: countTicks }, x: { grid: { display: false } } },
        plugins: { legend: { position: 'top', align: 'end', labels: { usePointStyle: true, pointStyle: 'line' } } },
      },
    };
    const chart = chartBox({
      label: t('leadership.monthly.aria', { year: String(s.year), previous: String(s.previousYear), details }),
      className: 'chart--trend',
      testId: 'chart-monthly',
      config,
    });
    charts.push(chart);
    return panel(t('leadership.monthly.title'), 'lead-monthly', chart.el);
  }

  /** Horizontal bars; `full` (a long name behind a short label) shows in the tooltip and the accessible name. */
  function barChart(title: string, id: string, items: { label: string; count: number; full?: string }[], color: string, className: string): HTMLElement {
    const config: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: {
        labels: items.map((i) => i.label),
        datasets: [{ label: title, data: items.map((i) => i.count), backgroundColor: withAlpha(color, 0.85), borderRadius: 3, maxBarThickness: 18 }],
      },
      options: {
        indexAxis: 'y',
        scales: { x: { beginAtZero: true, ticks: countTicks }, y: { grid: { display: false }, ticks: { autoSkip: false } } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { title: (ctx) => (ctx[0] ? items[ctx[0].dataIndex]?.full ?? items[ctx[0].dataIndex]?.label ?? '' : '') } },
        },
      },
    };
    const spoken = items.map((i) => ({ label: i.full ?? i.label, count: i.count }));
    const chart = chartBox({ label: t('leadership.chart.aria', { title, details: describe(spoken) }), className, testId: id, config });
    charts.push(chart);
    return chart.el;
  }

  function severityChart(s: StatsSummary): HTMLElement {
    const items = s.bySeverity.map((r) => ({ label: severityLabel(r.severity), count: r.incidents, severity: r.severity }));
    const config: ChartConfiguration<'doughnut'> = {
      type: 'doughnut',
      data: {
        labels: items.map((i) => i.label),
        datasets: [
          {
            data: items.map((i) => i.count),
            backgroundColor: items.map((i) => themeColor(...SEVERITY_VARS[i.severity])),
            borderColor: themeColor('--bg-raised', '#11161d'),
            borderWidth: 2,
          },
        ],
      },
      options: { cutout: '62%', plugins: { legend: { position: 'right' } } },
    };
    const title = t('leadership.bySeverity.title');
    const chart = chartBox({ label: t('leadership.chart.aria', { title, details: describe(items) }), className: 'chart--doughnut', testId: 'chart-severity', config });
    charts.push(chart);
    return chart.el;
  }

  function agenciesTable(s: StatsSummary): HTMLElement {
    if (s.topAgencies.length === 0) return emptyState(t('leadership.emptyTable', { year: String(s.year) }));
    const max = Math.max(...s.topAgencies.map((a) => a.sharePct ?? 0), 1);
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table table--data table--lead', 'data-testid': 'top-agencies' },
        h('caption', { class: 'visually-hidden' }, t('leadership.topAgencies.title')),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col', class: 'num c-rank' }, t('leadership.col.rank')),
            h('th', { scope: 'col' }, t('leadership.col.agency')),
            h('th', { scope: 'col', class: 'num' }, String(s.year)),
            h('th', { scope: 'col', class: 'num' }, String(s.previousYear)),
            h('th', { scope: 'col', class: 'num' }, t('leadership.col.change')),
            h('th', { scope: 'col', class: 'c-share' }, t('leadership.col.share')),
          ),
        ),
        h(
          'tbody',
          null,
          s.topAgencies.map((a, i) =>
            h(
              'tr',
              { 'data-agency-id': a.agencyId },
              h('td', { class: 'num muted' }, String(i + 1)),
              h('td', { class: 'strong' }, a.name, a.code ? h('span', { class: 'chip mono lead-code' }, a.code) : null),
              h('td', { class: 'num strong' }, formatNumber(a.incidents)),
              h('td', { class: 'num muted' }, formatNumber(a.previousYear)),
              h('td', { class: 'num' }, trend(a.changePct, s.previousYear)),
              h(
                'td',
                { class: 'c-share' },
                h(
                  'span',
                  { class: 'share' },
                  h('span', { class: 'share__track', 'aria-hidden': 'true' }, h('span', { class: 'share__bar', 'data-width': String(Math.round(((a.sharePct ?? 0) / max) * 100)) })),
                  h('span', { class: 'share__value' }, formatShare(a.sharePct)),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function techniquesTable(s: StatsSummary): HTMLElement {
    if (s.topTechniques.length === 0) return emptyState(t('leadership.emptyTable', { year: String(s.year) }));
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table table--data table--lead', 'data-testid': 'top-techniques' },
        h('caption', { class: 'visually-hidden' }, t('leadership.topTechniques.title')),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, t('leadership.col.technique')),
            h('th', { scope: 'col' }, t('leadership.col.name')),
            h('th', { scope: 'col', class: 'num' }, t('leadership.col.incidents')),
            h('th', { scope: 'col', class: 'num' }, t('leadership.col.share')),
          ),
        ),
        h(
          'tbody',
          null,
          s.topTechniques.map((x) => {
            const url = attackUrl(x.technique);
            return h(
              'tr',
              null,
              h('td', { class: 'mono' }, url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', 'data-external': '' }, x.technique) : x.technique),
              h('td', { class: 'c-wrap' }, x.name ?? ''),
              h('td', { class: 'num strong' }, formatNumber(x.incidents)),
              h('td', { class: 'num muted' }, formatShare(x.sharePct)),
            );
          }),
        ),
      ),
    );
  }

  function render(s: StatsSummary): void {
    destroyCharts();
    setHeader(s);
    const accent = themeColor('--accent', '#58a6ff');
    const categories = s.byCategory.filter((c) => c.incidents > 0).map((c) => ({ label: categoryLabel(c.category), count: c.incidents }));
    const agencies = s.topAgencies.slice(0, TOP_AGENCIES_IN_CHART).map((a) => ({ label: a.code ?? a.name, full: a.name, count: a.incidents }));
    const updated = s.rollup.refreshedAt;
    replace(
      body,
      s.totals.incidents === 0 ? h('div', { class: 'notice notice--visible notice--info lead-empty', role: 'status' }, svgIcon(ICONS.info, { size: 16 }), t('leadership.emptyYear', { year: String(s.year) })) : null,
      kpis(s),
      monthlyChart(s),
      h(
        'div',
        { class: 'lead-grid' },
        panel(t('leadership.byCategory.title'), 'lead-category', barChart(t('leadership.byCategory.title'), 'chart-category', categories, accent, 'chart--bars')),
        panel(t('leadership.bySeverity.title'), 'lead-severity', severityChart(s)),
        panel(
          t('leadership.byAgency.title'),
          'lead-agency',
          barChart(t('leadership.byAgency.title'), 'chart-agency', agencies, themeColor('--sev-informational', '#6cb6ff'), 'chart--bars'),
        ),
      ),
      h(
        'div',
        { class: 'lead-grid lead-grid--tables' },
        panel(t('leadership.topAgencies.title'), 'lead-top-agencies', agenciesTable(s)),
        panel(t('leadership.topTechniques.title'), 'lead-top-techniques', techniquesTable(s)),
      ),
      h(
        'footer',
        { class: 'lead-foot' },
        h('p', null, t('leadership.footnote')),
        h(
          'p',
          null,
          updated
            ? withElement(t('leadership.updated'), 'time', h('time', { datetime: updated, title: formatDateTimeLong(updated) }, formatDateTime(updated)))
            : t('leadership.notBuilt'),
        ),
        h(
          'p',
          { 'data-testid': 'stats-reports' },
          s.reports
            ? t('leadership.reportsFiled', {
                filed: formatNumber(s.reports.filed),
                rate: s.reports.onTimeRatePct === null ? t('leadership.none') : formatShare(s.reports.onTimeRatePct),
              })
            : t('leadership.reports'),
        ),
      ),
    );
    // Share bars get their width from data (no inline styles in markup).
    for (const bar of body.querySelectorAll<HTMLElement>('.share__bar')) bar.style.width = `${bar.dataset.width ?? 0}%`;
  }

  function load(): void {
    controller?.abort();
    const ac = new AbortController();
    controller = ac;
    body.setAttribute('aria-busy', 'true');
    if (!body.querySelector('.kpis')) replace(body, loadingState(t('leadership.loading')));
    request<StatsSummary>('GET', '/stats/summary', { query: { year }, signal: ac.signal })
      .then((s) => {
        if (ac.signal.aborted) return;
        year = s.year;
        render(s);
      })
      .catch((err: unknown) => {
        if (isAbortError(err) || ac.signal.aborted) return;
        destroyCharts();
        replace(body, errorState(err, load));
      })
      .finally(() => {
        if (controller === ac) body.removeAttribute('aria-busy');
      });
  }

  load();
  return () => {
    controller?.abort();
    destroyCharts();
  };
}
