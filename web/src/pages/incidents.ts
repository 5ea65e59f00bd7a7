import { agencies, agencyName, findAgency, loadAgencies, onAgenciesChange } from '../agencies';
import { api, isAbortError } from '../api';
import { severityLabel, statusLabel } from '../components/badges';
import { describeError, errorContent } from '../components/form';
import { icon } from '../components/icons';
import { multiSelect } from '../components/multiselect';
import { h, replace, uid, type Child } from '../dom';
import { formatNumber, t, tp } from '../i18n';
import { onIncident, onLiveConnect, type IncidentEventKind } from '../live';
import type { Page } from '../router';
import { INCIDENT_STATUSES, SEVERITIES, type Incident, type IncidentStatus, type Severity } from '../types';
import {
  byActivity,
  filtersFromQuery,
  filtersToApi,
  filtersToQuery,
  isFiltered,
  matchesFilters,
  type Filters,
} from './incident-filters';
import { INCIDENT_COLUMNS, agencyCell, incidentRow } from './incident-row';

const PAGE_SIZE = 50;
const SEARCH_DEBOUNCE_MS = 300;
const FLASH_MS = 2_600;

/** Home: the live incident list. */
export const incidentsPage: Page = ({ outlet, query }) => {
  document.title = `${t('incidents.title')} · ${t('app.name')}`;

  let filters: Filters = filtersFromQuery(query);
  let items: Incident[] = [];
  const rows = new Map<string, HTMLTableRowElement>();
  let total = 0;
  let nextCursor: string | null = null;
  let pagesLoaded = 0;
  let loading = false;
  let loadingMore = false;
  let loaded = false;
  let failure: unknown = null;
  let controller: AbortController | null = null;
  let queued: [IncidentEventKind, Incident][] = [];
  let searchTimer: number | undefined;
  const disposers: (() => void)[] = [];

  // ---- Toolbar ------------------------------------------------------------------------------------------------------

  const searchId = uid('search');
  const search = h('input', {
    id: searchId,
    type: 'search',
    class: 'input input--search',
    placeholder: t('incidents.searchPlaceholder'),
    value: filters.q,
    maxlength: 200,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const severity = multiSelect({
    label: t('incidents.severity'),
    options: SEVERITIES.map((s) => ({ value: s, label: severityLabel(s), className: `ms__option--sev sev--${s}` })),
    selected: filters.severity,
    onChange: (values) => applyFilters({ ...filters, severity: values as Severity[] }),
  });
  const status = multiSelect({
    label: t('incidents.status'),
    options: INCIDENT_STATUSES.map((s) => ({ value: s, label: statusLabel(s) })),
    selected: filters.status,
    onChange: (values) => applyFilters({ ...filters, status: values as IncidentStatus[] }),
  });
  const agencySelectId = uid('agency');
  const agencySelect = h('select', { id: agencySelectId, class: 'select select--inline' });
  agencySelect.addEventListener('change', () => applyFilters({ ...filters, agencyId: agencySelect.value }));
  const clearButton = h(
    'button',
    { type: 'button', class: 'btn btn--ghost btn--small', hidden: !isFiltered(filters) },
    icon('x', 14),
    h('span', null, t('incidents.clearFilters')),
  );
  clearButton.addEventListener('click', () => {
    search.value = '';
    severity.set([]);
    status.set([]);
    applyFilters({ status: [], severity: [], agencyId: '', q: '' });
    search.focus();
  });

  const toolbar = h(
    'form',
    { class: 'toolbar', role: 'search', 'aria-label': t('incidents.filters') },
    h(
      'div',
      { class: 'search' },
      h('label', { class: 'visually-hidden', for: searchId }, t('incidents.search')),
      icon('search', 16, 'search__icon'),
      search,
      h('kbd', { class: 'search__kbd', 'aria-hidden': 'true' }, '/'),
    ),
    severity.el,
    status.el,
    h('div', { class: 'inline-field' }, h('label', { class: 'inline-field__label', for: agencySelectId }, t('incidents.agencyFilter')), agencySelect),
    clearButton,
  );
  toolbar.addEventListener('submit', (ev) => {
    ev.preventDefault();
    window.clearTimeout(searchTimer);
    if (search.value !== filters.q) applyFilters({ ...filters, q: search.value });
  });
  search.addEventListener('input', () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => applyFilters({ ...filters, q: search.value }), SEARCH_DEBOUNCE_MS);
  });

  function renderAgencyOptions(): void {
    const current = filters.agencyId;
    const options = [h('option', { value: '' }, t('incidents.allAgencies'))];
    for (const a of agencies()) options.push(h('option', { value: a.id }, a.name));
    // An agency in the URL that is not (yet) known still shows as selected.
    if (current && !findAgency(current)) options.push(h('option', { value: current }, agencyName(current)));
    replace(agencySelect, options);
    agencySelect.value = current;
  }

  // ---- Table --------------------------------------------------------------------------------------------------------

  const countEl = h('p', { class: 'page-head__meta' });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'table table--incidents', 'data-testid': 'incident-list' },
    h('caption', { class: 'visually-hidden' }, t('incidents.tableCaption')),
    h('thead', null, h('tr', null, INCIDENT_COLUMNS.map((c) => h('th', { scope: 'col', class: `c-${c.key}` }, c.label())))),
    tbody,
  );
  const footer = h('div', { class: 'list-footer' });
  const banner = h('div', { class: 'banner banner--error', role: 'alert', hidden: true });

  tbody.addEventListener('click', (ev) => {
    const target = ev.target as Element;
    if (target.closest('a, button, input, select')) return;
    if (window.getSelection()?.toString()) return; // the analyst is selecting text to copy
    const row = target.closest<HTMLTableRowElement>('tr[data-incident-id]');
    row?.querySelector<HTMLAnchorElement>('a.irow__link')?.click();
  });

  outlet.append(
    h(
      'section',
      { class: 'page page--incidents', 'aria-labelledby': 'incidents-title' },
      h('div', { class: 'page-head' }, h('h1', { class: 'page-head__title', id: 'incidents-title' }, t('incidents.title')), countEl),
      toolbar,
      banner,
      h('div', { class: 'table-wrap' }, table),
      footer,
    ),
  );

  function renderCount(): void {
    if (!loaded) {
      countEl.textContent = '';
      return;
    }
    let text = tp('incidents.total', total);
    if (items.length < total) text += ` · ${t('incidents.showing', { shown: formatNumber(items.length) })}`;
    countEl.textContent = text;
  }

  function stateRow(content: Child, className: string): HTMLTableRowElement {
    return h('tr', { class: `irow-state ${className}` }, h('td', { colspan: INCIDENT_COLUMNS.length }, content));
  }

  function renderEmptyState(): void {
    tbody.querySelector('.irow-state')?.remove();
    if (items.length > 0) return;
    if (!loaded && loading) {
      tbody.append(stateRow([h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('incidents.loading')], 'irow-state--loading'));
    } else if (failure) {
      const retry = h('button', { type: 'button', class: 'btn btn--secondary' }, t('error.retry'));
      retry.addEventListener('click', () => void loadFirst('replace'));
      tbody.append(stateRow(h('div', { class: 'state state--error' }, h('div', null, errorContent(failure)), retry), 'irow-state--error'));
    } else if (loaded) {
      tbody.append(stateRow(isFiltered(filters) ? t('incidents.emptyFiltered') : t('incidents.empty'), 'irow-state--empty'));
    }
  }

  function renderFooter(): void {
    footer.replaceChildren();
    if (!loaded || items.length === 0) return;
    if (nextCursor) {
      const more = h('button', { type: 'button', class: 'btn btn--secondary', disabled: loadingMore }, loadingMore ? t('incidents.loadingMore') : t('incidents.loadMore'));
      more.addEventListener('click', () => void loadMore());
      footer.append(more);
    } else {
      footer.append(h('span', { class: 'muted' }, t('incidents.allLoaded')));
    }
  }

  function renderRows(): void {
    const focusedId = (document.activeElement?.closest('tr[data-incident-id]') as HTMLElement | null)?.dataset.incidentId;
    rows.clear();
    tbody.replaceChildren(
      ...items.map((incident) => {
        const row = incidentRow(incident);
        rows.set(incident.id, row);
        return row;
      }),
    );
    if (focusedId) rows.get(focusedId)?.querySelector<HTMLElement>('a')?.focus({ preventScroll: true });
    renderEmptyState();
    renderCount();
    renderFooter();
  }

  function showBanner(err: unknown | null): void {
    if (!err) {
      banner.hidden = true;
      banner.replaceChildren();
      return;
    }
    replace(banner, icon('alert', 16), h('div', null, describeError(err).message));
    banner.hidden = false;
  }

  // ---- Loading ------------------------------------------------------------------------------------------------------

  /** `replace`: new filters or first visit. `merge`: after a (re)connection, fold the fresh first page in. */
  async function loadFirst(mode: 'replace' | 'merge'): Promise<void> {
    controller?.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    loading = true;
    loadingMore = false;
    if (mode === 'replace') {
      table.setAttribute('aria-busy', 'true');
      table.classList.add('is-loading');
      if (!loaded) renderEmptyState();
    }
    try {
      const page = await api.incidents({ ...filtersToApi(filters), limit: PAGE_SIZE }, ctrl.signal);
      if (ctrl !== controller) return;
      failure = null;
      showBanner(null);
      if (mode === 'replace' || pagesLoaded <= 1) {
        items = page.items;
        nextCursor = page.nextCursor;
        pagesLoaded = 1;
      } else {
        // Keep what "load more" brought beyond the fresh first page; drop rows the first page no longer has.
        const fresh = new Set(page.items.map((i) => i.id));
        const boundary = page.nextCursor ? page.items[page.items.length - 1] : undefined;
        const kept = boundary ? items.filter((i) => !fresh.has(i.id) && byActivity(i, boundary) > 0) : [];
        items = [...page.items, ...kept].sort(byActivity);
      }
      total = page.total;
      loaded = true;
      renderRows();
      const pending = queued;
      queued = [];
      for (const [kind, incident] of pending) applyLive(kind, incident);
    } catch (err) {
      if (isAbortError(err) || ctrl !== controller) return;
      failure = err;
      if (items.length === 0) renderEmptyState();
      else showBanner(err);
    } finally {
      if (ctrl === controller) {
        loading = false;
        table.removeAttribute('aria-busy');
        table.classList.remove('is-loading');
      }
    }
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor || loadingMore || loading) return;
    loadingMore = true;
    renderFooter();
    const ctrl = new AbortController();
    controller = ctrl;
    try {
      const page = await api.incidents({ ...filtersToApi(filters), limit: PAGE_SIZE, cursor: nextCursor }, ctrl.signal);
      if (ctrl !== controller) return;
      const have = new Set(items.map((i) => i.id));
      const added = page.items.filter((i) => !have.has(i.id));
      for (const incident of added) {
        const row = incidentRow(incident);
        rows.set(incident.id, row);
        tbody.append(row);
      }
      items = items.concat(added);
      nextCursor = page.nextCursor;
      total = page.total;
      pagesLoaded += 1;
      showBanner(null);
      // Keyboard users continue at the first new row.
      rows.get(added[0]?.id ?? '')?.querySelector<HTMLElement>('a')?.focus({ preventScroll: true });
    } catch (err) {
      if (!isAbortError(err) && ctrl === controller) showBanner(err);
    } finally {
      if (ctrl === controller) loadingMore = false;
      renderCount();
      renderFooter();
    }
  }

  function applyFilters(next: Filters): void {
    filters = next;
    const qs = filtersToQuery(filters).toString();
    history.replaceState(null, '', qs ? `/?${qs}` : '/');
    clearButton.hidden = !isFiltered(filters);
    renderAgencyOptions();
    void loadFirst('replace');
  }

  // ---- Live ---------------------------------------------------------------------------------------------------------

  function flash(row: HTMLElement, kind: IncidentEventKind): void {
    const cls = kind === 'new' ? 'irow--flash-new' : 'irow--flash-updated';
    row.classList.add(cls);
    window.setTimeout(() => row.classList.remove(cls), FLASH_MS);
  }

  function removeRow(id: string): void {
    rows.get(id)?.remove();
    rows.delete(id);
  }

  function applyLive(kind: IncidentEventKind, incident: Incident): void {
    const index = items.findIndex((i) => i.id === incident.id);
    const matches = matchesFilters(incident, filters);
    if (index >= 0) {
      const previous = items[index]!;
      if (previous.updatedAt > incident.updatedAt) return; // an older copy arrived late
      if (!matches) {
        items.splice(index, 1);
        removeRow(incident.id);
        total = Math.max(0, total - 1);
      } else {
        const hadFocus = rows.get(incident.id)?.contains(document.activeElement) ?? false;
        items.splice(index, 1);
        items.unshift(incident);
        removeRow(incident.id);
        const row = incidentRow(incident);
        rows.set(incident.id, row);
        tbody.prepend(row);
        if (previous.updatedAt !== incident.updatedAt) flash(row, 'updated');
        if (hadFocus) row.querySelector<HTMLElement>('a')?.focus({ preventScroll: true });
      }
    } else if (matches) {
      items.unshift(incident);
      const row = incidentRow(incident);
      rows.set(incident.id, row);
      tbody.prepend(row);
      flash(row, 'new');
      if (kind === 'new') total += 1;
    } else {
      return;
    }
    renderEmptyState();
    renderCount();
    renderFooter();
  }

  disposers.push(
    onIncident((kind, incident) => {
      if (loading && !loadingMore) queued.push([kind, incident]);
      else applyLive(kind, incident);
    }),
    // Anything raised while the feed was down comes back with a fresh first page.
    onLiveConnect(() => {
      if (loaded || loading) void loadFirst(loaded ? 'merge' : 'replace');
    }),
    onAgenciesChange(() => {
      renderAgencyOptions();
      for (const [id, row] of rows) {
        const incident = items.find((i) => i.id === id);
        const cell = row.querySelector('.c-agency');
        if (incident && cell) replace(cell, agencyCell(incident.agencyId));
      }
    }),
  );

  // "/" focuses the search, as in most consoles.
  const onKey = (ev: KeyboardEvent) => {
    if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const el = ev.target as HTMLElement;
    if (el.closest('input, textarea, select, [contenteditable="true"], dialog')) return;
    ev.preventDefault();
    search.focus();
    search.select();
  };
  document.addEventListener('keydown', onKey);
  disposers.push(() => document.removeEventListener('keydown', onKey));

  renderAgencyOptions();
  void loadAgencies().catch(() => undefined);
  void loadFirst('replace');

  return () => {
    controller?.abort();
    window.clearTimeout(searchTimer);
    for (const dispose of disposers) dispose();
  };
};
