import { agencies, loadAgencies, onAgenciesChange } from '../agencies';
import { api } from '../api';
import { ruleKindLabel } from '../components/badges';
import { confirmDialog } from '../components/dialog';
import { UserError, errorBox, field, noticeBox, onSubmit } from '../components/form';
import { icon } from '../components/icons';
import { emptyState, errorState, loadingState } from '../components/states';
import { h, replace } from '../dom';
import { formatDateTime, formatDateTimeLong } from '../format';
import { t } from '../i18n';
import type { Page } from '../router';
import { RULE_KINDS, type NewException, type Rule, type RuleException } from '../types';
import { adminShell, card, countPill, dataTable } from './admin-common';
import { ALL_RULES, conditionChips, expiryFromInput, expiryInput } from './exception-common';

const MAX_FIELDS = 32;

function time(iso: string): HTMLTimeElement {
  return h('time', { datetime: iso, title: formatDateTimeLong(iso) }, formatDateTime(iso));
}

/** Active ones first, then newest first. */
function byRelevance(a: RuleException, b: RuleException): number {
  if (!!a.expired !== !!b.expired) return a.expired ? 1 : -1;
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0;
}

/** `/exceptions`: analyst exceptions that keep a rule quiet for a host, user, agency or field values. */
export const exceptionsPage: Page = ({ outlet, query }) => {
  document.title = `${t('exceptions.title')} · ${t('app.name')}`;
  let alive = true;
  let items: RuleException[] = [];
  let itemsLoaded = false;
  let rules: Rule[] = [];
  const rulesById = new Map<string, Rule>();
  const wantedRule = query.get('ruleId') ?? '';

  // ---- Create form --------------------------------------------------------------------------------------------------

  // Coming from a rule ("Add exception for this rule"): start at the rule choice rather than the heading.
  const ruleSelect = h('select', { name: 'ruleId', class: 'select', required: true, 'data-testid': 'exception-rule', 'data-autofocus': wantedRule ? '' : null });
  const host = h('input', { type: 'text', name: 'host', class: 'input mono', maxlength: 1024, autocomplete: 'off', spellcheck: 'false', placeholder: t('exceptions.hostPlaceholder'), 'data-testid': 'exception-host' });
  const user = h('input', { type: 'text', name: 'user', class: 'input mono', maxlength: 1024, autocomplete: 'off', spellcheck: 'false', placeholder: t('exceptions.userPlaceholder'), 'data-testid': 'exception-user' });
  const agency = h('select', { name: 'agencyId', class: 'select', 'data-testid': 'exception-agency' });
  const comment = h('textarea', { name: 'comment', class: 'input textarea', rows: 3, required: true, maxlength: 2000, placeholder: t('exceptions.commentPlaceholder'), 'data-testid': 'exception-comment' });
  const expires = expiryInput();
  const submit = h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'exception-submit' }, t('exceptions.submit'));
  const errors = errorBox();
  const notice = noticeBox();

  // Field = value pairs, as many as needed.
  const fieldRows = h('div', { class: 'field-pairs' });
  const addField = h('button', { type: 'button', class: 'btn btn--ghost btn--small', 'data-testid': 'exception-add-field' }, icon('plus', 14), h('span', null, t('exceptions.addField')));
  function renumberFields(): void {
    [...fieldRows.children].forEach((row, i) => {
      const n = String(i + 1);
      row.querySelector('input[name="fieldName"]')?.setAttribute('aria-label', t('exceptions.fieldNameN', { n }));
      row.querySelector('input[name="fieldValue"]')?.setAttribute('aria-label', t('exceptions.fieldValueN', { n }));
      row.querySelector('button')?.setAttribute('aria-label', t('exceptions.removeField', { n }));
    });
    addField.hidden = fieldRows.children.length >= MAX_FIELDS;
  }
  function addFieldRow(): HTMLInputElement {
    const name = h('input', { type: 'text', name: 'fieldName', class: 'input mono', maxlength: 256, autocomplete: 'off', spellcheck: 'false', placeholder: t('exceptions.fieldNamePlaceholder') });
    const value = h('input', { type: 'text', name: 'fieldValue', class: 'input mono', maxlength: 1024, autocomplete: 'off', spellcheck: 'false', placeholder: t('exceptions.fieldValuePlaceholder') });
    const remove = h('button', { type: 'button', class: 'btn btn--ghost btn--small field-pair__remove' }, icon('x', 14));
    const row = h('div', { class: 'field-pair' }, name, h('span', { class: 'field-pair__op', 'aria-hidden': 'true' }, t('exceptions.equals')), value, remove);
    remove.addEventListener('click', () => {
      const next = (row.nextElementSibling ?? row.previousElementSibling)?.querySelector<HTMLInputElement>('input');
      row.remove();
      renumberFields();
      (next ?? addField).focus();
    });
    fieldRows.append(row);
    renumberFields();
    return name;
  }
  addField.addEventListener('click', () => addFieldRow().focus());

  function readFields(): Record<string, string> | undefined {
    const out: Record<string, string> = {};
    for (const row of fieldRows.children) {
      const name = (row.querySelector('input[name="fieldName"]') as HTMLInputElement).value.trim();
      const value = (row.querySelector('input[name="fieldValue"]') as HTMLInputElement).value.trim();
      if (!name && !value) continue;
      if (!name || !value) throw new UserError(t('exceptions.fieldIncomplete'));
      out[name] = value;
    }
    return Object.keys(out).length ? out : undefined;
  }

  const form = h(
    'form',
    { class: 'form', novalidate: true, 'data-testid': 'exception-form' },
    field(t('exceptions.rule'), ruleSelect),
    h(
      'fieldset',
      { class: 'fieldset' },
      h('legend', { class: 'fieldset__legend' }, t('exceptions.conditions')),
      h('p', { class: 'field__hint' }, t('exceptions.conditionsHint')),
      field(t('exceptions.host'), host),
      field(t('exceptions.user'), user),
      field(t('exceptions.agency'), agency),
      h('div', { class: 'field' }, h('span', { class: 'field__label' }, t('exceptions.fields')), fieldRows, h('div', null, addField)),
    ),
    field(t('exceptions.comment'), comment, { hint: t('exceptions.commentHint') }),
    field(t('exceptions.expires'), expires, { hint: t('exceptions.expiresHint') }),
    errors.el,
    h('div', { class: 'form__actions' }, submit),
    notice.el,
  );

  function renderRuleOptions(): void {
    const current = ruleSelect.value || wantedRule;
    const groups = RULE_KINDS.map((kind) => {
      const list = rules.filter((r) => r.kind === kind).sort((a, b) => a.title.localeCompare(b.title));
      return list.length ? h('optgroup', { label: ruleKindLabel(kind) }, list.map((r) => h('option', { value: r.id }, r.title))) : null;
    });
    replace(
      ruleSelect,
      h('option', { value: '' }, t('exceptions.chooseRule')),
      h('option', { value: ALL_RULES }, t('exceptions.allRules')),
      groups,
    );
    ruleSelect.value = current && (current === ALL_RULES || rulesById.has(current)) ? current : '';
  }

  function renderAgencyOptions(): void {
    const current = agency.value;
    replace(agency, h('option', { value: '' }, t('exceptions.anyAgency')), agencies().map((a) => h('option', { value: a.id }, `${a.name} (${a.code})`)));
    agency.value = agencies().some((a) => a.id === current) ? current : '';
  }

  onSubmit(form, {
    button: submit,
    busyLabel: t('exceptions.creating'),
    errors,
    action: async () => {
      notice.clear();
      const input: NewException = { ruleId: ruleSelect.value, comment: comment.value.trim() };
      if (host.value.trim()) input.host = host.value.trim();
      if (user.value.trim()) input.user = user.value.trim();
      if (agency.value) input.agencyId = agency.value;
      const fields = readFields();
      if (fields) input.fields = fields;
      if (!input.host && !input.user && !input.agencyId && !input.fields) {
        host.focus();
        throw new UserError(t('exceptions.needCondition'));
      }
      if (!input.comment) {
        comment.focus();
        throw new UserError(t('exceptions.commentRequired'));
      }
      const expiresAt = expiryFromInput(expires.value);
      if (expiresAt) input.expiresAt = expiresAt;
      const created = await api.createException(input);
      items = [created, ...items.filter((e) => e.id !== created.id)];
      renderList(created.id);
      host.value = '';
      user.value = '';
      comment.value = '';
      expires.value = '';
      fieldRows.replaceChildren();
      renumberFields();
      notice.show(t('exceptions.createdNotice'));
    },
  });

  // ---- List ---------------------------------------------------------------------------------------------------------

  const count = countPill();
  const listBody = h('div', { class: 'card__body' }, loadingState(t('admin.loading')));
  const actionErrors = errorBox();

  function ruleCell(ruleId: string): HTMLElement {
    if (ruleId === ALL_RULES) return h('span', { class: 'badge badge--all' }, t('exceptions.allRules'));
    const rule = rulesById.get(ruleId);
    return h(
      'div',
      { class: 'exc-rule' },
      rule ? h('span', { class: 'exc-rule__title' }, rule.title) : h('span', { class: 'muted' }, t('exceptions.ruleUnknown')),
      h('span', { class: 'mono small muted break' }, ruleId),
    );
  }

  function ruleName(ruleId: string): string {
    return ruleId === ALL_RULES ? t('exceptions.allRules') : (rulesById.get(ruleId)?.title ?? ruleId);
  }

  async function remove(e: RuleException): Promise<void> {
    const ok = await confirmDialog({
      title: t('exceptions.deleteTitle'),
      body: t('exceptions.deleteBody', { rule: ruleName(e.ruleId) }),
      confirmLabel: t('exceptions.deleteConfirm'),
      danger: true,
    });
    if (!ok) return;
    actionErrors.clear();
    try {
      await api.deleteException(e.id);
      items = items.filter((x) => x.id !== e.id);
      renderList();
      notice.show(t('exceptions.deletedNotice'));
      listBody.closest('section')?.querySelector<HTMLElement>('h2')?.focus();
    } catch (err) {
      actionErrors.show(err);
    }
  }

  function renderList(flashId?: string): void {
    count.set(itemsLoaded ? items.length : null);
    if (!itemsLoaded) return;
    if (items.length === 0) {
      replace(listBody, actionErrors.el, emptyState(t('exceptions.empty')));
      return;
    }
    replace(
      listBody,
      actionErrors.el,
      h(
        'div',
        { class: 'table-wrap' },
        dataTable({
          caption: t('exceptions.listHeading'),
          rows: [...items].sort(byRelevance),
          rowAttrs: (e) => ({
            'data-exception-id': e.id,
            'data-testid': 'exception-row',
            class: `${e.expired ? 'is-revoked' : ''}${e.id === flashId ? ' irow--flash-new' : ''}`,
          }),
          columns: [
            { label: t('exceptions.col.rule'), className: 'c-exc-rule', cell: (e) => ruleCell(e.ruleId) },
            { label: t('exceptions.col.conditions'), cell: (e) => conditionChips(e) },
            { label: t('exceptions.col.comment'), className: 'c-comment', cell: (e) => h('p', { class: 'exc-comment break' }, e.comment) },
            {
              label: t('exceptions.col.created'),
              cell: (e) => h('div', { class: 'exc-created' }, h('span', null, e.createdBy), h('span', { class: 'muted small' }, time(e.createdAt))),
            },
            {
              label: t('exceptions.col.expires'),
              cell: (e) =>
                h(
                  'div',
                  { class: 'exc-expiry' },
                  e.expiresAt ? time(e.expiresAt) : h('span', { class: 'muted' }, t('exceptions.never')),
                  e.expired ? h('span', { class: 'badge badge--revoked', 'data-testid': 'exception-expired' }, t('exceptions.expired')) : null,
                ),
            },
            {
              label: t('admin.actions'),
              className: 'actions',
              cell: (e) => {
                const button = h(
                  'button',
                  { type: 'button', class: 'btn btn--danger-outline btn--small', 'aria-label': t('exceptions.deleteLabel', { rule: ruleName(e.ruleId) }), 'data-testid': 'exception-delete' },
                  icon('trash', 14),
                  h('span', null, t('exceptions.delete')),
                );
                button.addEventListener('click', () => void remove(e));
                return button;
              },
            },
          ],
        }),
      ),
    );
  }

  function loadList(): void {
    replace(listBody, loadingState(t('admin.loading')));
    api
      .exceptions()
      .then((res) => {
        if (!alive) return;
        items = res.items;
        itemsLoaded = true;
        renderList();
      })
      .catch((err: unknown) => alive && replace(listBody, errorState(err, loadList)));
  }

  function loadRules(): void {
    api
      .rules()
      .then((res) => {
        if (!alive) return;
        rules = res.items;
        rulesById.clear();
        for (const r of rules) rulesById.set(r.id, r);
        renderRuleOptions();
        renderList();
      })
      .catch((err: unknown) => alive && errors.show(err));
  }

  const stopAgencies = onAgenciesChange(() => {
    renderAgencyOptions();
    renderList();
  });

  outlet.append(
    adminShell({
      id: 'exceptions',
      title: t('exceptions.title'),
      banner: h('p', { class: 'page-intro' }, t('exceptions.intro')),
      form: card({ title: t('exceptions.createHeading'), id: 'exception-form-title', className: 'card--form' }, form),
      list: card({ title: t('exceptions.listHeading'), id: 'exception-list-title', count: count.el }, listBody),
    }),
  );
  renderRuleOptions();
  renderAgencyOptions();
  void loadAgencies().catch(() => undefined);
  loadRules();
  loadList();

  return () => {
    alive = false;
    stopAgencies();
  };
};
