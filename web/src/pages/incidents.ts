import { agencyName, loadAgencies, onAgenciesChange } from '../agencies';
import { api, isAbortError, type BulkRequest } from '../api';
import { roleLabel, severityLabel, statusLabel } from '../components/badges';
import { confirmDialog } from '../components/dialog';
import { describeError, errorContent } from '../components/form';
import { icon } from '../components/icons';
import { virtualRows } from '../components/virtual-list';
import { h, replace } from '../dom';
import { formatDateTime, sentence } from '../format';
import { formatNumber, t, tp } from '../i18n';
import { liveStatus, onIncident, onLiveConnect, type IncidentEventKind } from '../live';
import { noteOwnAction } from '../notify';
import type { Page } from '../router';
import { session } from '../session';
import { registerShortcuts, type Shortcut } from '../shortcuts';
import type { BulkResult, Incident } from '../types';
import {
  ASSIGNEE_ME,
  ASSIGNEE_NONE,
  PIVOTS,
  QUICK_VIEWS,
  byActivity,
  canonicalQuery,
  emptyFilters,
  filtersFromQuery,
  filtersToApi,
  filtersToQuery,
  isFiltered,
  matchesFilters,
  type Filters,
} from './incident-filters';
import { categoryLabel, incidentHref, incidentRow, listColumns, setRowState } from './incident-row';
import { assigneeChoices, bulkBar, customStatusLabel, loadAssignees, loadStatuses, runBulk, statusChoices } from './list-bulk';
import { chooseDialog } from './list-dialogs';
import { listToolbar } from './list-toolbar';
import { quickViewLabel, viewsUi } from './list-views';

/**
 * Home: the incident queue analysts live in. Filters live in the URL (back/forward and reload restore the view);
 * the list is virtualised (only the rows in view are in the DOM) and pages in by cursor as the analyst scrolls or
 * moves the keyboard cursor near the end; live incidents slot in where the server's order puts them, without moving
 * what the analyst is reading; admins and analysts select rows and act on them in bulk.
 */

const FIRST_PAGE = 100;
const PAGE_SIZE = 100;
/** The server's largest page: a restored list (back from an incident) reloads at most this many rows at once. */
const MAX_PAGE = 500;
/** Fetch the next page when the view or the cursor comes this close to the last loaded row. */
const PREFETCH_ROWS = 40;
const ROW_HEIGHT = 40;
const FLASH_MS = 2_600;
const TOAST_MS = 6_000;
const SAVE_STATE_MS = 150;

/**
 * Where the analyst was in the list (scroll, cursor, how many rows were loaded), per history entry: coming back from
 * an incident, reloading or switching language returns to the same place. Kept in sessionStorage (written at once,
 * so even an immediate reload finds it) under an id stored in the history entry.
 */
interface SavedPlace {
  scrollTop: number;
  cursorId: string | null;
  loaded: number;
}

const PLACES_KEY = 'vigil.list.places';
const MAX_PLACES = 30;

/** The id of the current history entry, given to it on first use. */
function entryId(): string {
  const state = (history.state as Record<string, unknown> | null) ?? {};
  if (typeof state.vigilListEntry === 'string') return state.vigilListEntry;
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  history.replaceState({ ...state, vigilListEntry: id }, '');
  return id;
}

function readPlaces(): Record<string, SavedPlace & { at: number }> {
  try {
    const raw = JSON.parse(sessionStorage.getItem(PLACES_KEY) ?? '{}') as unknown;
    return raw && typeof raw === 'object' ? (raw as Record<string, SavedPlace & { at: number }>) : {};
  } catch {
    return {};
  }
}

function readPlace(entry: string): SavedPlace | null {
  const place = readPlaces()[entry];
  return place && typeof place.scrollTop === 'number' && typeof place.loaded === 'number' ? place : null;
}

function writePlace(entry: string, place: SavedPlace): void {
  const places = readPlaces();
  places[entry] = { ...place, at: Date.now() };
  const keys = Object.keys(places);
  if (keys.length > MAX_PLACES) {
    keys.sort((a, b) => places[a]!.at - places[b]!.at);
    for (const k of keys.slice(0, keys.length - MAX_PLACES)) delete places[k];
  }
  try {
    sessionStorage.setItem(PLACES_KEY, JSON.stringify(places));
  } catch {
    // storage unavailable: the list starts at the top next time
  }
}

