import { api, isAbortError } from '../api';
import { ruleKindBadge, ruleKindLabel, severityBadge, severityLabel } from '../components/badges';
import { errorBox, errorContent, noticeBox } from '../components/form';
import { icon } from '../components/icons';
import { multiSelect } from '../components/multiselect';
import { toggleSwitch } from '../components/switch';
import { h, replace, uid, type Child } from '../dom';
import { attackUrl } from '../format';
import { formatNumber, t, tp } from '../i18n';
import type { Page } from '../router';
import { session } from '../session';
import { RULE_KINDS, SEVERITIES, type Rule, type RuleFileError, type RuleKind, type Severity, type UploadedRule } from '../types';
import { tagChip } from './incident-sections';
import { logsourceText, openRuleDrawer } from './rule-detail';
import { uploadPanel } from './rule-upload';

const SEARCH_DEBOUNCE_MS = 200;
const FLASH_MS = 2_600;
const TAGS_SHOWN = 3;

type StateFilter = '' | 'enabled' | 'disabled';

interface RuleFilters {
  q: string;
  kind: '' | RuleKind;
  levels: Severity[];
  state: StateFilter;
}

function filtersFromQuery(query: URLSearchParams): RuleFilters {
  const kind = query.get('kind') ?? '';
  const state = query.get('state') ?? '';
  const levels = new Set((query.get('level') ?? '').split(','));
  return {
    q: (query.get('q') ?? '').slice(0, 200),
    kind: (RULE_KINDS as readonly string[]).includes(kind) ? (kind as RuleKind) : '',
    levels: SEVERITIES.filter((s) => levels.has(s)),
    state: state === 'enabled' || state === 'disabled' ? state : '',
  };
}

function filtersToQuery(f: RuleFilters): string {
  const params = new URLSearchParams();
  if (f.q.trim()) params.set('q', f.q.trim());
  if (f.kind) params.set('kind', f.kind);
  if (f.levels.length) params.set('level', f.levels.join(','));
  if (f.state) params.set('state', f.state);
  return params.toString();
}

function isFiltered(f: RuleFilters): boolean {
  return !!f.q.trim() || !!f.kind || f.levels.length > 0 || !!f.state;
}

function matches(rule: Rule, f: RuleFilters): boolean {
  if (f.kind && rule.kind !== f.kind) return false;
  if (f.levels.length && !f.levels.includes(rule.level)) return false;
  if (f.state === 'enabled' && !rule.enabled) return false;
  if (f.state === 'disabled' && rule.enabled) return false;
  const needle = f.q.trim().toLowerCase();
  if (!needle) return true;
  const haystack = [rule.title, rule.id, rule.file, rule.author, rule.category, logsourceText(rule) ?? '', ...rule.tags];
  return haystack.some((v) => v.toLowerCase().includes(needle));
}

/** The file's own name (`ransomware.yar:6`); the full path is in the tooltip and the details. */
function fileName(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}

/** Most hits first, then by title: the rules that matter today on top. */
function byHits(a: Rule, b: Rule): number {
  return b.hits - a.hits || a.title.localeCompare(b.title);
}

const COLUMNS = [
  { key: 'kind', label: () => t('rules.col.kind') },
  { key: 'level', label: () => t('rules.col.level') },
  { key: 'title', label: () => t('rules.col.title') },
  { key: 'source', label: () => t('rules.col.logsource') },
  { key: 'tags', label: () => t('rules.col.tags') },
  { key: 'hits', label: () => t('rules.col.hits') },
  { key: 'enabled', label: () => t('rules.col.enabled') },
  { key: 'file', label: () => t('rules.col.file') },
] as const;

