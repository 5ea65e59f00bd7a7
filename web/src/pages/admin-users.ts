import { agencies, agencyName, loadAgencies, onAgenciesChange } from '../agencies';
import { api } from '../api';
import { roleBadge, roleLabel } from '../components/badges';
import { errorBox, field, noticeBox, onSubmit } from '../components/form';
import { emptyState, errorState, loadingState } from '../components/states';
import { h, replace } from '../dom';
import { formatDateTime, formatDateTimeLong } from '../format';
import { t } from '../i18n';
import type { Page } from '../router';
import { ROLES, type Role, type User } from '../types';
import { adminShell, card, countPill, dataTable } from './admin-common';

/** `/admin/users`: who may sign in, with which role; agency admins are tied to one agency. */
export const usersPage: Page = ({ outlet }) => {
  document.title = `${t('users.title')} · ${t('app.name')}`;
  let alive = true;
  let users: User[] = [];

  const username = h('input', {
    type: 'text',
    name: 'username',
    class: 'input',
    required: true,
    minlength: 3,
    maxlength: 64,
    pattern: '[a-zA-Z0-9._@\\-]+',
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const password = h('input', { type: 'password', name: 'password', class: 'input', required: true, minlength: 10, maxlength: 256, autocomplete: 'new-password' });
  const role = h(
    'select',
    { name: 'role', class: 'select', required: true },
    ROLES.map((r) => h('option', { value: r, selected: r === 'analyst' }, roleLabel(r))),
  );
  const agency = h('select', { name: 'agencyId', class: 'select' });
  const agencyField = field(t('users.agency'), agency, { hint: t('users.agencyHint') });
  const submit = h('button', { type: 'submit', class: 'btn btn--primary' }, t('users.submit'));
  const errors = errorBox();
  const notice = noticeBox();
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    field(t('users.username'), username, { hint: t('users.usernameHint') }),
    field(t('users.password'), password, { hint: t('users.passwordHint') }),
    field(t('users.role'), role),
    agencyField,
    errors.el,
    h('div', { class: 'form__actions' }, submit),
    notice.el,
  );

  /** The agency only matters (and is required) for agency admins. */
  function syncAgencyField(): void {
    const needed = role.value === 'agency_admin';
    agencyField.hidden = !needed;
    agency.required = needed;
  }
  role.addEventListener('change', syncAgencyField);

  function renderAgencyOptions(): void {
    const current = agency.value;
    replace(agency, h('option', { value: '' }, t('users.chooseAgency')), agencies().map((a) => h('option', { value: a.id }, a.name)));
    agency.value = agencies().some((a) => a.id === current) ? current : '';
  }

  onSubmit(form, {
    button: submit,
    busyLabel: t('admin.creating'),
    errors,
    action: async () => {
      notice.clear();
      const chosenRole = role.value as Role;
      const created = await api.createUser({
        username: username.value.trim(),
        password: password.value,
        role: chosenRole,
        ...(chosenRole === 'agency_admin' && agency.value ? { agencyId: agency.value } : {}),
      });
      users = [...users.filter((u) => u.id !== created.id), created];
      renderList();
      form.reset();
      syncAgencyField();
      notice.show(t('users.createdNotice', { username: created.username }));
      username.focus();
    },
  });

  const count = countPill();
  const listBody = h('div', { class: 'card__body' }, loadingState(t('admin.loading')));

  function renderList(): void {
    count.set(users.length);
    if (users.length === 0) {
      replace(listBody, emptyState(t('users.empty')));
      return;
    }
    const sorted = [...users].sort((a, b) => a.username.localeCompare(b.username));
    replace(
      listBody,
      h(
        'div',
        { class: 'table-wrap' },
        dataTable({
          caption: t('users.listHeading'),
          rows: sorted,
          rowAttrs: (u) => ({ 'data-user-id': u.id, class: u.disabled ? 'is-revoked' : '' }),
          columns: [
            { label: t('users.col.username'), className: 'strong', cell: (u) => u.username },
            { label: t('users.col.role'), cell: (u) => roleBadge(u.role) },
            { label: t('users.col.agency'), cell: (u) => (u.agencyId ? agencyName(u.agencyId) : h('span', { class: 'muted' }, t('users.national'))) },
            { label: t('admin.created'), cell: (u) => h('time', { datetime: u.createdAt, title: formatDateTimeLong(u.createdAt) }, formatDateTime(u.createdAt)) },
            {
              label: t('users.col.state'),
              cell: (u) =>
                u.disabled
                  ? h('span', { class: 'badge badge--revoked' }, t('users.disabled'))
                  : h('span', { class: 'badge badge--active' }, t('users.active')),
            },
          ],
        }),
      ),
    );
  }

  function load(): void {
    replace(listBody, loadingState(t('admin.loading')));
    api
      .users()
      .then((res) => {
        if (!alive) return;
        users = res.items;
        renderList();
      })
      .catch((err: unknown) => alive && replace(listBody, errorState(err, load)));
  }

  const stopAgencies = onAgenciesChange(() => {
    renderAgencyOptions();
    if (users.length) renderList();
  });

  outlet.append(
    adminShell({
      id: 'users',
      title: t('users.title'),
      form: card({ title: t('users.createHeading'), id: 'user-form-title', className: 'card--form' }, form),
      list: card({ title: t('users.listHeading'), id: 'user-list-title', count: count.el }, listBody),
    }),
  );
  renderAgencyOptions();
  syncAgencyField();
  void loadAgencies(true).catch(() => undefined);
  load();

  return () => {
    alive = false;
    stopAgencies();
  };
};
