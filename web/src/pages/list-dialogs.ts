import { UserError, errorBox } from '../components/form';
import { h, uid } from '../dom';
import { t } from '../i18n';

/**
 * The incident queue's small modal dialogs (native <dialog>: focus stays inside, Escape cancels, focus returns to
 * where it was): choosing a status or an assignee, and naming a saved view. Keyboard shortcuts are off while one is
 * open (see shortcuts.ts), so typing in them never triggers a list action.
 */

function openModal(dialog: HTMLDialogElement, onClose: () => void): void {
  const previous = document.activeElement as HTMLElement | null;
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose();
    if (previous?.isConnected) previous.focus({ preventScroll: true });
  });
  document.body.appendChild(dialog);
  dialog.showModal();
}

export interface Choice {
  value: string;
  label: string;
  /** Extra text after the label (e.g. a role, "current"). */
  detail?: string;
  className?: string;
}

/**
 * A list of choices as buttons; resolves with the one picked, or null when cancelled. The first nine answer to the
 * keys 1–9; with `filterLabel` a search box narrows the list (Enter picks the first match).
 */
export function chooseDialog(opts: {
  title: string;
  hint?: string;
  choices: readonly Choice[];
  filterLabel?: string;
  emptyText?: string;
  testId?: string;
}): Promise<string | null> {
  return new Promise((resolve) => {
    let result: string | null = null;
    const titleId = uid('dlg');
    const list = h('div', { class: 'lq-choices', role: 'group', 'aria-labelledby': titleId });
    const empty = h('p', { class: 'muted lq-choices__empty', hidden: true }, opts.emptyText ?? '');
    const filterId = uid('filter');
    const filter = opts.filterLabel
      ? h('input', { id: filterId, type: 'search', class: 'input', autocomplete: 'off', spellcheck: 'false', placeholder: opts.filterLabel })
      : null;
    const cancel = h('button', { type: 'button', class: 'btn btn--secondary' }, t('dialog.cancel'));
    const dialog = h(
      'dialog',
      { class: 'dialog lq-dialog', 'aria-labelledby': titleId, 'data-testid': opts.testId ?? null },
      h('h2', { class: 'dialog__title', id: titleId }, opts.title),
      opts.hint ? h('p', { class: 'dialog__body lq-dialog__hint' }, opts.hint) : null,
      filter ? h('div', { class: 'lq-dialog__filter' }, h('label', { class: 'visually-hidden', for: filterId }, opts.filterLabel), filter) : null,
      list,
      empty,
      h('div', { class: 'dialog__actions' }, cancel),
    );

    const buttons = opts.choices.map((c, i) => {
      const b = h(
        'button',
        { type: 'button', class: `lq-choice${c.className ? ` ${c.className}` : ''}`, 'data-value': c.value },
        i < 9 && !filter ? h('kbd', { 'aria-hidden': 'true' }, String(i + 1)) : null,
        h('span', { class: 'lq-choice__label' }, c.label),
        c.detail ? h('span', { class: 'lq-choice__detail' }, c.detail) : null,
      );
      b.addEventListener('click', () => {
        result = c.value;
        dialog.close();
      });
      return b;
    });
    list.append(...buttons);

    const visible = () => buttons.filter((b) => !b.hidden);
    filter?.addEventListener('input', () => {
      const needle = filter.value.trim().toLowerCase();
      opts.choices.forEach((c, i) => {
        buttons[i]!.hidden = needle !== '' && !`${c.label} ${c.detail ?? ''}`.toLowerCase().includes(needle);
      });
      empty.hidden = visible().length > 0;
    });
    filter?.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        visible()[0]?.click();
      } else if (ev.key === 'ArrowDown') {
        ev.preventDefault();
        visible()[0]?.focus();
      }
    });
    dialog.addEventListener('keydown', (ev) => {
      if (!filter && /^[1-9]$/.test(ev.key) && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
        const b = buttons[Number(ev.key) - 1];
        if (b) {
          ev.preventDefault();
          b.click();
        }
        return;
      }
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        const items = visible();
        const i = items.indexOf(document.activeElement as HTMLButtonElement);
        if (i < 0) return;
        ev.preventDefault();
        const next = ev.key === 'ArrowDown' ? items[i + 1] : items[i - 1];
        if (next) next.focus();
        else if (ev.key === 'ArrowUp' && filter) filter.focus();
      }
    });
    cancel.addEventListener('click', () => dialog.close());
    empty.hidden = buttons.length > 0;
    openModal(dialog, () => resolve(result));
    (filter ?? buttons[0] ?? cancel).focus();
  });
}

