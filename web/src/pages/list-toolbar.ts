import { agencies, agencyName, findAgency } from '../agencies';
import { severityLabel, statusLabel } from '../components/badges';
import { icon } from '../components/icons';
import { multiSelect, type MultiSelect } from '../components/multiselect';
import { h, replace, uid } from '../dom';
import { t } from '../i18n';
import { INCIDENT_STATUSES, SEVERITIES, type Assignee, type IncidentStatus, type SessionUser, type Severity } from '../types';
import {
  ASSIGNEE_ME,
  ASSIGNEE_NONE,
  ENISA_CLASSES,
  PIVOTS,
  RELATIVE_RANGES,
  emptyFilters,
  isFiltered,
  type Category,
  type Filters,
  type Pivot,
  type TimeRange,
} from './incident-filters';
import { categoryLabel } from './incident-row';

/**
 * The incident queue's filter bar: free text, severity toggles, status / category / assignee pickers, agency (not
 * for agency admins, who only ever see their own), time range on last activity, and the host / user / IP pivot chips.
 * Every change goes to `onChange`; `sync` shows a given set of filters (a view applied, back/forward).
 */

const SEARCH_DEBOUNCE_MS = 300;

export interface Toolbar {
  el: HTMLElement;
  search: HTMLInputElement;
  sync(f: Filters): void;
  setAssignees(list: readonly Assignee[]): void;
  renderAgencies(): void;
  dispose(): void;
}

const PIVOT_LABELS: Record<Pivot, 'list.pivot.host' | 'list.pivot.user' | 'list.pivot.ip'> = {
  host: 'list.pivot.host',
  user: 'list.pivot.user',
  ip: 'list.pivot.ip',
};

const RANGE_LABELS: Record<Exclude<TimeRange, ''>, 'list.filter.time.1h' | 'list.filter.time.24h' | 'list.filter.time.7d' | 'list.filter.time.30d' | 'list.filter.time.custom'> = {
  '1h': 'list.filter.time.1h',
  '24h': 'list.filter.time.24h',
  '7d': 'list.filter.time.7d',
  '30d': 'list.filter.time.30d',
  custom: 'list.filter.time.custom',
};

