import { agencyName } from '../agencies';
import { api } from '../api';
import { UserError, errorBox, field, onSubmit } from '../components/form';
import { icon } from '../components/icons';
import { h, replace, uid } from '../dom';
import { t } from '../i18n';
import type { IncidentDetail, NewException } from '../types';
import { expiryFromInput, expiryInput } from './exception-common';

/** A checkbox that switches a condition on, with the value it will use (editable: wildcards allowed). */
function condition(opts: { label: string; value: string; checked: boolean; testId: string }): {
  el: HTMLElement;
  box: HTMLInputElement;
  input: HTMLInputElement;
} {
  const boxId = uid('cond');
  const box = h('input', { type: 'checkbox', id: boxId, checked: opts.checked, 'data-testid': `${opts.testId}-on` });
  const input = h('input', {
    type: 'text',
    class: 'input mono',
    value: opts.value,
    maxlength: 1024,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-label': opts.label,
    disabled: !opts.checked,
    'data-testid': opts.testId,
  });
  box.addEventListener('change', () => {
    input.disabled = !box.checked;
    if (box.checked) input.focus();
  });
  const el = h('div', { class: 'cond' }, h('label', { class: 'cond__label', for: boxId }, box, h('span', null, opts.label)), input);
  return { el, box, input };
}

/**
 * "Add exception…" on an incident: a small modal prefilled from the incident (its rule, its host, optionally its
 * first user and its agency), a required comment and an optional expiry. On success it says so and links to the
 * Exceptions page. `returnFocus` finds the button again if the page re-rendered underneath.
 */
export function openIncidentExceptionDialog(detail: IncidentDetail, returnFocus: () => HTMLElement | null): void {
  const { incident } = detail;
  const ruleIds = incident.ruleIds.length ? incident.ruleIds : [incident.ruleId];
  const firstUser = incident.entities.users[0] ?? '';
  const titleId = uid('dlg');
  const previous = document.activeElement as HTMLElement | null;

  const rule = h(
    'select',
    { class: 'select', name: 'ruleId', required: true, 'data-testid': 'exception-dialog-rule' },
    ruleIds.map((id) => h('option', { value: id }, detail.rules[id]?.title ?? id)),
  );
  const hostCond = condition({ label: t('incidentException.host'), value: incident.host ?? '', checked: !!incident.host, testId: 'exception-dialog-host' });
  const userCond = condition({ label: t('incidentException.user'), value: firstUser, checked: false, testId: 'exception-dialog-user' });
  const agencyId = uid('cond');
  const agencyBox = h('input', { type: 'checkbox', id: agencyId, checked: false, 'data-testid': 'exception-dialog-agency-on' });
  const agencyCond = h(
    'div',
    { class: 'cond' },
    h('label', { class: 'cond__label', for: agencyId }, agencyBox, h('span', null, t('incidentException.agency', { name: agencyName(incident.agencyId) }))),
  );
  const comment = h('textarea', {
    class: 'input textarea',
    name: 'comment',
    rows: 3,
    required: true,
    maxlength: 2000,
    placeholder: t('exceptions.commentPlaceholder'),
    'data-testid': 'exception-dialog-comment',
  });
  const expires = expiryInput();
  const errors = errorBox();
  const cancel = h('button', { type: 'button', class: 'btn btn--secondary' }, t('dialog.cancel'));
  const submit = h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'exception-dialog-submit' }, t('incidentException.submit'));

  const form = h(
    'form',
    { class: 'form', novalidate: true },
    field(t('exceptions.rule'), rule),
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', { class: 'fieldset__legend' }, t('exceptions.conditions')),
      hostCond.el,
      firstUser ? userCond.el : null,
      agencyCond,
      h('p', { class: 'field__hint' }, t('exceptions.wildcardHint')),
    ),
    field(t('exceptions.comment'), comment, { hint: t('exceptions.commentHint') }),
    field(t('exceptions.expires'), expires, { hint: t('exceptions.expiresHint') }),
    errors.el,
    h('div', { class: 'dialog__actions' }, cancel, submit),
  );
  const content = h('div', { class: 'dialog__content' }, h('p', { class: 'dialog__body' }, t('incidentException.intro')), form);
  const dialog = h(
    'dialog',
    { class: 'dialog dialog--form', 'aria-labelledby': titleId, 'data-testid': 'exception-dialog' },
    h('h2', { class: 'dialog__title', id: titleId }, icon('bellOff', 18), h('span', null, t('incidentException.title'))),
    content,
  );

  function showDone(): void {
    const link = h('a', { class: 'btn btn--primary', href: '/exceptions', 'data-testid': 'exception-dialog-view' }, t('incidentException.viewAll'));
    const close = h('button', { type: 'button', class: 'btn btn--secondary' }, t('incidentException.close'));
    // The router follows the link; the dialog just gets out of the way.
    link.addEventListener('click', () => dialog.close());
    close.addEventListener('click', () => dialog.close());
    replace(
      content,
      h('div', { class: 'notice notice--visible', role: 'status', 'data-testid': 'exception-dialog-done' }, icon('check', 16), h('span', null, t('incidentException.created'))),
      h('div', { class: 'dialog__actions' }, close, link),
    );
    link.focus();
  }

  onSubmit(form, {
    button: submit,
    busyLabel: t('exceptions.creating'),
    errors,
    action: async () => {
      const input: NewException = { ruleId: rule.value, comment: comment.value.trim() };
      if (hostCond.box.checked) {
        if (!hostCond.input.value.trim()) throw new UserError(t('incidentException.emptyValue'));
        input.host = hostCond.input.value.trim();
      }
      if (firstUser && userCond.box.checked) {
        if (!userCond.input.value.trim()) throw new UserError(t('incidentException.emptyValue'));
        input.user = userCond.input.value.trim();
      }
      if (agencyBox.checked) input.agencyId = incident.agencyId;
      if (!input.host && !input.user && !input.agencyId) throw new UserError(t('exceptions.needCondition'));
      if (!input.comment) {
        comment.focus();
        throw new UserError(t('exceptions.commentRequired'));
      }
      const expiresAt = expiryFromInput(expires.value);
      if (expiresAt) input.expiresAt = expiresAt;
      await api.createException(input);
      showDone();
    },
  });

  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    dialog.remove();
    const target = previous?.isConnected ? previous : returnFocus();
    target?.focus?.({ preventScroll: true });
  });

  document.body.appendChild(dialog);
  dialog.showModal();
  comment.focus();
}
