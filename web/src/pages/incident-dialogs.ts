import { agencyName } from '../agencies';
import { ApiError, api, isAbortError } from '../api';
import { severityBadge } from '../components/badges';
import { UserError, errorBox, field, onSubmit } from '../components/form';
import { icon, type IconName } from '../components/icons';
import { h, replace, uid } from '../dom';
import { formatDateTime, shortId } from '../format';
import { t } from '../i18n';
import type { Incident } from '../types';
import { ENISA_CLASSES } from '../../../core/detection/taxonomy';
import { ENISA_TYPES } from '../../../core/services/incident-taxonomy';
import { categoryName, incidentStatusKey, statusChip, typeName } from './incident-labels';

/** The dialogs of the incident action bar: classify (ENISA class and type), and merge into / link an incident. */

interface Modal {
  dialog: HTMLDialogElement;
  content: HTMLElement;
  close(): void;
}

/** A modal on the native <dialog>: Escape closes it, focus returns where it was (or to `returnFocus()`). */
function openModal(opts: { title: string; icon: IconName; testId: string; wide?: boolean; returnFocus: () => HTMLElement | null }): Modal {
  const titleId = uid('dlg');
  const previous = document.activeElement as HTMLElement | null;
  const content = h('div', { class: 'dialog__content' });
  const dialog = h(
    'dialog',
    { class: `dialog dialog--form${opts.wide ? ' dialog--pick' : ''}`, 'aria-labelledby': titleId, 'data-testid': opts.testId },
    h('h2', { class: 'dialog__title', id: titleId }, icon(opts.icon, 18), h('span', null, opts.title)),
    content,
  );
  dialog.addEventListener('close', () => {
    dialog.remove();
    const target = previous?.isConnected ? previous : opts.returnFocus();
    target?.focus?.({ preventScroll: true });
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return { dialog, content, close: () => dialog.close() };
}

/** Whether an error is the server's "someone changed this incident since you loaded it". */
export function isStale(err: unknown): boolean {
  return (
    err instanceof ApiError &&
    err.status === 409 &&
    !!err.details &&
    typeof err.details === 'object' &&
    (err.details as { reason?: unknown }).reason === 'stale'
  );
}

// ---- Classify -------------------------------------------------------------------------------------------------------

export function openClassifyDialog(opts: {
  incident: Incident;
  returnFocus: () => HTMLElement | null;
  /** Sends the change; resolves when saved. A stale answer closes the dialog (the page explains and refetches). */
  save: (change: { category: string; type: string | null }) => Promise<void>;
}): void {
  const { incident } = opts;
  const modal = openModal({ title: t('triage.classifyTitle'), icon: 'filter', testId: 'classify-dialog', returnFocus: opts.returnFocus });
  const category = h(
    'select',
    { class: 'select', name: 'category', required: true, 'data-testid': 'classify-category' },
    (ENISA_CLASSES as readonly string[]).map((c) => h('option', { value: c, selected: c === incident.category }, categoryName(c))),
  );
  if (!(ENISA_CLASSES as readonly string[]).includes(incident.category)) {
    // A category outside the taxonomy (older records): shown, but the analyst must pick a real one.
    category.prepend(h('option', { value: '', selected: true, disabled: true }, categoryName(incident.category)));
  }
  const type = h('select', { class: 'select', name: 'type', 'data-testid': 'classify-type' });
  const fillTypes = (keep: string | null) => {
    const types = (ENISA_TYPES as Record<string, readonly string[] | undefined>)[category.value] ?? [];
    replace(
      type,
      h('option', { value: '' }, t('triage.typeNone')),
      types.map((ty) => h('option', { value: ty, selected: ty === keep }, typeName(ty))),
    );
    if (!keep || !types.includes(keep)) type.value = '';
  };
  fillTypes(incident.type ?? null);
  category.addEventListener('change', () => fillTypes(type.value || null));

  const errors = errorBox();
  const cancel = h('button', { type: 'button', class: 'btn btn--secondary' }, t('dialog.cancel'));
  const submit = h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'classify-submit' }, t('triage.save'));
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    field(t('triage.category'), category),
    field(t('triage.type'), type),
    errors.el,
    h('div', { class: 'dialog__actions' }, cancel, submit),
  );
  replace(modal.content, h('p', { class: 'dialog__body' }, t('triage.classifyIntro')), form);
  cancel.addEventListener('click', () => modal.close());
  onSubmit(form, {
    button: submit,
    busyLabel: t('triage.saveBusy'),
    errors,
    action: async () => {
      if (!category.value) throw new UserError(t('triage.category'));
      try {
        await opts.save({ category: category.value, type: type.value || null });
        modal.close();
      } catch (err) {
        if (isStale(err)) {
          modal.close();
          return;
        }
        throw err;
      }
    },
  });
  category.focus();
}

