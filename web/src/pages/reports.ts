import { agencies, agencyName, loadAgencies, onAgenciesChange } from '../agencies';
import { isAbortError } from '../api';
import { describeError } from '../components/form';
import { icon } from '../components/icons';
import { emptyState, errorState, loadingState } from '../components/states';
import { h, replace, uid, type Child } from '../dom';
import { formatCompact, formatDateTimeLong } from '../format';
import { formatNumber, t, tp } from '../i18n';
import type { Page } from '../router';
import { session } from '../session';
import {
  deadlineBadge,
  deadlineLabel,
  nciss,
  percent,
  reportHref,
  reportStatusBadge,
  stageLabel,
  statusLabel,
  tlpBadge,
} from './report-common';
import { REPORT_STATUSES, reportsApi, reportsCsvHref, type OnTimeStats, type Report, type ReportMeta, type ReportQuery } from './reports-api';
import { onReportEvents } from './reports-live';

const REFETCH_DEBOUNCE_MS = 400;
const SEARCH_DEBOUNCE_MS = 300;
const PAGE_SIZE = 200;

function onTimeTable(stats: OnTimeStats): HTMLElement {
  if (stats.agencies.length === 0) return emptyState(t('onTime.empty'));
  const cell = (rate: number | null, counts?: { onTime: number; late: number; missed: number }) =>
    h(
      'td',
      { class: `num ontime${rate === null ? '' : rate >= 0.9 ? ' ontime--good' : rate >= 0.6 ? ' ontime--fair' : ' ontime--poor'}` },
      percent(rate),
      counts ? h('span', { class: 'ontime__counts' }, t('onTime.counts', { onTime: counts.onTime, late: counts.late, missed: counts.missed })) : null,
    );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table table--data table--ontime', 'data-testid': 'on-time' },
      h('caption', { class: 'visually-hidden' }, t('onTime.title')),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, t('onTime.col.agency')),
          h('th', { scope: 'col', class: 'num' }, t('onTime.col.reports')),
          h('th', { scope: 'col', class: 'num' }, deadlineLabel('earlyWarning')),
          h('th', { scope: 'col', class: 'num' }, deadlineLabel('notification')),
          h('th', { scope: 'col', class: 'num' }, deadlineLabel('final')),
          h('th', { scope: 'col', class: 'num' }, t('onTime.col.overall')),
        ),
      ),
      h(
        'tbody',
        null,
        stats.agencies.map((a) =>
          h(
            'tr',
            { 'data-agency-id': a.agencyId },
            h('td', { class: 'strong' }, a.agencyName, a.agencyCode ? h('span', { class: 'chip mono ontime__code' }, a.agencyCode) : null),
            h('td', { class: 'num' }, formatNumber(a.reports)),
            cell(a.rates.earlyWarning, a.earlyWarning),
            cell(a.rates.notification, a.notification),
            cell(a.rates.final, a.final),
            cell(a.rates.overall),
          ),
        ),
        h(
          'tr',
          { class: 'ontime__total' },
          h('td', { class: 'strong' }, t('onTime.total')),
          h('td', { class: 'num' }, formatNumber(stats.total.reports)),
          cell(stats.total.rates.earlyWarning),
          cell(stats.total.rates.notification),
          cell(stats.total.rates.final),
          cell(stats.total.rates.overall),
        ),
      ),
    ),
  );
}

