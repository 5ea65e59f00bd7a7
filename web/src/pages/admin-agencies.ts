import { addAgency, agencies, loadAgencies } from '../agencies';
import { api } from '../api';
import { errorBox, field, noticeBox, onSubmit } from '../components/form';
import { emptyState, errorState, loadingState } from '../components/states';
import { h, replace } from '../dom';
import { formatDateTime, formatDateTimeLong } from '../format';
import { t } from '../i18n';
import type { Page } from '../router';
import type { Agency } from '../types';
import { adminShell, card, countPill, dataTable } from './admin-common';

/** `/admin/agencies`: the agencies Vigil protects, and a form to add one. */
export const agenciesPage: Page = ({ outlet }) => {
  document.title = `${t('agencies.title')} · ${t('app.name')}`;
  let alive = true;

  const name = h('input', { type: 'text', name: 'name', class: 'input', required: true, minlength: 2, maxlength: 200, autocomplete: 'off', placeholder: t('agencies.namePlaceholder') });
  const code = h('input', {
    type: 'text',
    name: 'code',
    class: 'input mono',
    required: true,
    minlength: 2,
    maxlength: 32,
    pattern: '[A-Za-z0-9_\\-]+',
    autocomplete: 'off',
    autocapitalize: 'characters',
    spellcheck: 'false',
    placeholder: 'MOF',
  });
  const submit = h('button', { type: 'submit', class: 'btn btn--primary' }, t('agencies.submit'));
  const errors = errorBox();
  const notice = noticeBox();
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    field(t('agencies.name'), name),
    field(t('agencies.code'), code, { hint: t('agencies.codeHint') }),
    errors.el,
    h('div', { class: 'form__actions' }, submit),
    notice.el,
  );

  const count = countPill();
  const listBody = h('div', { class: 'card__body' }, loadingState(t('admin.loading')));

  function renderList(items: readonly Agency[]): void {
    count.set(items.length);
    if (items.length === 0) {
      replace(listBody, emptyState(t('agencies.empty')));
      return;
    }
    replace(
      listBody,
      h(
        'div',
        { class: 'table-wrap' },
        dataTable({
          caption: t('agencies.listHeading'),
          rows: items,
          rowAttrs: (a) => ({ 'data-agency-id': a.id }),
          columns: [
            { label: t('agencies.col.name'), className: 'strong', cell: (a) => a.name },
            { label: t('agencies.col.code'), cell: (a) => h('span', { class: 'chip mono' }, a.code) },
            { label: t('admin.created'), cell: (a) => h('time', { datetime: a.createdAt, title: formatDateTimeLong(a.createdAt) }, formatDateTime(a.createdAt)) },
            { label: t('agencies.col.id'), className: 'muted', cell: (a) => h('span', { class: 'mono small' }, a.id) },
          ],
        }),
      ),
    );
  }

  function load(): void {
    replace(listBody, loadingState(t('admin.loading')));
    loadAgencies(true)
      .then((items) => alive && renderList(items))
      .catch((err: unknown) => alive && replace(listBody, errorState(err, load)));
  }

  onSubmit(form, {
    button: submit,
    busyLabel: t('admin.creating'),
    errors,
    action: async () => {
      notice.clear();
      const agency = await api.createAgency({ name: name.value.trim(), code: code.value.trim() });
      addAgency(agency);
      renderList(agencies());
      form.reset();
      notice.show(t('agencies.createdNotice', { name: agency.name }));
      name.focus();
    },
  });

  outlet.append(
    adminShell({
      id: 'agencies',
      title: t('agencies.title'),
      form: card({ title: t('agencies.createHeading'), id: 'agency-form-title', className: 'card--form' }, form),
      list: card({ title: t('agencies.listHeading'), id: 'agency-list-title', count: count.el }, listBody),
    }),
  );
  load();
  return () => {
    alive = false;
  };
};
