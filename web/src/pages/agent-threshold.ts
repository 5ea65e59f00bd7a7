import { errorContent } from '../components/form';
import { h, replace, uid } from '../dom';
import { t } from '../i18n';
import type { AgentListItem } from '../types';
import { MAX_SILENCE_MINUTES } from '../types';

export interface ThresholdEditorOptions {
  agent: AgentListItem;
  /** Admins (and agency admins) may change it; everyone else sees the value only. */
  editable: boolean;
  /** Saves the threshold (`null`: back to the default). Rejects with the error to show next to the field. */
  save: (minutes: number | null) => Promise<void>;
  /** Editing started or ended: the page holds its background refresh meanwhile. */
  onEditing?: (editing: boolean) => void;
}

/**
 * The silence threshold of one agent, shown as "15 min" with a "Change" button that turns the cell into a small
 * form: a number field (Enter saves, Escape cancels), Save, Default (the server's default) and Cancel.
 */
export function thresholdCell(opts: ThresholdEditorOptions): HTMLElement {
  const { agent } = opts;
  const cell = h('div', { class: 'agent-threshold', 'data-testid': 'agent-threshold-cell' });

  function view(focusEdit = false): void {
    const value = h('span', { class: 'agent-threshold__value', 'data-testid': 'agent-threshold' }, t('agents.minutes', { n: agent.silenceMinutes }));
    if (!opts.editable || agent.status === 'revoked') {
      replace(cell, value);
      return;
    }
    const edit = h(
      'button',
      {
        type: 'button',
        class: 'btn btn--ghost btn--small agent-threshold__edit',
        'data-testid': 'agent-threshold-edit',
        'data-focus': 'threshold-edit',
        'aria-label': t('agents.thresholdEditLabel', { name: agent.name, minutes: agent.silenceMinutes }),
      },
      t('agents.thresholdEdit'),
    );
    edit.addEventListener('click', () => editForm());
    replace(cell, value, edit);
    if (focusEdit) edit.focus();
  }

  function editForm(): void {
    opts.onEditing?.(true);
    const inputId = uid('threshold');
    const errorId = `${inputId}-error`;
    const input = h('input', {
      id: inputId,
      type: 'number',
      class: 'input agent-threshold__input',
      name: 'silenceMinutes',
      inputmode: 'numeric',
      min: 1,
      max: MAX_SILENCE_MINUTES,
      step: 1,
      required: true,
      value: String(agent.silenceMinutes),
      'data-testid': 'agent-threshold-input',
      'data-focus': 'threshold-input',
      'aria-label': t('agents.thresholdInputLabel', { name: agent.name }),
    });
    const error = h('div', { class: 'agent-threshold__error', id: errorId, role: 'alert', hidden: true });
    const save = h('button', { type: 'submit', class: 'btn btn--primary btn--small', 'data-testid': 'agent-threshold-save' }, t('agents.thresholdSave'));
    const reset = h(
      'button',
      { type: 'button', class: 'btn btn--secondary btn--small', 'aria-label': t('agents.thresholdDefaultLabel', { name: agent.name }), 'data-testid': 'agent-threshold-default' },
      t('agents.thresholdDefault'),
    );
    const cancel = h('button', { type: 'button', class: 'btn btn--ghost btn--small' }, t('agents.thresholdCancel'));
    const form = h(
      'form',
      { class: 'agent-threshold__form', novalidate: true },
      h('div', { class: 'agent-threshold__row' }, input, h('span', { class: 'agent-threshold__unit', 'aria-hidden': 'true' }, t('agents.thresholdUnit'))),
      error,
      h('div', { class: 'agent-threshold__row' }, save, reset, cancel),
    );

    let busy = false;
    function showError(nodes: Node[]): void {
      replace(error, nodes);
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', errorId);
    }
    function close(): void {
      opts.onEditing?.(false);
      view(true);
    }
    async function submit(minutes: number | null): Promise<void> {
      if (busy) return;
      busy = true;
      for (const el of [input, save, reset, cancel]) el.disabled = true;
      const label = save.textContent ?? '';
      save.textContent = t('agents.thresholdSaving');
      form.setAttribute('aria-busy', 'true');
      try {
        // On success the page re-renders the list (and puts focus back on this row's Change button).
        await opts.save(minutes);
        opts.onEditing?.(false);
      } catch (err) {
        for (const el of [input, save, reset, cancel]) el.disabled = false;
        save.textContent = label;
        form.removeAttribute('aria-busy');
        showError(errorContent(err));
        input.focus();
      } finally {
        busy = false;
      }
    }

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const raw = input.value.trim();
      const minutes = Number(raw);
      if (!raw || !Number.isInteger(minutes) || minutes < 1 || minutes > MAX_SILENCE_MINUTES) {
        showError([h('p', { class: 'error__message' }, t('agents.thresholdInvalid', { max: MAX_SILENCE_MINUTES }))]);
        input.focus();
        return;
      }
      void submit(minutes);
    });
    reset.addEventListener('click', () => void submit(null));
    cancel.addEventListener('click', close);
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !busy) {
        ev.preventDefault();
        close();
      }
    });

    replace(cell, form);
    input.focus();
    input.select();
  }

  view();
  return cell;
}