export const incidentsPage: Page = ({ outlet, query }) => {
  document.title = `${t('incidents.title')} · ${t('app.name')}`;
  const user = session.user!;
  const canEdit = user.role === 'admin' || user.role === 'analyst';
  const columns = listColumns(canEdit);

  let filters: Filters = filtersFromQuery(query);
  let items: Incident[] = [];
  let total = 0;
  let nextCursor: string | null = null;
  let loading = false;
  let loadingMore = false;
  let loaded = false;
  let failure: unknown = null;
  let moreFailure: unknown = null;
  let controller: AbortController | null = null;
  let queued: [IncidentEventKind, Incident][] = [];
  const selection = new Set<string>();
  let selectAnchor: string | null = null;
  let cursorId: string | null = null;
  let busy = false;
  let newAbove = 0;
  let entry = entryId();
  let restore = readPlace(entry);
  let saveTimer: number | undefined;
  let toastTimer: number | undefined;
  const flashes = new Map<string, { kind: IncidentEventKind; until: number }>();
  const disposers: (() => void)[] = [];

  const matchCtx = () => ({ me: user.username });
  const currentQuery = () => filtersToQuery(filters).toString();

  // ---- Filters ------------------------------------------------------------------------------------------------------

  const toolbar = listToolbar({
    user,
    current: () => filters,
    onChange: (next, how) => applyFilters(next, how.search ? 'search' : 'push'),
  });

  const views = viewsUi({
    user,
    current: () => canonicalQuery(currentQuery()),
    apply: (q) => applyFilters(filtersFromQuery(new URLSearchParams(q)), 'push'),
    summary: () => describeFilters(filters),
    suggestName: () => suggestName(filters),
    announce: (message) => toast(message),
  });

  // ---- Layout -------------------------------------------------------------------------------------------------------

  const countEl = h('p', { class: 'page-head__meta lq-count', 'data-testid': 'incident-count' });
  const thead = h(
    'thead',
    null,
    h(
      'tr',
      { 'aria-rowindex': 1 },
      columns.map((c) => {
        if (c.key !== 'select') return h('th', { scope: 'col', class: `c-${c.key}` }, c.label());
        return h('th', { scope: 'col', class: 'c-select' }, h('span', { class: 'visually-hidden' }, c.label()));
      }),
    ),
  );
  const selectAll = canEdit
    ? h('input', { type: 'checkbox', class: 'irow__check', 'aria-label': t('list.select.all'), 'data-testid': 'select-all' })
    : null;
  if (selectAll) thead.querySelector('th.c-select')?.append(selectAll);
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'table table--incidents lq-table', 'data-testid': 'incident-list', 'aria-rowcount': 1 },
    h('caption', { class: 'visually-hidden' }, t('incidents.tableCaption')),
    thead,
    tbody,
  );
  const stateEl = h('div', { class: 'lq-state' });
  const footer = h('div', { class: 'list-footer lq-footer' });
  const scroller = h('div', { class: 'lq-scroll', tabindex: -1, 'data-testid': 'incident-scroller' }, table, stateEl, footer);
  const pill = h('button', { type: 'button', class: 'lq-newpill', hidden: true, 'data-testid': 'new-pill' });
  const bulk = bulkBar({
    assignMe: () => void assignToMe(),
    assignTo: () => void assignTo(),
    status: () => void setStatus(),
    falsePositive: () => void falsePositive(),
    clear: () => clearSelection(),
  });
  const toastEl = h('div', { class: 'lq-toast', role: 'status', 'aria-live': 'polite', 'data-testid': 'list-toast' });
  const failuresEl = h('div', { class: 'lq-failures', role: 'alert', hidden: true, 'data-testid': 'bulk-failures' });
  const banner = h('div', { class: 'banner banner--error', role: 'alert', hidden: true });

  outlet.append(
    h(
      'section',
      { class: `page page--incidents lq${canEdit ? ' lq--editor' : ''}`, 'aria-labelledby': 'incidents-title' },
      h(
        'div',
        { class: 'page-head lq-head' },
        h('h1', { class: 'page-head__title', id: 'incidents-title' }, t('incidents.title')),
        countEl,
        views.quick,
        h('div', { class: 'lq-head__actions' }, views.menu, views.save),
      ),
      toolbar.el,
      banner,
      failuresEl,
      h('div', { class: 'lq-body' }, scroller, pill, bulk.el, toastEl),
    ),
  );

  // ---- Rendering ----------------------------------------------------------------------------------------------------

  const vlist = virtualRows({
    scroller,
    thead,
    tbody,
    columns: () => columns.length,
    count: () => items.length,
    keyAt: (i) => items[i]!.id,
    renderRow: (i) => renderRow(items[i]!, i),
    estimatedRowHeight: ROW_HEIGHT,
    overscan: 10,
    ariaRowIndexOffset: 2,
    onRender: ({ end }) => {
      if (end >= items.length - PREFETCH_ROWS) void loadMore();
      if (scroller.scrollTop < vlist.rowHeight() / 2 && newAbove > 0) {
        newAbove = 0;
        renderPill();
      }
    },
  });
  disposers.push(() => vlist.destroy());

  function renderRow(incident: Incident, index: number): HTMLTableRowElement {
    const row = incidentRow(incident, {
      index,
      selectable: canEdit,
      selected: selection.has(incident.id),
      cursor: incident.id === cursorId,
      customStatusLabel: customStatusLabel(incident.customStatus),
    });
    const flash = flashes.get(incident.id);
    if (flash && flash.until > Date.now()) row.classList.add(flash.kind === 'new' ? 'irow--flash-new' : 'irow--flash-updated');
    return row;
  }

  /** Selection and cursor marks on the rendered rows, the header checkbox and the bulk bar. */
  function syncMarks(): void {
    for (const [id, row] of vlist.rows()) setRowState(row, selection.has(id), id === cursorId);
    if (selectAll) {
      const n = items.filter((i) => selection.has(i.id)).length;
      selectAll.checked = n > 0 && n === items.length;
      selectAll.indeterminate = n > 0 && n < items.length;
    }
    bulk.render(canEdit ? selection.size : 0, busy);
  }

  function renderCount(): void {
    table.setAttribute('aria-rowcount', String(Math.max(total, items.length) + 1));
    if (!loaded) {
      countEl.textContent = '';
      return;
    }
    let text = tp('incidents.total', total);
    if (items.length < total) text += ` · ${t('incidents.showing', { shown: formatNumber(items.length) })}`;
    countEl.textContent = text;
  }

  function renderState(): void {
    stateEl.replaceChildren();
    if (items.length > 0) return;
    if (!loaded && loading) {
      stateEl.append(h('p', { class: 'lq-state__text' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', t('incidents.loading')));
    } else if (failure) {
      const retry = h('button', { type: 'button', class: 'btn btn--secondary' }, t('error.retry'));
      retry.addEventListener('click', () => void loadFirst('replace'));
      stateEl.append(h('div', { class: 'state state--error' }, h('div', null, errorContent(failure)), retry));
    } else if (loaded) {
      stateEl.append(h('p', { class: 'lq-state__text' }, isFiltered(filters) ? t('incidents.emptyFiltered') : t('incidents.empty')));
    }
  }

  function renderFooter(): void {
    footer.replaceChildren();
    if (!loaded || items.length === 0) return;
    if (moreFailure) {
      const retry = h('button', { type: 'button', class: 'btn btn--secondary btn--small' }, t('error.retry'));
      retry.addEventListener('click', () => {
        moreFailure = null;
        void loadMore();
      });
      footer.append(h('span', { class: 'lq-footer__error' }, t('list.loadMoreFailed')), retry);
    } else if (nextCursor) {
      footer.append(h('span', { class: 'muted' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', t('incidents.loadingMore')));
    } else {
      footer.append(h('span', { class: 'muted' }, t('incidents.allLoaded')));
    }
  }

  function renderPill(): void {
    pill.hidden = newAbove === 0;
    if (newAbove > 0) replace(pill, tp('list.newPill', newAbove), ' ', icon('arrowLeft', 14, 'lq-newpill__arrow'));
  }
  pill.addEventListener('click', () => {
    newAbove = 0;
    renderPill();
    scroller.scrollTo({ top: 0, behavior: 'smooth' });
    if (items[0]) setCursor(items[0].id, { scroll: false });
  });

  function renderAll(): void {
    vlist.render();
    renderCount();
    renderState();
    renderFooter();
    syncMarks();
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

  function toast(message: string): void {
    window.clearTimeout(toastTimer);
    replace(toastEl, icon('check', 14), h('span', null, message));
    toastEl.classList.add('is-shown');
    toastTimer = window.setTimeout(() => {
      toastEl.classList.remove('is-shown');
      toastEl.replaceChildren();
    }, TOAST_MS);
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
      if (!loaded) renderState();
    }
    // Coming back to this entry (from an incident, a reload, a language switch): as many rows as were loaded then.
    // After a reconnection: as many as are loaded now (up to the server's largest page), so nothing shown goes stale.
    const want = mode === 'merge' ? items.length : (restore?.loaded ?? 0);
    const limit = Math.min(MAX_PAGE, Math.max(FIRST_PAGE, want));
    try {
      const page = await api.incidents({ ...filtersToApi(filters), limit }, ctrl.signal);
      if (ctrl !== controller) return;
      failure = null;
      moreFailure = null;
      showBanner(null);
      const anchor = mode === 'merge' && scroller.scrollTop > 0 ? vlist.anchor() : null;
      const before = new Map(items.map((i) => [i.id, i.updatedAt]));
      if (mode === 'replace' || items.length <= page.items.length) {
        items = page.items;
        nextCursor = page.nextCursor;
      } else {
        // Keep what later pages brought beyond the fresh first page; drop rows the first page no longer has.
        const fresh = new Set(page.items.map((i) => i.id));
        const boundary = page.nextCursor ? page.items[page.items.length - 1] : undefined;
        const kept = boundary ? items.filter((i) => !fresh.has(i.id) && byActivity(i, boundary) > 0) : [];
        items = [...page.items, ...kept].sort(byActivity);
        // Everything fits in the fresh page: there is nothing more to fetch.
        if (!page.nextCursor) nextCursor = null;
      }
      total = page.total;
      loaded = true;
      if (mode === 'replace') vlist.invalidate();
      else vlist.invalidate(items.filter((i) => before.get(i.id) !== i.updatedAt).map((i) => i.id));
      pruneSelection();
      const place = mode === 'replace' ? restore : null;
      restore = null;
      if (mode === 'replace') {
        scroller.scrollTop = 0;
        newAbove = 0;
        renderPill();
        if (place?.cursorId && items.some((i) => i.id === place.cursorId)) cursorId = place.cursorId;
      }
      // Rendered first: the rows give the list its height, so the scroll position below can be reached.
      renderAll();
      if (anchor) {
        const index = items.findIndex((i) => i.id === anchor.key);
        if (index >= 0) vlist.restoreAnchor(index, anchor.offset);
        vlist.render();
      }
      if (place) {
        scroller.scrollTop = place.scrollTop;
        vlist.render();
      }
      const pending = queued;
      queued = [];
      for (const [kind, incident] of pending) applyLive(kind, incident);
    } catch (err) {
      if (isAbortError(err) || ctrl !== controller) return;
      failure = err;
      restore = null;
      if (items.length === 0) renderState();
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
    if (!nextCursor || loadingMore || loading || moreFailure) return;
    loadingMore = true;
    const ctrl = new AbortController();
    controller = ctrl;
    try {
      const page = await api.incidents({ ...filtersToApi(filters), limit: PAGE_SIZE, cursor: nextCursor }, ctrl.signal);
      if (ctrl !== controller) return;
      const have = new Set(items.map((i) => i.id));
      items = items.concat(page.items.filter((i) => !have.has(i.id)));
      nextCursor = page.nextCursor;
      total = page.total;
      showBanner(null);
    } catch (err) {
      if (!isAbortError(err) && ctrl === controller) moreFailure = err;
    } finally {
      if (ctrl === controller) loadingMore = false;
      renderAll();
    }
  }

  function applyFilters(next: Filters, how: 'push' | 'search' | 'none'): void {
    filters = next;
    const qs = filtersToQuery(filters).toString();
    const url = qs ? `/?${qs}` : '/';
    if (how !== 'none' && url !== location.pathname + location.search) {
      // Typing a search adds one history entry, not one per pause.
      const inSearch = (history.state as { vigilListSearch?: boolean } | null)?.vigilListSearch === true;
      if (how === 'search' && inSearch) history.replaceState({ vigilListSearch: true }, '', url);
      else history.pushState(how === 'search' ? { vigilListSearch: true } : null, '', url);
      entry = entryId();
    }
    toolbar.sync(filters);
    views.setCurrent(canonicalQuery(qs));
    selection.clear();
    cursorId = null;
    selectAnchor = null;
    restore = null;
    void loadFirst('replace');
  }

  // ---- Live ---------------------------------------------------------------------------------------------------------

  function flash(id: string, kind: IncidentEventKind): void {
    flashes.set(id, { kind, until: Date.now() + FLASH_MS });
    window.setTimeout(() => {
      const current = flashes.get(id);
      if (current && current.until <= Date.now()) flashes.delete(id);
      vlist.row(id)?.classList.remove('irow--flash-new', 'irow--flash-updated');
    }, FLASH_MS);
  }

  /** Where the server's order puts an incident among the loaded ones. */
  function sortedIndex(incident: Incident): number {
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byActivity(items[mid]!, incident) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function applyLive(kind: IncidentEventKind, incident: Incident): void {
    const index = items.findIndex((i) => i.id === incident.id);
    const matches = matchesFilters(incident, filters, matchCtx());
    // What the analyst is reading stays where it is while rows come and go above it.
    const anchor = scroller.scrollTop > 0 ? vlist.anchor() : null;
    const anchorIndex = anchor ? items.findIndex((i) => i.id === anchor.key) : -1;
    if (index >= 0) {
      const previous = items[index]!;
      if (previous.updatedAt > incident.updatedAt) return; // an older copy arrived late
      items.splice(index, 1);
      vlist.invalidate([incident.id]);
      if (!matches) {
        total = Math.max(0, total - 1);
        selection.delete(incident.id);
        if (cursorId === incident.id) cursorId = items[Math.min(index, items.length - 1)]?.id ?? null;
      } else {
        items.splice(sortedIndex(incident), 0, incident);
        if (previous.updatedAt !== incident.updatedAt) flash(incident.id, 'updated');
      }
    } else if (matches) {
      const at = sortedIndex(incident);
      // Older than everything loaded while more pages exist: it arrives with its page.
      if (at >= items.length && nextCursor) {
        if (kind === 'new') total += 1;
        renderCount();
        return;
      }
      items.splice(at, 0, incident);
      flash(incident.id, 'new');
      if (kind === 'new') total += 1;
      if (anchor && kind === 'new' && at <= anchorIndex) newAbove += 1;
    } else {
      return;
    }
    if (anchor && anchor.key !== incident.id) {
      const now = items.findIndex((i) => i.id === anchor.key);
      if (now >= 0) vlist.restoreAnchor(now, anchor.offset);
    }
    renderAll();
    renderPill();
  }

  function pruneSelection(): void {
    const present = new Set(items.map((i) => i.id));
    for (const id of selection) if (!present.has(id)) selection.delete(id);
    if (cursorId && !present.has(cursorId)) cursorId = null;
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
      toolbar.renderAgencies();
      vlist.invalidate();
      vlist.render();
    }),
  );

  // ---- Cursor, selection, opening -----------------------------------------------------------------------------------

  const indexOf = (id: string | null) => (id ? items.findIndex((i) => i.id === id) : -1);
  const listHasFocus = () => {
    const a = document.activeElement;
    return !!a && (tbody.contains(a) || a === scroller);
  };

  function setCursor(id: string | null, opts: { scroll?: boolean; focus?: boolean } = {}): void {
    cursorId = id;
    const index = indexOf(id);
    if (index >= 0 && opts.scroll !== false) vlist.scrollToIndex(index);
    syncMarks();
    if (opts.focus && id) vlist.row(id)?.querySelector<HTMLElement>('[data-part="link"]')?.focus({ preventScroll: true });
    if (index >= items.length - PREFETCH_ROWS) void loadMore();
    saveNow();
  }

  function moveCursor(delta: number): void {
    if (!items.length) return;
    let index = indexOf(cursorId);
    if (index < 0) {
      const { first, last } = vlist.visible();
      index = delta > 0 ? Math.max(0, first) : Math.max(0, Math.min(items.length - 1, last));
    } else {
      index = Math.max(0, Math.min(items.length - 1, index + delta));
    }
    setCursor(items[index]!.id, { focus: listHasFocus() });
  }

  function openIncident(id: string): void {
    saveNow();
    const link = vlist.row(id)?.querySelector<HTMLAnchorElement>('a.irow__link');
    if (link) {
      link.click();
      return;
    }
    // Not rendered: a detached link takes the same route through the router.
    const a = h('a', { href: incidentHref(id), hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
  }

  function toggleSelected(id: string, on = !selection.has(id)): void {
    if (on) selection.add(id);
    else selection.delete(id);
    selectAnchor = id;
    syncMarks();
  }

  function selectRange(toId: string): void {
    const from = indexOf(selectAnchor ?? toId);
    const to = indexOf(toId);
    if (from < 0 || to < 0) return toggleSelected(toId);
    const [a, b] = from < to ? [from, to] : [to, from];
    for (let i = a; i <= b; i++) selection.add(items[i]!.id);
    selectAnchor = toId;
    syncMarks();
  }

  function clearSelection(): void {
    selection.clear();
    selectAnchor = null;
    syncMarks();
  }

  tbody.addEventListener('click', (ev) => {
    const target = ev.target as Element;
    const row = target.closest<HTMLTableRowElement>('tr[data-incident-id]');
    const id = row?.dataset.incidentId;
    if (!row || !id) return;
    if (target.matches('input.irow__check')) {
      const box = target as HTMLInputElement;
      cursorId = id;
      if ((ev as MouseEvent).shiftKey && selectAnchor) selectRange(id);
      else toggleSelected(id, box.checked);
      return;
    }
    if (target.closest('a, button, input, select, label')) {
      saveNow();
      return;
    }
    if (window.getSelection()?.toString()) return; // the analyst is selecting text to copy
    cursorId = id;
    saveNow();
    row.querySelector<HTMLAnchorElement>('a.irow__link')?.click();
  });
  // Tabbing into a row moves the cursor there, so the keys act on what has focus.
  tbody.addEventListener('focusin', (ev) => {
    const id = (ev.target as Element).closest<HTMLElement>('tr[data-incident-id]')?.dataset.incidentId;
    if (id && id !== cursorId) setCursor(id, { scroll: false });
  });
  selectAll?.addEventListener('change', () => {
    if (selectAll.checked) for (const i of items) selection.add(i.id);
    else selection.clear();
    syncMarks();
  });

  // ---- Remembering the place ----------------------------------------------------------------------------------------

  function saveNow(): void {
    window.clearTimeout(saveTimer);
    if (!loaded) return;
    writePlace(entry, { scrollTop: Math.round(scroller.scrollTop), cursorId, loaded: items.length });
  }
  function saveSoon(): void {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(saveNow, SAVE_STATE_MS);
  }
  scroller.addEventListener('scroll', saveSoon, { passive: true });
  // A reload right after a keystroke still finds the place.
  window.addEventListener('pagehide', saveNow);
  disposers.push(() => window.removeEventListener('pagehide', saveNow));

  // ---- Actions ------------------------------------------------------------------------------------------------------

  /** The selection, else the cursor row. */
  function targets(): string[] {
    if (selection.size) return items.filter((i) => selection.has(i.id)).map((i) => i.id);
    return cursorId && indexOf(cursorId) >= 0 ? [cursorId] : [];
  }

  const titleOf = (id: string) => items.find((i) => i.id === id)?.title ?? id;

  function showFailures(failed: BulkResult[], count: number): void {
    const byReason = new Map<string, string[]>();
    for (const r of failed) {
      const reason = sentence(r.error ?? r.code ?? t('error.generic'));
      byReason.set(reason, [...(byReason.get(reason) ?? []), r.id]);
    }
    const dismiss = h('button', { type: 'button', class: 'btn btn--ghost btn--small' }, t('list.bulk.dismiss'));
    dismiss.addEventListener('click', () => {
      failuresEl.hidden = true;
      failuresEl.replaceChildren();
    });
    replace(
      failuresEl,
      icon('alert', 16),
      h(
        'div',
        { class: 'lq-failures__body' },
        h('p', { class: 'lq-failures__title' }, t('list.bulk.failed', { failed: failed.length, total: count })),
        h(
          'ul',
          { class: 'lq-failures__list' },
          // One line per reason, naming the first few incidents it stopped.
          [...byReason].map(([reason, ids]) =>
            h(
              'li',
              null,
              h('span', { class: 'lq-failures__reason' }, reason),
              ': ',
              ids.slice(0, 3).flatMap((id, i) => [i > 0 ? ', ' : '', h('span', { class: 'lq-failures__name' }, titleOf(id))]),
              ids.length > 3 ? ` ${t('list.bulk.failedMore', { count: ids.length - 3 })}` : '',
            ),
          ),
        ),
      ),
      dismiss,
    );
    failuresEl.hidden = false;
  }

  async function act(ids: string[], action: BulkRequest, done: (n: number) => string): Promise<void> {
    if (!ids.length || busy) return;
    busy = true;
    syncMarks();
    failuresEl.hidden = true;
    noteOwnAction(ids);
    let results: BulkResult[];
    try {
      results = await runBulk(ids, action);
    } catch (err) {
      busy = false;
      syncMarks();
      showFailures(ids.map((id) => ({ id, ok: false, error: describeError(err).message })), ids.length);
      return;
    }
    busy = false;
    const failed = results.filter((r) => !r.ok);
    // What worked leaves the selection; what failed stays selected, to retry or look at.
    for (const r of results) if (r.ok) selection.delete(r.id);
    const ok = results.length - failed.length;
    if (failed.length) showFailures(failed, results.length);
    if (ok) toast(done(ok));
    syncMarks();
    // The live feed brings the changed incidents; without it, fetch them.
    if (liveStatus() !== 'live') void loadFirst('merge');
  }

  function assignToMe(): Promise<void> {
    return act(targets(), { action: 'assign', assignee: user.username }, (n) => tp('list.bulk.done.assignMe', n));
  }

  async function assignTo(): Promise<void> {
    const ids = targets();
    if (!ids.length) return;
    let people;
    try {
      people = await loadAssignees(user.role);
    } catch (err) {
      showBanner(err);
      return;
    }
    const choice = await chooseDialog({
      title: tp('list.assign.title', ids.length),
      choices: assigneeChoices(people, user.username, roleLabel),
      filterLabel: t('list.assign.filter'),
      emptyText: t('list.assign.none'),
      testId: 'assign-dialog',
    });
    if (choice === null) return;
    if (choice === '') await act(ids, { action: 'assign', assignee: null }, (n) => tp('list.bulk.done.unassign', n));
    else await act(ids, { action: 'assign', assignee: choice }, (n) => tp('list.bulk.done.assign', n, { name: choice }));
  }

  async function setStatus(): Promise<void> {
    const ids = targets();
    if (!ids.length) return;
    let catalog;
    try {
      catalog = await loadStatuses();
    } catch (err) {
      showBanner(err);
      return;
    }
    const incidents = ids.map((id) => items.find((i) => i.id === id)).filter((i): i is Incident => !!i);
    const choices = statusChoices(incidents, user.role, catalog);
    const choice = await chooseDialog({
      title: tp('list.status.title', ids.length),
      hint: choices.length ? t('list.status.hint') : t('list.status.noneAllowed'),
      choices,
      testId: 'status-dialog',
    });
    if (choice === null) return;
    const label = choices.find((c) => c.value === choice)?.label ?? choice;
    await act(ids, { action: 'status', status: choice }, (n) => tp('list.bulk.done.status', n, { status: label }));
  }

  async function falsePositive(): Promise<void> {
    const ids = targets();
    if (!ids.length) return;
    const ok = await confirmDialog({
      title: tp('list.fp.title', ids.length),
      body: t('list.fp.body'),
      confirmLabel: t('list.fp.confirm'),
      danger: true,
    });
    if (ok) await act(ids, { action: 'false_positive' }, (n) => tp('list.bulk.done.falsePositive', n));
  }

  // ---- Keyboard -----------------------------------------------------------------------------------------------------

  const group = 'shortcuts.group.list' as const;
  /** Not while a filter popup has the keys. */
  const listKeys = () => !document.activeElement?.closest('.ms__pop, .popover__panel');
  /** Enter belongs to a focused button or link outside the rows. */
  const enterIsOurs = () => {
    const a = document.activeElement;
    if (!a || a === document.body || tbody.contains(a) || a === scroller) return true;
    return !a.matches('a, button, summary, input, select, textarea, [role="button"], [role="switch"]');
  };
  const hasCursor = () => indexOf(cursorId) >= 0;
  const hasTargets = () => listKeys() && !busy && targets().length > 0;
  const shortcuts: Shortcut[] = [
    { keys: 'j', label: 'list.key.down', group, run: () => moveCursor(1), enabled: listKeys },
    { keys: 'k', label: 'list.key.up', group, run: () => moveCursor(-1), enabled: listKeys },
    { keys: 'ArrowDown', label: 'list.key.down', group, run: () => moveCursor(1), enabled: listKeys },
    { keys: 'ArrowUp', label: 'list.key.up', group, run: () => moveCursor(-1), enabled: listKeys },
    { keys: 'Enter', label: 'list.key.open', group, run: () => cursorId && openIncident(cursorId), enabled: () => hasCursor() && enterIsOurs() },
    { keys: 'o', label: 'list.key.open', group, run: () => cursorId && openIncident(cursorId), enabled: () => hasCursor() && listKeys() },
    {
      keys: '/',
      label: 'list.key.search',
      group,
      run: () => {
        toolbar.search.focus();
        toolbar.search.select();
      },
    },
  ];
  if (canEdit) {
    shortcuts.push(
      { keys: 'x', label: 'list.key.select', group, run: () => cursorId && toggleSelected(cursorId), enabled: () => hasCursor() && listKeys() },
      { keys: 'X', label: 'list.key.selectRange', group, run: () => cursorId && selectRange(cursorId), enabled: () => hasCursor() && listKeys() },
      { keys: 'a', label: 'list.key.assignMe', group, run: () => void assignToMe(), enabled: hasTargets },
      { keys: 's', label: 'list.key.status', group, run: () => void setStatus(), enabled: hasTargets },
      { keys: 'f', label: 'list.key.falsePositive', group, run: () => void falsePositive(), enabled: hasTargets },
      { keys: 'Escape', label: 'list.key.clear', group, run: () => clearSelection(), enabled: () => selection.size > 0 },
    );
  }
  disposers.push(registerShortcuts(shortcuts));

  // ---- Start --------------------------------------------------------------------------------------------------------

  toolbar.renderAgencies();
  void loadAgencies().catch(() => undefined);
  if (canEdit) {
    void loadAssignees(user.role)
      .then((list) => toolbar.setAssignees(list))
      .catch(() => undefined);
  }
  // Admin-defined status names for the rows; the list shows the stage until they are known.
  void loadStatuses()
    .then((catalog) => {
      if (catalog.items.some((s) => !s.builtIn)) {
        vlist.invalidate();
        vlist.render();
      }
    })
    .catch(() => undefined);
  renderPill();
  syncMarks();
  void loadFirst('replace');

  return () => {
    saveNow();
    controller?.abort();
    window.clearTimeout(saveTimer);
    window.clearTimeout(toastTimer);
    toolbar.dispose();
    views.dispose();
    for (const dispose of disposers) dispose();
  };
};

// ---- Words for the current filters (save dialog) -------------------------------------------------------------------

function describeFilters(f: Filters): string {
  const parts: string[] = [];
  if (f.assignee.length) {
    parts.push(
      `${t('list.filter.assignee')}: ${f.assignee
        .map((a) => (a === ASSIGNEE_ME ? t('list.filter.assigneeMe') : a === ASSIGNEE_NONE ? t('list.filter.assigneeNone') : a))
        .join(', ')}`,
    );
  }
  if (f.severity.length) parts.push(`${t('incidents.severity')}: ${f.severity.map(severityLabel).join(', ')}`);
  if (f.status.length) parts.push(`${t('incidents.status')}: ${f.status.map(statusLabel).join(', ')}`);
  if (f.category.length) parts.push(`${t('list.filter.category')}: ${f.category.map(categoryLabel).join(', ')}`);
  if (f.range && f.range !== 'custom') parts.push(t(`list.filter.time.${f.range}`));
  if (f.range === 'custom') parts.push(`${t('list.filter.time.custom')}: ${formatDateTime(f.from) || '…'} – ${formatDateTime(f.to) || '…'}`);
  if (f.agencyId) parts.push(`${t('incidents.agencyFilter')}: ${agencyName(f.agencyId)}`);
  for (const p of PIVOTS) if (f[p]) parts.push(`${t(`list.pivot.${p}`)}: ${f[p]}`);
  if (f.q.trim()) parts.push(`“${f.q.trim()}”`);
  return parts.length ? parts.join(' · ') : t('list.views.noFilters');
}

/** "My open · Critical": the quick view the filters start from, plus what was added to it. */
function suggestName(f: Filters): string {
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v) => b.includes(v));
  const keys = ['status', 'severity', 'assignee'] as const;
  let base = '';
  let rest: Filters = f;
  for (const view of QUICK_VIEWS) {
    if (!view.query) continue;
    const quick = filtersFromQuery(new URLSearchParams(view.query));
    if (keys.every((k) => !quick[k].length || same(quick[k], f[k]))) {
      base = quickViewLabel(view);
      rest = { ...f, status: quick.status.length ? [] : f.status, severity: quick.severity.length ? [] : f.severity, assignee: quick.assignee.length ? [] : f.assignee };
      break;
    }
  }
  const extra: string[] = [];
  if (rest.assignee.length) extra.push(describeFilters({ ...emptyFilters(), assignee: rest.assignee }));
  if (rest.severity.length) extra.push(rest.severity.map(severityLabel).join(', '));
  if (rest.category.length) extra.push(rest.category.map(categoryLabel).join(', '));
  if (rest.status.length) extra.push(rest.status.map(statusLabel).join(', '));
  for (const p of PIVOTS) if (rest[p]) extra.push(rest[p]);
  if (rest.q.trim()) extra.push(rest.q.trim());
  return [base, ...extra].filter(Boolean).join(' · ').slice(0, 80);
}