/** `/reports`: an agency's own reports (newest activity first), or the centre's view of all (late ones first). */
export const reportsPage: Page = ({ outlet, query }) => {
  document.title = `${t('reports.title')} · ${t('app.name')}`;
  const user = session.user;
  const role = user?.role;
  const isAgency = role === 'agency_admin';
  const isLeadership = role === 'leadership';
  const isCentre = role === 'admin' || role === 'analyst';

  let meta: ReportMeta | null = null;
  let items: Report[] = [];
  let total = 0;
  let controller: AbortController | null = null;
  let refetchTimer: number | undefined;
  let searchTimer: number | undefined;
  let loaded = false;
  const filters: Required<Pick<ReportQuery, 'status' | 'agencyId' | 'q'>> & { overdue: boolean } = {
    status: query.get('status') ?? '',
    agencyId: query.get('agencyId') ?? '',
    q: query.get('q') ?? '',
    overdue: query.get('overdue') === 'true',
  };

  const countEl = h('p', { class: 'page-head__meta' });
  const banner = h('div', { class: 'report-alerts', role: 'status', 'aria-live': 'polite' });
  const listBody = h('div', { class: 'report-list' }, loadingState(t('reports.loading')));
  const csvLink = h('a', { class: 'btn btn--secondary btn--small', href: reportsCsvHref({}), download: '' }, t('reports.exportCsv'));

  // ---- Toolbar ------------------------------------------------------------------------------------------------------

  const searchId = uid('rsearch');
  const search = h('input', {
    id: searchId,
    type: 'search',
    class: 'input input--search',
    placeholder: t('reports.searchPlaceholder'),
    value: filters.q,
    maxlength: 200,
    autocomplete: 'off',
  });
  const statusId = uid('rstatus');
  const statusSelect = h(
    'select',
    { id: statusId, class: 'select select--inline' },
    h('option', { value: '' }, t('reports.anyStatus')),
    REPORT_STATUSES.map((s) => h('option', { value: s, selected: s === filters.status }, statusLabel(s))),
  );
  const agencyId = uid('ragency');
  const agencySelect = h('select', { id: agencyId, class: 'select select--inline' });
  const overdue = h('input', { type: 'checkbox', checked: filters.overdue, id: uid('roverdue') });

  const toolbar = h(
    'form',
    { class: 'toolbar', role: 'search', 'aria-label': t('reports.filters') },
    h(
      'div',
      { class: 'search' },
      h('label', { class: 'visually-hidden', for: searchId }, t('reports.search')),
      icon('search', 16, 'search__icon'),
      search,
    ),
    h('div', { class: 'inline-field' }, h('label', { class: 'inline-field__label', for: statusId }, t('reports.status')), statusSelect),
    isCentre ? h('div', { class: 'inline-field' }, h('label', { class: 'inline-field__label', for: agencyId }, t('reports.agency')), agencySelect) : null,
    h('label', { class: 'inline-field report-check', for: overdue.id }, overdue, h('span', null, t('reports.overdueOnly'))),
  );
  toolbar.addEventListener('submit', (ev) => ev.preventDefault());
  search.addEventListener('input', () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => apply({ q: search.value.trim() }), SEARCH_DEBOUNCE_MS);
  });
  statusSelect.addEventListener('change', () => apply({ status: statusSelect.value }));
  agencySelect.addEventListener('change', () => apply({ agencyId: agencySelect.value }));
  overdue.addEventListener('change', () => apply({ overdue: overdue.checked }));

  function renderAgencyOptions(): void {
    replace(agencySelect, h('option', { value: '' }, t('reports.allAgencies')), agencies().map((a) => h('option', { value: a.id }, a.name)));
    agencySelect.value = filters.agencyId;
  }

  function apiQuery(): ReportQuery {
    return {
      ...(filters.status ? { status: filters.status } : {}),
      ...(filters.agencyId ? { agencyId: filters.agencyId } : {}),
      ...(filters.q ? { q: filters.q } : {}),
      ...(filters.overdue ? { overdue: true } : {}),
    };
  }

  function apply(change: Partial<typeof filters>): void {
    Object.assign(filters, change);
    const params = new URLSearchParams();
    if (filters.status) params.set('status', filters.status);
    if (filters.agencyId) params.set('agencyId', filters.agencyId);
    if (filters.q) params.set('q', filters.q);
    if (filters.overdue) params.set('overdue', 'true');
    const qs = params.toString();
    history.replaceState(null, '', qs ? `/reports?${qs}` : '/reports');
    csvLink.setAttribute('href', reportsCsvHref(apiQuery()));
    void load();
  }

  // ---- Table --------------------------------------------------------------------------------------------------------

  function row(r: Report): HTMLTableRowElement {
    return h(
      'tr',
      { class: `rrow rrow--${r.deadlineState ?? 'closed'}`, 'data-report-id': r.id, 'data-status': r.status },
      h('td', { class: 'c-deadline' }, deadlineBadge(r)),
      h('td', { class: 'c-title' }, h('a', { class: 'rrow__link', href: reportHref(r.id), title: r.title }, r.title)),
      isAgency ? null : h('td', { class: 'c-agency' }, h('span', { class: 'cell-clip' }, agencyName(r.agencyId))),
      h('td', { class: 'c-status' }, reportStatusBadge(r.status)),
      h('td', { class: 'c-stage' }, r.lastStage ? `${stageLabel(r.lastStage)} · v${r.version}` : h('span', { class: 'muted' }, t('reports.notSubmitted'))),
      h('td', { class: 'c-sev' }, nciss(meta, r.severity)),
      h('td', { class: 'c-tlp' }, tlpBadge(r.tlp)),
      h('td', { class: 'c-updated' }, h('time', { datetime: r.updatedAt, title: formatDateTimeLong(r.updatedAt) }, formatCompact(r.updatedAt))),
    );
  }

  function renderList(): void {
    countEl.textContent = loaded ? tp('reports.total', total) : '';
    if (items.length === 0) {
      const filtered = !!(filters.status || filters.agencyId || filters.q || filters.overdue);
      replace(listBody, emptyState(filtered ? t('reports.emptyFiltered') : isAgency ? t('reports.emptyAgency') : t('reports.empty')));
      return;
    }
    const head: Child[] = [
      h('th', { scope: 'col', class: 'c-deadline' }, t('reports.col.deadline')),
      h('th', { scope: 'col', class: 'c-title' }, t('reports.col.title')),
      isAgency ? null : h('th', { scope: 'col', class: 'c-agency' }, t('reports.col.agency')),
      h('th', { scope: 'col', class: 'c-status' }, t('reports.col.status')),
      h('th', { scope: 'col', class: 'c-stage' }, t('reports.col.stage')),
      h('th', { scope: 'col', class: 'c-sev' }, t('reports.col.severity')),
      h('th', { scope: 'col', class: 'c-tlp' }, 'TLP'),
      h('th', { scope: 'col', class: 'c-updated' }, t('reports.col.updated')),
    ];
    replace(
      listBody,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table table--data table--reports', 'data-testid': 'report-list' },
          h('caption', { class: 'visually-hidden' }, isAgency ? t('reports.captionAgency') : t('reports.captionCentre')),
          h('thead', null, h('tr', null, head)),
          h('tbody', null, items.map(row)),
        ),
      ),
    );
  }

  async function load(): Promise<void> {
    if (isLeadership) return;
    controller?.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    listBody.setAttribute('aria-busy', 'true');
    try {
      const page = await reportsApi.list({ ...apiQuery(), limit: PAGE_SIZE }, ctrl.signal);
      if (ctrl !== controller) return;
      items = page.items;
      total = page.total;
      loaded = true;
      renderList();
    } catch (err) {
      if (isAbortError(err) || ctrl !== controller) return;
      if (!loaded) replace(listBody, errorState(err, () => void load()));
      else showAlert('error', describeError(err).message);
    } finally {
      if (ctrl === controller) listBody.removeAttribute('aria-busy');
    }
  }

  // ---- On-time rates (leadership and centre) -------------------------------------------------------------------------

  const onTimeBody = h('div', null, loadingState(t('reports.loading')));
  async function loadOnTime(): Promise<void> {
    try {
      replace(onTimeBody, onTimeTable(await reportsApi.onTime()));
    } catch (err) {
      replace(onTimeBody, errorState(err, () => void loadOnTime()));
    }
  }

  // ---- Live ---------------------------------------------------------------------------------------------------------

  function showAlert(kind: 'deadline' | 'error', text: string, href?: string): void {
    const el = h(
      'div',
      { class: `report-alert report-alert--${kind}` },
      icon(kind === 'error' ? 'alert' : 'clock', 16),
      href ? h('a', { href }, text) : h('span', null, text),
      h('button', { type: 'button', class: 'btn btn--ghost btn--small', 'aria-label': t('reports.dismiss'), on: { click: () => el.remove() } }, icon('x', 14)),
    );
    banner.prepend(el);
    while (banner.children.length > 3) banner.lastElementChild?.remove();
  }

  function scheduleRefetch(): void {
    window.clearTimeout(refetchTimer);
    refetchTimer = window.setTimeout(() => {
      void load();
      if (!isAgency) void loadOnTime();
    }, REFETCH_DEBOUNCE_MS);
  }

  const disposers = [
    onReportEvents({
      updated: () => scheduleRefetch(),
      deadline: (e) => {
        const r = items.find((x) => x.id === e.reportId);
        const key = e.level === 'overdue' ? 'reports.alertOverdue' : 'reports.alertDueSoon';
        showAlert('deadline', t(key, { deadline: deadlineLabel(e.deadline), title: r?.title ?? e.reportId }), reportHref(e.reportId));
        scheduleRefetch();
      },
      connected: () => scheduleRefetch(),
    }),
    onAgenciesChange(() => {
      renderAgencyOptions();
      if (loaded) renderList();
    }),
  ];

  // ---- Page ---------------------------------------------------------------------------------------------------------

  const actions = h(
    'div',
    { class: 'page-head__actions' },
    isLeadership ? null : csvLink,
    isAgency ? h('a', { class: 'btn btn--primary btn--small', href: '/reports/new', 'data-testid': 'new-report' }, icon('plus', 14), h('span', null, t('reports.new'))) : null,
  );
  outlet.append(
    h(
      'section',
      { class: 'page page--reports', 'aria-labelledby': 'reports-title' },
      h('div', { class: 'page-head' }, h('h1', { class: 'page-head__title', id: 'reports-title' }, isLeadership ? t('onTime.title') : t('reports.title')), countEl, actions),
      isLeadership ? null : h('p', { class: 'page-intro' }, isAgency ? t('reports.introAgency') : t('reports.introCentre')),
      banner,
      isLeadership ? null : toolbar,
      isLeadership ? null : listBody,
      isLeadership || isCentre
        ? h(
            'section',
            { class: 'card report-ontime', 'aria-labelledby': 'ontime-title' },
            h('h2', { class: 'card__title', id: 'ontime-title' }, t('onTime.title')),
            h('p', { class: 'muted small report-ontime__hint' }, t('onTime.hint')),
            onTimeBody,
          )
        : null,
    ),
  );

  renderAgencyOptions();
  void loadAgencies().catch(() => undefined);
  void reportsApi
    .meta()
    .then((m) => {
      meta = m;
      if (loaded) renderList();
    })
    .catch(() => undefined);
  void load();
  if (!isAgency) void loadOnTime();

  return () => {
    controller?.abort();
    window.clearTimeout(refetchTimer);
    window.clearTimeout(searchTimer);
    for (const dispose of disposers) dispose();
  };
};

