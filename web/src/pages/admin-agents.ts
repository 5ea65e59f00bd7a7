import { agencies, agencyName, loadAgencies, onAgenciesChange } from '../agencies';
import { api, isAbortError } from '../api';
import { ageElement } from '../components/age';
import { copyButton } from '../components/copy';
import { confirmDialog } from '../components/dialog';
import { errorBox, field, noticeBox, onSubmit } from '../components/form';
import { icon } from '../components/icons';
import { emptyState, errorState, loadingState } from '../components/states';
import { h, replace } from '../dom';
import { formatCompact, formatDateTimeLong } from '../format';
import { t } from '../i18n';
import type { Page } from '../router';
import { session } from '../session';
import type { AgentListItem, CreatedAgent } from '../types';
import { adminShell, card, countPill, dataTable } from './admin-common';
import { openAgentHistory, type HistoryDrawer } from './agent-history';
import { agentStatusCell } from './agent-status';
import { thresholdCell } from './agent-threshold';

/** How often the list (statuses, last seen) is refreshed while the page is open. */
const REFRESH_MS = 30_000;

/**
 * `/admin/agents`: agents per agency, creating one (its key shown exactly once) and revoking; each agent's heartbeat
 * status (refreshed every 30 s), its silence threshold (editable in place) and its status history in a side panel.
 */
