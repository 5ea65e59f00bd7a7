import { agencies, agencyName, loadAgencies, onAgenciesChange } from '../agencies';
import { api } from '../api';
import { ageElement } from '../components/age';
import { copyButton } from '../components/copy';
import { confirmDialog } from '../components/dialog';
import { errorBox, field, noticeBox, onSubmit } from '../components/form';
import { icon } from '../components/icons';
import { emptyState, errorState, loadingState } from '../components/states';
import { h, replace } from '../dom';
import { formatDateTime, formatDateTimeLong } from '../format';
import { t } from '../i18n';
import type { Page } from '../router';
import type { Agent, CreatedAgent } from '../types';
import { adminShell, card, countPill, dataTable } from './admin-common';

/** `/admin/agents`: agents per agency, creating one (its key shown exactly once) and revoking. */
export const agentsPage: Page = ({ outlet }) => {
  document.title = `${t('agents.title')} · ${t('app.name')}`;
  let alive = true;
  let agents: Agent[] = [];

  // ---- One-time key panel -------------------------------------------------------------------------------------------

  const keySlot = h('div', { class: 'key-slot' });

  function showKey(created: CreatedAgent): void {
    const code = h('code', { class: 'key-panel__key', 'data-testid': 'agent-key' }, created.key);
    const dismiss = h('button', { type: 'button', class: 'btn btn--secondary' }, t('agents.dismissKey'));
    const heading = h('h2', { class: 'key-panel__title', id: 'agent-key-title', tabindex: -1 }, t('agents.keyHeading', { name: created.agent.name }));
    const panel = h(
      'section',
      { class: 'key-panel', 'aria-labelledby': 'agent-key-title' },
      h('div', { class: 'key-panel__head' }, icon('key', 20, 'key-panel__icon'), heading),
      h('p', { class: 'key-panel__warning' }, icon('alert', 16), h('strong', null, t('agents.keyWarning'))),
      h('div', { class: 'key-panel__row' }, code, copyButton(code)),
      h('p', { class: 'key-panel__help' }, t('agents.keyHelp')),
      h('div', { class: 'key-panel__actions' }, dismiss),
    );
    dismiss.addEventListener('click', () => {
      keySlot.replaceChildren();
      name.focus();
    });
    replace(keySlot, panel);
    heading.focus();
  }

  // ---- Create form --------------------------------------------------------------------------------------------------

  const agency = h('select', { name: 'agencyId', class: 'select', required: true });
  const name = h('input', { type: 'text', name: 'name', class: 'input mono', required: true, maxlength: 128, autocomplete: 'off', spellcheck: 'false', placeholder: t('agents.namePlaceholder') });
  const submit = h('button', { type: 'submit', class: 'btn btn--primary' }, t('agents.submit'));
  const errors = errorBox();
  const notice = noticeBox();
  const agencyHint = h('p', { class: 'field__hint', hidden: true }, t('agents.noAgencies'), ' ', h('a', { href: '/admin/agencies' }, t('nav.agencies')));
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    field(t('agents.agency'), agency),
    agencyHint,
    field(t('agents.name'), name),
    errors.el,
    h('div', { class: 'form__actions' }, submit),
    notice.el,
  );

  function renderAgencyOptions(): void {
    const current = agency.value;
    const list = agencies();
    replace(agency, h('option', { value: '' }, t('agents.chooseAgency')), list.map((a) => h('option', { value: a.id }, a.name)));
    agency.value = list.some((a) => a.id === current) ? current : list.length === 1 ? list[0]!.id : '';
    agencyHint.hidden = list.length > 0;
  }

  onSubmit(form, {
    button: submit,
    busyLabel: t('admin.creating'),
    errors,
    action: async () => {
      notice.clear();
      const created = await api.createAgent({ agencyId: agency.value, name: name.value.trim() });
      agents = [created.agent, ...agents.filter((a) => a.id !== created.agent.id)];
      renderList();
      name.value = '';
      showKey(created);
    },
  });

  // ---- List ---------------------------------------------------------------------------------------------------------

  const count = countPill();
  const listBody = h('div', { class: 'card__body' }, loadingState(t('admin.loading')));
  const actionErrors = errorBox();

  async function revoke(agent: Agent): Promise<void> {
    const ok = await confirmDialog({
      title: t('agents.revokeTitle', { name: agent.name }),
      body: t('agents.revokeBody'),
      confirmLabel: t('agents.revokeConfirm'),
      danger: true,
    });
    if (!ok) return;
    actionErrors.clear();
    try {
      const updated = await api.revokeAgent(agent.id);
      agents = agents.map((a) => (a.id === updated.id ? updated : a));
      renderList();
      notice.show(t('agents.revokedNotice', { name: updated.name }));
    } catch (err) {
      actionErrors.show(err);
    }
  }

  function renderList(): void {
    count.set(agents.length);
    if (agents.length === 0) {
      replace(listBody, actionErrors.el, emptyState(t('agents.empty')));
      return;
    }
    const sorted = [...agents].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    replace(
      listBody,
      actionErrors.el,
      h(
        'div',
        { class: 'table-wrap' },
        dataTable({
          caption: t('agents.listHeading'),
          rows: sorted,
          rowAttrs: (a) => ({ 'data-agent-id': a.id, class: a.revokedAt ? 'is-revoked' : '' }),
          columns: [
            { label: t('agents.col.name'), className: 'strong', cell: (a) => h('span', { class: 'mono' }, a.name) },
            { label: t('agents.col.agency'), cell: (a) => agencyName(a.agencyId) },
            { label: t('agents.col.keyPrefix'), cell: (a) => h('span', { class: 'mono small' }, a.keyPrefix) },
            { label: t('admin.created'), cell: (a) => h('time', { datetime: a.createdAt, title: formatDateTimeLong(a.createdAt) }, formatDateTime(a.createdAt)) },
            {
              label: t('agents.col.lastSeen'),
              cell: (a) => (a.lastSeenAt ? ageElement(a.lastSeenAt, { ago: true }) : h('span', { class: 'muted' }, t('agents.never'))),
            },
            {
              label: t('agents.col.state'),
              cell: (a) =>
                a.revokedAt
                  ? h('span', { class: 'badge badge--revoked', title: t('agents.revokedAt', { time: formatDateTime(a.revokedAt) }) }, t('agents.revoked'))
                  : h('span', { class: 'badge badge--active' }, t('agents.active')),
            },
            {
              label: t('admin.actions'),
              className: 'actions',
              cell: (a) => {
                if (a.revokedAt) return h('span', { class: 'muted small' }, formatDateTime(a.revokedAt));
                const button = h(
                  'button',
                  { type: 'button', class: 'btn btn--danger-outline btn--small', 'aria-label': t('agents.revokeLabel', { name: a.name }) },
                  icon('ban', 14),
                  h('span', null, t('agents.revoke')),
                );
                button.addEventListener('click', () => void revoke(a));
                return button;
              },
            },
          ],
        }),
      ),
    );
  }

  function load(): void {
    replace(listBody, loadingState(t('admin.loading')));
    api
      .agents()
      .then((res) => {
        if (!alive) return;
        agents = res.items;
        renderList();
      })
      .catch((err: unknown) => alive && replace(listBody, errorState(err, load)));
  }

  const stopAgencies = onAgenciesChange(() => {
    renderAgencyOptions();
    if (agents.length) renderList();
  });

  outlet.append(
    adminShell({
      id: 'agents',
      title: t('agents.title'),
      banner: keySlot,
      form: card({ title: t('agents.createHeading'), id: 'agent-form-title', className: 'card--form' }, form),
      list: card({ title: t('agents.listHeading'), id: 'agent-list-title', count: count.el }, listBody),
    }),
  );
  renderAgencyOptions();
  void loadAgencies(true).catch((err: unknown) => alive && errors.show(err));
  load();

  return () => {
    alive = false;
    stopAgencies();
  };
};