/**
 * Name (and sharing) of a saved view. `submit` runs on Save; when it throws, its error shows in the dialog and the
 * dialog stays open (e.g. a duplicate name). Resolves true once saved.
 */
export function viewNameDialog(opts: {
  title: string;
  name: string;
  shared?: boolean;
  /** Offer the "shared" checkbox. */
  showShared: boolean;
  /** What the view filters, in words. */
  summary?: string;
  submitLabel: string;
  submit: (name: string, shared: boolean) => Promise<void>;
  validate: (name: string) => string | null;
}): Promise<boolean> {
  return new Promise((resolve) => {
    let saved = false;
    const titleId = uid('dlg');
    const nameId = uid('view-name');
    const sharedId = uid('view-shared');
    const hintId = uid('view-hint');
    const name = h('input', { id: nameId, class: 'input', type: 'text', maxlength: 80, required: true, autocomplete: 'off', value: opts.name });
    const shared = h('input', { id: sharedId, type: 'checkbox', checked: !!opts.shared, 'aria-describedby': hintId });
    const errors = errorBox();
    const submit = h('button', { type: 'submit', class: 'btn btn--primary' }, opts.submitLabel);
    const cancel = h('button', { type: 'button', class: 'btn btn--secondary' }, t('dialog.cancel'));
    const form = h(
      'form',
      { class: 'form lq-viewform', novalidate: true },
      h('div', { class: 'field' }, h('label', { class: 'field__label', for: nameId }, t('list.views.name')), name),
      opts.showShared
        ? h(
            'div',
            { class: 'lq-viewform__shared' },
            h('label', { class: 'lq-check', for: sharedId }, shared, h('span', null, t('list.views.shareLabel'))),
            h('p', { class: 'field__hint', id: hintId }, t('list.views.shareHint')),
          )
        : null,
      opts.summary !== undefined
        ? h('div', { class: 'lq-viewform__summary' }, h('span', { class: 'field__label' }, t('list.views.filtersLabel')), h('p', { class: 'muted' }, opts.summary))
        : null,
      errors.el,
      h('div', { class: 'dialog__actions' }, cancel, submit),
    );
    const dialog = h('dialog', { class: 'dialog lq-dialog', 'aria-labelledby': titleId, 'data-testid': 'view-dialog' }, h('h2', { class: 'dialog__title', id: titleId }, opts.title), form);

    cancel.addEventListener('click', () => dialog.close());
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      errors.clear();
      const problem = opts.validate(name.value);
      if (problem) {
        errors.show(new UserError(problem));
        name.setAttribute('aria-invalid', 'true');
        name.focus();
        return;
      }
      submit.disabled = true;
      opts
        .submit(name.value.trim(), shared.checked)
        .then(() => {
          saved = true;
          dialog.close();
        })
        .catch((err: unknown) => {
          errors.show(err);
          name.setAttribute('aria-invalid', 'true');
          name.focus();
          name.select();
        })
        .finally(() => {
          submit.disabled = false;
        });
    });
    name.addEventListener('input', () => name.removeAttribute('aria-invalid'));
    openModal(dialog, () => resolve(saved));
    name.focus();
    name.select();
  });
}