export const agentsPage: Page = ({ outlet }) => {
  document.title = `${t('agents.title')} · ${t('app.name')}`;
  let alive = true;
  let agents: AgentListItem[] = [];

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
      name.value = '';
      showKey(created);
      // The list entry carries status and threshold, which only the list endpoint gives.
      await refresh();
    },
  });

  // ---- List ---------------------------------------------------------------------------------------------------------

  const count = countPill();
  const listBody = h('div', { class: 'card__body' }, loadingState(t('admin.loading')));
  const actionErrors = errorBox();
  const refreshLine = h('p', { class: 'agent-refresh muted small', 'data-testid': 'agent-refresh' });
  const canEdit = session.user?.role === 'admin' || session.user?.role === 'agency_admin';

  /** Focus to restore after the list re-renders: a row and which of its controls. */
  let focusAfterRender: { id: string; key: string } | null = null;
  /** While a threshold is being edited the periodic refresh only stores what it got; the list renders after. */
  let editing = false;
  let renderPending = false;
  let history: HistoryDrawer | null = null;

  function rowControl(id: string, key: string): HTMLElement | null {
    return listBody.querySelector<HTMLElement>(`tr[data-agent-id="${CSS.escape(id)}"] [data-focus="${CSS.escape(key)}"]`);
  }

  function merge(id: string, patch: Partial<AgentListItem>): AgentListItem | undefined {
    let merged: AgentListItem | undefined;
    agents = agents.map((a) => (a.id === id ? (merged = { ...a, ...patch }) : a));
    return merged;
  }

  async function revoke(agent: AgentListItem): Promise<void> {
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
      merge(updated.id, { ...updated, status: 'revoked' });
      focusAfterRender = { id: updated.id, key: 'history' };
      renderList();
      notice.show(t('agents.revokedNotice', { name: updated.name }));
      void refresh();
    } catch (err) {
      actionErrors.show(err);
    }
  }

  async function saveThreshold(agent: AgentListItem, minutes: number | null): Promise<void> {
    const updated = await api.setAgentSilence(agent.id, minutes);
    editing = false;
    merge(agent.id, { silenceMinutes: updated.silenceMinutes });
    focusAfterRender = { id: agent.id, key: 'threshold-edit' };
    renderList();
    notice.show(
      minutes === null
        ? t('agents.thresholdResetNotice', { name: agent.name, minutes: updated.silenceMinutes })
        : t('agents.thresholdSavedNotice', { name: agent.name, minutes: updated.silenceMinutes }),
    );
    // A new threshold may change the status at once (and the history has a new entry).
    void refresh();
  }

  function showHistory(agent: AgentListItem): void {
    history?.close();
    const opened = openAgentHistory(agent, {
      returnFocus: () => rowControl(agent.id, 'history'),
      onClose: () => {
        if (history === opened) history = null;
      },
    });
    history = opened;
  }

  function actionsCell(a: AgentListItem): HTMLElement {
    const historyButton = h(
      'button',
      { type: 'button', class: 'btn btn--secondary btn--small', 'data-testid': 'agent-history-open', 'data-focus': 'history', 'aria-label': t('agents.historyLabel', { name: a.name }) },
      icon('clock', 14),
      h('span', null, t('agents.history')),
    );
    historyButton.addEventListener('click', () => showHistory(a));
    if (a.revokedAt) return h('div', { class: 'agent-actions' }, historyButton);
    const revokeButton = h(
      'button',
      { type: 'button', class: 'btn btn--danger-outline btn--small', 'data-focus': 'revoke', 'aria-label': t('agents.revokeLabel', { name: a.name }) },
      icon('ban', 14),
      h('span', null, t('agents.revoke')),
    );
    revokeButton.addEventListener('click', () => void revoke(a));
    return h('div', { class: 'agent-actions' }, historyButton, revokeButton);
  }

  function renderList(): void {
    renderPending = false;
    // A render replaces any open threshold editor.
    editing = false;
    // Keep the keyboard where it was: the same control of the same row, if it is still there after the render.
    const active = document.activeElement;
    if (!focusAfterRender && active instanceof HTMLElement && listBody.contains(active)) {
      const row = active.closest<HTMLElement>('tr[data-agent-id]');
      const key = active.dataset.focus;
      if (row?.dataset.agentId && key) focusAfterRender = { id: row.dataset.agentId, key };
    }
    count.set(agents.length);
    if (agents.length === 0) {
      replace(listBody, actionErrors.el, emptyState(t('agents.empty')));
      focusAfterRender = null;
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
          rowAttrs: (a) => ({ 'data-agent-id': a.id, 'data-status': a.status, class: a.revokedAt ? 'is-revoked' : '' }),
          columns: [
            {
              label: t('agents.col.name'),
              className: 'strong',
              cell: (a) => h('div', { class: 'agent-name' }, h('span', { class: 'mono' }, a.name), h('span', { class: 'mono small muted agent-name__prefix', title: t('agents.col.keyPrefix') }, h('span', { class: 'visually-hidden' }, `${t('agents.col.keyPrefix')}: `), a.keyPrefix)),
            },
            { label: t('agents.col.agency'), cell: (a) => agencyName(a.agencyId) },
            { label: t('agents.col.status'), className: 'c-agent-status', cell: (a) => agentStatusCell(a) },
            {
              label: t('agents.col.lastSeen'),
              cell: (a) => (a.lastSeenAt ? ageElement(a.lastSeenAt, { ago: true }) : h('span', { class: 'muted' }, t('agents.never'))),
            },
            {
              label: t('agents.col.threshold'),
              cell: (a) =>
                thresholdCell({
                  agent: a,
                  editable: canEdit,
                  save: (minutes) => saveThreshold(a, minutes),
                  onEditing: (on) => {
                    editing = on;
                    if (!on && renderPending) {
                      focusAfterRender = { id: a.id, key: 'threshold-edit' };
                      renderList();
                    }
                  },
                }),
            },
            { label: t('admin.created'), cell: (a) => h('time', { datetime: a.createdAt, title: formatDateTimeLong(a.createdAt) }, formatCompact(a.createdAt)) },
            { label: t('admin.actions'), className: 'actions', cell: actionsCell },
          ],
        }),
      ),
    );
    if (focusAfterRender) {
      rowControl(focusAfterRender.id, focusAfterRender.key)?.focus({ preventScroll: true });
      focusAfterRender = null;
    }
  }

  // ---- Loading and the 30-second refresh -----------------------------------------------------------------------------

  let controller: AbortController | null = null;
  let lastLoadedAt = 0;

  function showRefreshed(): void {
    refreshLine.classList.remove('agent-refresh--failed');
    refreshLine.textContent = t('agents.refreshed', { time: formatCompact(new Date(lastLoadedAt).toISOString()) });
  }

  /** Loads the list; `initial` shows the loading and error states in place of the list, later refreshes do not. */
  function refresh(initial = false): Promise<void> {
    controller?.abort();
    const c = new AbortController();
    controller = c;
    if (initial) replace(listBody, loadingState(t('admin.loading')));
    return api
      .agents(undefined, c.signal)
      .then((res) => {
        if (!alive || c.signal.aborted) return;
        agents = res.items;
        lastLoadedAt = Date.now();
        showRefreshed();
        if (editing) renderPending = true;
        else renderList();
        if (history?.isOpen()) history.refresh(agents.find((a) => a.id === history?.agentId));
      })
      .catch((err: unknown) => {
        if (!alive || isAbortError(err)) return;
        if (initial || lastLoadedAt === 0) {
          replace(listBody, errorState(err, () => void refresh(true)));
          return;
        }
        refreshLine.classList.add('agent-refresh--failed');
        refreshLine.textContent = t('agents.refreshFailed', {
          time: formatCompact(new Date().toISOString()),
          last: formatCompact(new Date(lastLoadedAt).toISOString()),
        });
      });
  }

  const timer = window.setInterval(() => {
    if (!document.hidden) void refresh();
  }, REFRESH_MS);
  // A hidden tab skips its refreshes; coming back catches up at once if the list is stale.
  const onVisible = (): void => {
    if (!document.hidden && lastLoadedAt > 0 && Date.now() - lastLoadedAt >= REFRESH_MS) void refresh();
  };
  document.addEventListener('visibilitychange', onVisible);

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
      list: card({ title: t('agents.listHeading'), id: 'agent-list-title', count: count.el }, listBody, refreshLine),
    }),
  );
  renderAgencyOptions();
  void loadAgencies(true).catch((err: unknown) => alive && errors.show(err));
  void refresh(true);

  return () => {
    alive = false;
    stopAgencies();
    window.clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
    controller?.abort();
    history?.close();
  };
};