/** `/rules`: the loaded detection rules, their hits and switches, rejected files, uploads and reloads. */
export const rulesPage: Page = ({ outlet, query }) => {
  document.title = `${t('rules.title')} · ${t('app.name')}`;
  const isAdmin = session.isAdmin();
  let alive = true;
  let rules: Rule[] = [];
  let fileErrors: RuleFileError[] = [];
  let loaded = false;
  let failure: unknown = null;
  let filters = filtersFromQuery(query);
  let controller: AbortController | null = null;
  let searchTimer: number | undefined;
  const flashIds = new Set<string>();

  const notice = noticeBox();
  const actionErrors = errorBox();

  // ---- Head and admin actions ---------------------------------------------------------------------------------------

  const countEl = h('p', { class: 'page-head__meta', 'data-testid': 'rules-count' });
  const uploadToggle = h(
    'button',
    { type: 'button', class: 'btn btn--primary', 'aria-expanded': 'false', 'aria-controls': 'rule-upload', 'data-testid': 'rule-upload-toggle' },
    icon('upload', 16),
    h('span', null, t('rules.upload')),
  );
  const reloadLabel = [icon('refresh', 16), h('span', null, t('rules.reload'))];
  const reloadButton = h('button', { type: 'button', class: 'btn btn--secondary', 'data-testid': 'rules-reload' }, reloadLabel);

  const upload = uploadPanel({
    onUploaded: (result: UploadedRule) => {
      for (const id of result.ids) flashIds.add(id);
      void load();
    },
    onClose: () => setUploadOpen(false),
  });

  function setUploadOpen(open: boolean): void {
    if (open) upload.open();
    else upload.close();
    uploadToggle.setAttribute('aria-expanded', String(open));
    if (!open) uploadToggle.focus();
  }
  uploadToggle.addEventListener('click', () => setUploadOpen(!upload.isOpen()));

  reloadButton.addEventListener('click', () => {
    reloadButton.disabled = true;
    replace(reloadButton, h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', null, t('rules.reloading')));
    actionErrors.clear();
    api
      .reloadRules()
      .then(async (res) => {
        await load();
        notice.show(t('rules.reloadedNotice', { rules: res.rules, errors: res.errors.length }));
      })
      .catch((err: unknown) => actionErrors.show(err))
      .finally(() => {
        reloadButton.disabled = false;
        replace(reloadButton, reloadLabel);
      });
  });

  // ---- Filters ------------------------------------------------------------------------------------------------------

  const searchId = uid('rsearch');
  const search = h('input', {
    id: searchId,
    type: 'search',
    class: 'input input--search',
    placeholder: t('rules.searchPlaceholder'),
    value: filters.q,
    maxlength: 200,
    autocomplete: 'off',
    spellcheck: 'false',
    'data-testid': 'rules-search',
  });
  const kindId = uid('rkind');
  const kindSelect = h(
    'select',
    { id: kindId, class: 'select select--inline', 'data-testid': 'rules-kind' },
    h('option', { value: '' }, t('rules.anyValue')),
    RULE_KINDS.map((k) => h('option', { value: k }, ruleKindLabel(k))),
  );
  kindSelect.value = filters.kind;
  const levels = multiSelect({
    label: t('rules.level'),
    options: SEVERITIES.map((s) => ({ value: s, label: severityLabel(s), className: `ms__option--sev sev--${s}` })),
    selected: filters.levels,
    onChange: (values) => applyFilters({ ...filters, levels: values as Severity[] }),
  });
  const stateId = uid('rstate');
  const stateSelect = h(
    'select',
    { id: stateId, class: 'select select--inline', 'data-testid': 'rules-state' },
    h('option', { value: '' }, t('rules.anyValue')),
    h('option', { value: 'enabled' }, t('rules.stateEnabled')),
    h('option', { value: 'disabled' }, t('rules.stateDisabled')),
  );
  stateSelect.value = filters.state;
  const clearButton = h(
    'button',
    { type: 'button', class: 'btn btn--ghost btn--small', hidden: !isFiltered(filters) },
    icon('x', 14),
    h('span', null, t('rules.clearFilters')),
  );

  kindSelect.addEventListener('change', () => applyFilters({ ...filters, kind: kindSelect.value as RuleFilters['kind'] }));
  stateSelect.addEventListener('change', () => applyFilters({ ...filters, state: stateSelect.value as StateFilter }));
  search.addEventListener('input', () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => applyFilters({ ...filters, q: search.value }), SEARCH_DEBOUNCE_MS);
  });
  clearButton.addEventListener('click', () => {
    search.value = '';
    kindSelect.value = '';
    stateSelect.value = '';
    levels.set([]);
    applyFilters({ q: '', kind: '', levels: [], state: '' });
    search.focus();
  });

  const toolbar = h(
    'form',
    { class: 'toolbar', role: 'search', 'aria-label': t('rules.filters') },
    h(
      'div',
      { class: 'search' },
      h('label', { class: 'visually-hidden', for: searchId }, t('rules.search')),
      icon('search', 16, 'search__icon'),
      search,
    ),
    h('div', { class: 'inline-field' }, h('label', { class: 'inline-field__label', for: kindId }, t('rules.kind')), kindSelect),
    levels.el,
    h('div', { class: 'inline-field' }, h('label', { class: 'inline-field__label', for: stateId }, t('rules.state')), stateSelect),
    clearButton,
  );
  toolbar.addEventListener('submit', (ev) => {
    ev.preventDefault();
    window.clearTimeout(searchTimer);
    applyFilters({ ...filters, q: search.value });
  });

  function applyFilters(next: RuleFilters): void {
    filters = next;
    const qs = filtersToQuery(filters);
    history.replaceState(null, '', qs ? `/rules?${qs}` : '/rules');
    clearButton.hidden = !isFiltered(filters);
    renderRows();
  }

  // ---- Rejected files -----------------------------------------------------------------------------------------------

  const rejected = h('section', { class: 'card rejected', 'aria-labelledby': 'rejected-title', hidden: true, 'data-testid': 'rule-errors' });

  function renderRejected(): void {
    rejected.hidden = fileErrors.length === 0;
    if (!fileErrors.length) {
      rejected.replaceChildren();
      return;
    }
    replace(
      rejected,
      h(
        'h2',
        { class: 'card__title rejected__title', id: 'rejected-title' },
        icon('alert', 16),
        t('rules.rejectedHeading'),
        h('span', { class: 'count-pill' }, formatNumber(fileErrors.length)),
      ),
      h('p', { class: 'rejected__help' }, t('rules.rejectedHelp')),
      h(
        'ul',
        { class: 'rejected__list' },
        fileErrors.map((e) =>
          h(
            'li',
            { class: 'rejected__item', 'data-testid': 'rule-error' },
            h('code', { class: 'rejected__where' }, typeof e.line === 'number' && e.line > 0 ? `${e.file}:${e.line}` : e.file),
            h('span', { class: 'rejected__sep', 'aria-hidden': 'true' }, t('rules.rejectedSeparator')),
            h('span', { class: 'rejected__message' }, e.message),
          ),
        ),
      ),
    );
  }

  // ---- Table --------------------------------------------------------------------------------------------------------

  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'table table--rules', 'data-testid': 'rules-table' },
    h('caption', { class: 'visually-hidden' }, t('rules.tableCaption')),
    h('thead', null, h('tr', null, COLUMNS.map((c) => h('th', { scope: 'col', class: `c-${c.key}` }, c.label())))),
    tbody,
  );

  function stateRow(content: Child, className: string): HTMLTableRowElement {
    return h('tr', { class: `irow-state ${className}` }, h('td', { colspan: COLUMNS.length }, content));
  }

  function tagsCell(rule: Rule): Child {
    const techniques = rule.tags.filter((tag) => attackUrl(tag));
    if (!techniques.length) return h('span', { class: 'muted' }, t('rules.noTechniques'));
    const shown = techniques.slice(0, TAGS_SHOWN);
    const more = techniques.length - shown.length;
    return h(
      'ul',
      { class: 'chips chips--tight' },
      shown.map((tag) => h('li', null, tagChip(tag))),
      more > 0 ? h('li', null, h('span', { class: 'more', title: techniques.slice(TAGS_SHOWN).join(', ') }, t('rules.moreTags', { count: more }))) : null,
    );
  }

  async function setEnabled(rule: Rule, enabled: boolean): Promise<void> {
    actionErrors.clear();
    try {
      await api.setRuleEnabled(rule.id, enabled);
    } catch (err) {
      actionErrors.show(err);
      throw err;
    }
    rule.enabled = enabled;
    const row = tbody.querySelector<HTMLTableRowElement>(`tr[data-rule-id="${CSS.escape(rule.id)}"]`);
    row?.classList.toggle('is-disabled', !enabled);
    row?.setAttribute('data-enabled', String(enabled));
    renderCount();
    notice.show(t(enabled ? 'rules.enabledNotice' : 'rules.disabledNotice', { title: rule.title }));
  }

  function enabledCell(rule: Rule): Child {
    if (!isAdmin) {
      return rule.enabled
        ? h('span', { class: 'badge badge--active' }, t('rules.stateEnabled'))
        : h('span', { class: 'badge badge--revoked' }, t('rules.stateDisabled'));
    }
    return toggleSwitch({
      checked: rule.enabled,
      label: t('rules.toggleLabel', { title: rule.title }),
      onText: t('rules.on'),
      offText: t('rules.off'),
      testId: 'rule-toggle',
      onToggle: (next) => setEnabled(rule, next),
    });
  }

  function ruleRow(rule: Rule): HTMLTableRowElement {
    const source = logsourceText(rule);
    const open = h('button', { type: 'button', class: 'rrow__title', 'data-testid': 'rule-open' }, rule.title);
    open.addEventListener('click', () => openRuleDrawer(rule, { returnFocus: () => focusable(rule.id, 'button.rrow__title') }));
    return h(
      'tr',
      {
        class: `rrow irow--${rule.level}${rule.enabled ? '' : ' is-disabled'}`,
        'data-rule-id': rule.id,
        'data-enabled': String(rule.enabled),
        'data-testid': 'rule-row',
      },
      h('td', { class: 'c-kind' }, ruleKindBadge(rule.kind)),
      h('td', { class: 'c-level' }, severityBadge(rule.level)),
      h('td', { class: 'c-title' }, open, h('span', { class: 'rrow__id mono', title: rule.id }, rule.id)),
      h('td', { class: 'c-source' }, source ? h('span', { class: 'mono cell-clip', title: source }, source) : h('span', { class: 'muted' }, t('rules.anySource'))),
      h('td', { class: 'c-tags' }, tagsCell(rule)),
      h('td', { class: 'c-hits num' }, h('span', { class: rule.hits ? 'hits hits--some' : 'hits' }, formatNumber(rule.hits))),
      h('td', { class: 'c-enabled' }, enabledCell(rule)),
      h('td', { class: 'c-file' }, h('span', { class: 'mono cell-clip', title: rule.file }, fileName(rule.file))),
    );
  }

  function focusable(ruleId: string, selector: string): HTMLElement | null {
    return tbody.querySelector<HTMLElement>(`tr[data-rule-id="${CSS.escape(ruleId)}"] ${selector}`);
  }

  tbody.addEventListener('click', (ev) => {
    const target = ev.target as Element;
    if (target.closest('a, button, input, select')) return;
    if (window.getSelection()?.toString()) return;
    target.closest('tr[data-rule-id]')?.querySelector<HTMLButtonElement>('button.rrow__title')?.click();
  });

  function renderCount(): void {
    if (!loaded) {
      countEl.textContent = '';
      return;
    }
    const shown = rules.filter((r) => matches(r, filters)).length;
    const disabled = rules.filter((r) => !r.enabled).length;
    const parts = [tp('rules.total', rules.length)];
    if (shown !== rules.length) parts.push(t('rules.showing', { shown: formatNumber(shown) }));
    if (disabled) parts.push(t('rules.disabledCount', { count: disabled }));
    if (fileErrors.length) parts.push(tp('rules.rejectedCount', fileErrors.length));
    countEl.textContent = parts.join(' · ');
  }

  function renderRows(): void {
    // Keep keyboard focus on the same control of the same rule across a re-render.
    const active = document.activeElement as HTMLElement | null;
    const focusedRule = (active?.closest('tr[data-rule-id]') as HTMLElement | null)?.dataset.ruleId;
    const focusedSelector = active?.matches('[role="switch"]') ? '[role="switch"]' : 'button.rrow__title';

    if (!loaded) {
      if (failure) {
        const retry = h('button', { type: 'button', class: 'btn btn--secondary' }, t('error.retry'));
        retry.addEventListener('click', () => void load());
        replace(tbody, stateRow(h('div', { class: 'state state--error' }, h('div', null, errorContent(failure)), retry), 'irow-state--error'));
      } else {
        replace(tbody, stateRow([h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('rules.loading')], 'irow-state--loading'));
      }
      renderCount();
      return;
    }
    const visible = rules.filter((r) => matches(r, filters)).sort(byHits);
    if (!visible.length) {
      replace(tbody, stateRow(isFiltered(filters) ? t('rules.emptyFiltered') : t('rules.empty'), 'irow-state--empty'));
    } else {
      replace(
        tbody,
        visible.map((rule) => {
          const row = ruleRow(rule);
          if (flashIds.has(rule.id)) {
            row.classList.add('irow--flash-new');
            window.setTimeout(() => row.classList.remove('irow--flash-new'), FLASH_MS);
          }
          return row;
        }),
      );
    }
    flashIds.clear();
    if (focusedRule) focusable(focusedRule, focusedSelector)?.focus({ preventScroll: true });
    renderCount();
  }

  // ---- Loading ------------------------------------------------------------------------------------------------------

  async function load(): Promise<void> {
    controller?.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    table.setAttribute('aria-busy', 'true');
    try {
      const res = await api.rules(ctrl.signal);
      if (!alive || ctrl !== controller) return;
      rules = res.items;
      fileErrors = res.errors;
      loaded = true;
      failure = null;
      actionErrors.clear();
    } catch (err) {
      if (isAbortError(err) || !alive || ctrl !== controller) return;
      if (loaded) actionErrors.show(err);
      else failure = err;
    } finally {
      if (ctrl === controller) table.removeAttribute('aria-busy');
    }
    renderRejected();
    renderRows();
  }

  outlet.append(
    h(
      'section',
      { class: 'page page--rules', 'aria-labelledby': 'rules-title' },
      h(
        'div',
        { class: 'page-head' },
        h('h1', { class: 'page-head__title', id: 'rules-title' }, t('rules.title')),
        countEl,
        isAdmin ? h('div', { class: 'page-head__actions' }, reloadButton, uploadToggle) : null,
      ),
      isAdmin ? upload.el : null,
      rejected,
      toolbar,
      h('div', { class: 'page-notices' }, notice.el, actionErrors.el),
      h('div', { class: 'table-wrap' }, table),
    ),
  );

  renderRows();
  void load();

  return () => {
    alive = false;
    controller?.abort();
    window.clearTimeout(searchTimer);
    document.querySelector('dialog.drawer')?.remove();
  };
};