/** ISO → the value of a datetime-local input, in the browser's time zone. */
function toLocalInput(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function fromLocalInput(value: string): string {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

export function listToolbar(opts: {
  user: SessionUser;
  current: () => Filters;
  onChange: (next: Filters, how: { search?: boolean }) => void;
}): Toolbar {
  const { user } = opts;
  const agencyScoped = user.role === 'agency_admin';
  let searchTimer: number | undefined;
  let assignees: readonly Assignee[] = [];
  const change = (patch: Partial<Filters>, how: { search?: boolean } = {}) => opts.onChange({ ...opts.current(), ...patch }, how);

  // ---- Search -------------------------------------------------------------------------------------------------------

  const searchId = uid('search');
  const search = h('input', {
    id: searchId,
    type: 'search',
    class: 'input input--search',
    placeholder: t('incidents.searchPlaceholder'),
    value: opts.current().q,
    maxlength: 200,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-keyshortcuts': '/',
  });
  search.addEventListener('input', () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => {
      if (search.value !== opts.current().q) change({ q: search.value }, { search: true });
    }, SEARCH_DEBOUNCE_MS);
  });
  search.addEventListener('keydown', (ev) => {
    // Escape in the box leaves it (the list keys work again); a second Escape is the list's.
    if (ev.key === 'Escape' && search.value === '') {
      ev.preventDefault();
      search.blur();
    }
  });

  // ---- Severity: one click each -------------------------------------------------------------------------------------

  const sevButtons = new Map<Severity, HTMLButtonElement>();
  const sevGroup = h(
    'div',
    { class: 'lq-sev', role: 'group', 'aria-label': t('incidents.severity') },
    SEVERITIES.map((s) => {
      const b = h(
        'button',
        { type: 'button', class: `lq-sev__btn lq-sev__btn--${s}`, 'aria-pressed': 'false', 'data-severity': s },
        h('span', { class: 'lq-sev__dot', 'aria-hidden': 'true' }),
        severityLabel(s),
      );
      b.addEventListener('click', () => {
        const current = opts.current().severity;
        const next = current.includes(s) ? current.filter((v) => v !== s) : [...current, s];
        change({ severity: SEVERITIES.filter((v) => next.includes(v)) });
      });
      sevButtons.set(s, b);
      return b;
    }),
  );

  // ---- Pickers ------------------------------------------------------------------------------------------------------

  const status = multiSelect({
    label: t('incidents.status'),
    options: INCIDENT_STATUSES.map((s) => ({ value: s, label: statusLabel(s) })),
    selected: opts.current().status,
    onChange: (values) => change({ status: values as IncidentStatus[] }),
  });
  const category = multiSelect({
    label: t('list.filter.category'),
    options: ENISA_CLASSES.map((c) => ({ value: c, label: categoryLabel(c) })),
    selected: opts.current().category,
    onChange: (values) => change({ category: values as Category[] }),
  });

  const assigneeSlot = h('div', { class: 'lq-assignee-slot' });
  let assignee: MultiSelect | null = null;
  let assigneeValues = '';
  /** Shows the assignee picker for `selected`, rebuilding it only when its list of people must change. */
  function syncAssignee(selected: readonly string[]): void {
    const options = [
      { value: ASSIGNEE_ME, label: t('list.filter.assigneeMe') },
      { value: ASSIGNEE_NONE, label: t('list.filter.assigneeNone') },
    ];
    const known = new Set([ASSIGNEE_ME, ASSIGNEE_NONE]);
    for (const a of assignees) {
      if (a.username.toLowerCase() === user.username.toLowerCase()) continue;
      known.add(a.username.toLowerCase());
      options.push({ value: a.username, label: a.username });
    }
    // A username in the URL that is not (or no longer) assignable still shows, so the filter stays visible.
    for (const token of selected) {
      if (known.has(token.toLowerCase())) continue;
      known.add(token.toLowerCase());
      options.push({ value: token, label: token });
    }
    const values = options.filter((o) => selected.some((s) => s.toLowerCase() === o.value.toLowerCase())).map((o) => o.value);
    const signature = options.map((o) => o.value).join('\n');
    if (assignee && signature === assigneeValues) {
      assignee.set(values);
      return;
    }
    assigneeValues = signature;
    assignee = multiSelect({
      label: t('list.filter.assignee'),
      options,
      selected: values,
      onChange: (next) => change({ assignee: next }),
    });
    assignee.el.dataset.testid = 'assignee-filter';
    replace(assigneeSlot, assignee.el);
  }
  syncAssignee(opts.current().assignee);

  const agencySelectId = uid('agency');
  const agencySelect = h('select', { id: agencySelectId, class: 'select select--inline' });
  agencySelect.addEventListener('change', () => change({ agencyId: agencySelect.value }));
  const agencyField = h(
    'div',
    { class: 'inline-field', hidden: agencyScoped },
    h(
      'label',
      { class: 'inline-field__label', for: agencySelectId, title: t('incidents.agencyFilter') },
      icon('building', 14),
      h('span', { class: 'visually-hidden' }, t('incidents.agencyFilter')),
    ),
    agencySelect,
  );

  function renderAgencies(): void {
    const current = opts.current().agencyId;
    const options = [h('option', { value: '' }, t('incidents.allAgencies'))];
    for (const a of agencies()) options.push(h('option', { value: a.id }, a.name));
    if (current && !findAgency(current)) options.push(h('option', { value: current }, agencyName(current)));
    replace(agencySelect, options);
    agencySelect.value = current;
  }

  // ---- Time range ---------------------------------------------------------------------------------------------------

  const rangeId = uid('range');
  const rangeSelect = h(
    'select',
    { id: rangeId, class: 'select select--inline', 'data-testid': 'range-filter' },
    h('option', { value: '' }, t('list.filter.time.any')),
    ([...RELATIVE_RANGES, 'custom'] as const).map((r) => h('option', { value: r }, t(RANGE_LABELS[r]))),
  );
  const rangeField = h(
    'div',
    { class: 'inline-field' },
    h('label', { class: 'inline-field__label', for: rangeId }, icon('clock', 14), h('span', { class: 'visually-hidden' }, t('list.filter.time'))),
    rangeSelect,
  );
  const fromId = uid('from');
  const toId = uid('to');
  const fromInput = h('input', { id: fromId, type: 'datetime-local', class: 'input lq-custom__input' });
  const toInput = h('input', { id: toId, type: 'datetime-local', class: 'input lq-custom__input' });
  const applyRange = h('button', { type: 'button', class: 'btn btn--secondary btn--small' }, t('list.filter.applyRange'));
  const rangeError = h('span', { class: 'lq-custom__error', role: 'alert' });
  const custom = h(
    'div',
    { class: 'lq-custom', role: 'group', 'aria-label': t('list.filter.time.custom'), hidden: true },
    h('label', { class: 'lq-custom__label', for: fromId }, t('list.filter.from')),
    fromInput,
    h('label', { class: 'lq-custom__label', for: toId }, t('list.filter.to')),
    toInput,
    applyRange,
    rangeError,
  );
  rangeSelect.addEventListener('change', () => {
    const value = rangeSelect.value as TimeRange;
    if (value === 'custom') {
      const f = opts.current();
      fromInput.value = toLocalInput(f.from || new Date(Date.now() - 24 * 3_600_000).toISOString());
      toInput.value = toLocalInput(f.to);
      custom.hidden = false;
      fromInput.focus();
      return;
    }
    custom.hidden = true;
    change({ range: value, from: '', to: '' });
  });
  applyRange.addEventListener('click', () => {
    const from = fromLocalInput(fromInput.value);
    const to = fromLocalInput(toInput.value);
    rangeError.textContent = '';
    if (from && to && from > to) {
      rangeError.textContent = t('list.filter.rangeInvalid');
      return;
    }
    change({ range: from || to ? 'custom' : '', from, to });
  });
  for (const input of [fromInput, toInput]) {
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        applyRange.click();
      }
    });
  }

  // ---- Pivots and clear ---------------------------------------------------------------------------------------------

  const pivots = h('ul', { class: 'lq-pivots', 'aria-label': t('list.pivot.label') });
  function renderPivots(f: Filters): void {
    const chips = PIVOTS.filter((p) => f[p]).map((p) => {
      const label = t(PIVOT_LABELS[p]);
      const remove = h(
        'button',
        { type: 'button', class: 'lq-pivot__remove', 'aria-label': t('list.pivot.remove', { label, value: f[p] }), title: t('list.pivot.remove', { label, value: f[p] }) },
        icon('x', 12),
      );
      remove.addEventListener('click', () => {
        change({ [p]: '' });
        search.focus();
      });
      return h(
        'li',
        { class: 'lq-pivot', 'data-testid': 'pivot-chip', 'data-pivot': p },
        h('span', { class: 'lq-pivot__label' }, label),
        h('span', { class: 'lq-pivot__value mono' }, f[p]),
        remove,
      );
    });
    replace(pivots, chips);
    pivots.hidden = chips.length === 0;
  }

  const clearButton = h(
    'button',
    {
      type: 'button',
      class: 'btn btn--ghost btn--small btn--icon lq-clear',
      'data-testid': 'clear-filters',
      title: t('incidents.clearFilters'),
      'aria-label': t('incidents.clearFilters'),
    },
    icon('x', 16),
  );
  clearButton.addEventListener('click', () => {
    opts.onChange(emptyFilters(), {});
    search.focus();
  });

  const el = h(
    'form',
    { class: 'toolbar lq-toolbar', role: 'search', 'aria-label': t('incidents.filters') },
    h(
      'div',
      { class: 'search' },
      h('label', { class: 'visually-hidden', for: searchId }, t('incidents.search')),
      icon('search', 16, 'search__icon'),
      search,
      h('kbd', { class: 'search__kbd', 'aria-hidden': 'true' }, '/'),
    ),
    sevGroup,
    status.el,
    category.el,
    assigneeSlot,
    agencyField,
    rangeField,
    custom,
    pivots,
    clearButton,
  );
  el.addEventListener('submit', (ev) => {
    ev.preventDefault();
    window.clearTimeout(searchTimer);
    if (search.value !== opts.current().q) change({ q: search.value }, { search: true });
  });

  function sync(f: Filters): void {
    if (document.activeElement !== search || search.value.trim() !== f.q.trim()) search.value = f.q;
    for (const [s, b] of sevButtons) b.setAttribute('aria-pressed', String(f.severity.includes(s)));
    sevGroup.classList.toggle('lq-sev--active', f.severity.length > 0);
    status.set(f.status);
    category.set(f.category);
    syncAssignee(f.assignee);
    renderAgencies();
    rangeSelect.value = f.range;
    rangeField.classList.toggle('inline-field--active', f.range !== '');
    if (f.range === 'custom') {
      custom.hidden = false;
      if (document.activeElement !== fromInput) fromInput.value = toLocalInput(f.from);
      if (document.activeElement !== toInput) toInput.value = toLocalInput(f.to);
    } else {
      custom.hidden = true;
    }
    agencyField.classList.toggle('inline-field--active', f.agencyId !== '');
    renderPivots(f);
    clearButton.hidden = !isFiltered(f);
  }

  sync(opts.current());

  return {
    el,
    search,
    sync,
    setAssignees(list) {
      assignees = list;
      syncAssignee(opts.current().assignee);
    },
    renderAgencies,
    dispose() {
      window.clearTimeout(searchTimer);
    },
  };
}