// ---- Merge into / link ----------------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An incident id typed or pasted: the id itself, or an address of an incident page. */
function idFromText(text: string): string | null {
  const v = text.trim();
  const fromUrl = /\/incidents\/([^/?#\s]+)/.exec(v);
  if (fromUrl?.[1]) {
    try {
      return decodeURIComponent(fromUrl[1]);
    } catch {
      return fromUrl[1];
    }
  }
  return UUID.test(v) ? v : null;
}

export type PickMode = 'merge' | 'link';

/**
 * "Merge into…" / "Link related…": find the other incident by search text (the list's `q`) or by pasting its id or
 * address, pick it, confirm. Incidents it cannot be done with are listed but disabled, with the reason.
 */
export function openPickDialog(opts: {
  mode: PickMode;
  incident: Incident;
  /** Ids already linked to this incident (link mode greys them out). */
  linked: ReadonlySet<string>;
  returnFocus: () => HTMLElement | null;
  /** Does the merge or link; resolves when done. A stale answer closes the dialog (the page explains). */
  submit: (target: Incident) => Promise<void>;
}): void {
  const { incident, mode } = opts;
  const modal = openModal({
    title: mode === 'merge' ? t('triage.mergeTitle') : t('triage.linkTitle'),
    icon: mode === 'merge' ? 'merge' : 'link',
    testId: `${mode}-dialog`,
    wide: true,
    returnFocus: opts.returnFocus,
  });
  // A text field rather than type=search: there Escape first clears the text; here it closes the dialog at once.
  const search = h('input', {
    type: 'text',
    inputmode: 'search',
    enterkeyhint: 'search',
    class: 'input',
    name: 'q',
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: 200,
    placeholder: t('triage.pickPlaceholder'),
    'data-testid': 'pick-search',
  });
  const resultsTitleId = uid('pick');
  const resultsTitle = h('h3', { class: 'pick__heading', id: resultsTitleId }, '');
  const results = h('div', { class: 'pick__results', role: 'radiogroup', 'aria-labelledby': resultsTitleId, 'data-testid': 'pick-results' });
  const status = h('p', { class: 'pick__status muted', role: 'status' });
  const chosen = h('p', { class: 'pick__chosen', 'aria-live': 'polite', 'data-testid': 'pick-chosen' });
  const errors = errorBox();
  const cancel = h('button', { type: 'button', class: 'btn btn--secondary' }, t('dialog.cancel'));
  const submit = h(
    'button',
    { type: 'submit', class: `btn ${mode === 'merge' ? 'btn--danger' : 'btn--primary'}`, 'data-testid': 'pick-submit' },
    mode === 'merge' ? t('triage.mergeSubmit') : t('triage.linkSubmit'),
  );
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    field(t('triage.pickSearch'), search, { hint: t('triage.pickSearchHint') }),
    h('div', { class: 'pick' }, resultsTitle, status, results),
    chosen,
    errors.el,
    h('div', { class: 'dialog__actions' }, cancel, submit),
  );
  replace(
    modal.content,
    h(
      'p',
      { class: `dialog__body${mode === 'merge' ? ' dialog__body--warn' : ''}` },
      mode === 'merge' ? icon('alert', 14) : null,
      h('span', null, mode === 'merge' ? t('triage.mergeIntro') : t('triage.linkIntro')),
    ),
    form,
  );

  let selected: Incident | null = null;
  let shown: Incident[] = [];
  let controller: AbortController | null = null;
  let timer: number | undefined;

  /** Why this incident cannot be picked, or null. Mirrors the server's checks so the analyst sees them up front. */
  function refusal(other: Incident): string | null {
    if (other.id === incident.id) return t('triage.pickReason.self');
    if (mode === 'link') return opts.linked.has(other.id) ? t('triage.pickReason.linked') : null;
    if (other.mergedInto) return t('triage.pickReason.merged');
    if (other.status === 'closed') return t('triage.pickReason.closed');
    if (other.agencyId !== incident.agencyId) return t('triage.pickReason.agency');
    return null;
  }

  function option(other: Incident): HTMLElement {
    const why = refusal(other);
    const id = uid('pick');
    const radio = h('input', {
      type: 'radio',
      name: 'target',
      id,
      value: other.id,
      class: 'pick__radio',
      disabled: !!why,
      checked: selected?.id === other.id,
      'data-testid': `pick-option-${other.id}`,
    });
    radio.addEventListener('change', () => {
      if (radio.checked) {
        selected = other;
        errors.clear();
        showChosen();
      }
    });
    return h(
      'label',
      { class: `pick__option${why ? ' is-disabled' : ''}`, for: id, 'data-incident-id': other.id },
      radio,
      h(
        'span',
        { class: 'pick__main' },
        h(
          'span',
          { class: 'pick__line' },
          severityBadge(other.severity),
          statusChip(incidentStatusKey(other)),
          h('span', { class: 'pick__title', title: other.title }, other.title),
        ),
        h(
          'span',
          { class: 'pick__meta' },
          other.host ? h('span', { class: 'mono' }, other.host) : null,
          h('span', null, agencyName(other.agencyId)),
          h('time', { datetime: other.lastSeen }, formatDateTime(other.lastSeen)),
          h('span', { class: 'mono pick__id' }, other.id),
        ),
        why ? h('span', { class: 'pick__why' }, why) : null,
      ),
    );
  }

  function showChosen(): void {
    if (!selected) {
      chosen.replaceChildren();
      return;
    }
    replace(
      chosen,
      h('span', { class: 'pick__chosen-label' }, `${t('triage.pickSelected')}:`),
      severityBadge(selected.severity),
      h('span', { class: 'pick__chosen-title', title: selected.title }, selected.title),
      // The host tells incidents of one rule apart when the title is cut short.
      h('span', { class: 'mono pick__chosen-id', title: selected.id }, selected.host ?? shortId(selected.id)),
    );
  }

  function show(list: Incident[], heading: string): void {
    resultsTitle.textContent = heading;
    // The choice stays when a new search no longer lists it: the analyst picked it on purpose.
    if (selected && !list.some((i) => i.id === selected?.id)) list = [selected, ...list];
    shown = list;
    replace(results, list.map(option));
    status.textContent = list.length ? '' : t('triage.pickEmpty');
    showChosen();
  }

  async function find(text: string): Promise<void> {
    controller?.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    status.textContent = t('triage.pickSearching');
    results.setAttribute('aria-busy', 'true');
    try {
      const id = idFromText(text);
      let list: Incident[];
      let heading: string;
      if (id) {
        try {
          list = [(await api.incident(id, ctrl.signal)).incident];
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) list = [];
          else throw err;
        }
        heading = t('triage.pickResults');
      } else if (text.trim()) {
        const q = { q: text.trim(), limit: 20, ...(mode === 'merge' ? { agencyId: incident.agencyId } : {}) };
        list = (await api.incidents(q, ctrl.signal)).items;
        heading = t('triage.pickResults');
      } else {
        const q = { limit: 10, ...(mode === 'merge' ? { agencyId: incident.agencyId } : {}) };
        list = (await api.incidents(q, ctrl.signal)).items;
        heading = mode === 'merge' ? t('triage.pickRecentAgency', { agency: agencyName(incident.agencyId) }) : t('triage.pickRecent');
      }
      if (ctrl !== controller) return;
      // This incident is never a candidate; the rest are listed, the impossible ones disabled.
      list = list.filter((i) => i.id !== incident.id);
      list.sort((a, b) => Number(!!refusal(a)) - Number(!!refusal(b)));
      show(list, heading);
    } catch (err) {
      if (isAbortError(err) || ctrl !== controller) return;
      status.textContent = '';
      errors.show(err);
    } finally {
      if (ctrl === controller) results.removeAttribute('aria-busy');
    }
  }

  search.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void find(search.value), 250);
  });
  // Enter in the search field searches at once (and never submits an unconfirmed choice).
  search.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      window.clearTimeout(timer);
      void find(search.value);
    } else if (ev.key === 'ArrowDown') {
      const first = results.querySelector<HTMLInputElement>('input:checked, input:not(:disabled)');
      if (first) {
        ev.preventDefault();
        first.focus();
      }
    }
  });
  cancel.addEventListener('click', () => modal.close());
  modal.dialog.addEventListener('close', () => {
    controller?.abort();
    window.clearTimeout(timer);
  });

  onSubmit(form, {
    button: submit,
    busyLabel: mode === 'merge' ? t('triage.merging') : t('triage.linking'),
    errors,
    action: async () => {
      const target = selected && shown.find((i) => i.id === selected?.id);
      if (!target) throw new UserError(t('triage.pickNeedOne'));
      try {
        await opts.submit(target);
        modal.close();
      } catch (err) {
        if (isStale(err)) {
          modal.close();
          return;
        }
        throw err;
      }
    },
  });

  search.focus();
  void find('');
}
