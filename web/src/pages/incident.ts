import { loadAgencies, onAgenciesChange } from '../agencies';
import { ApiError, api, isAbortError } from '../api';
import { icon } from '../components/icons';
import { emptyState, errorState, loadingState } from '../components/states';
import { h, replace } from '../dom';
import { formatDateTime } from '../format';
import { t } from '../i18n';
import { onIncident, onLiveConnect } from '../live';
import type { Page } from '../router';
import { session } from '../session';
import { DETECTION_ROLES, type IncidentDetail } from '../types';
import { openIncidentExceptionDialog } from './incident-exception';
import { alertBlock, entitiesCard, incidentHeader, ruleCard, timelineCard } from './incident-sections';

/** Alerts expanded on first view; the rest start folded so a long incident stays scannable. */
const OPEN_ALERTS = 3;
const REFETCH_DEBOUNCE_MS = 400;

/** `/incidents/:id`: everything about one incident, kept current by the live feed. */
export const incidentPage: Page = ({ outlet, params }) => {
  const id = params.id ?? '';
  document.title = t('app.name');

  let detail: IncidentDetail | null = null;
  let controller: AbortController | null = null;
  let refetchTimer: number | undefined;
  let firstRender = true;
  /** Which alerts the analyst has opened or closed, kept across live re-renders. */
  const openState = new Map<string, boolean>();

  const liveNote = h('span', { class: 'incident-head__live', role: 'status' });
  const body = h('div', { class: 'incident-body' });
  outlet.append(
    h(
      'section',
      { class: 'page page--incident' },
      h('a', { class: 'back-link', href: '/' }, icon('arrowLeft', 16), h('span', null, t('incident.back'))),
      body,
    ),
  );

  const findExceptionButton = () => body.querySelector<HTMLElement>('[data-testid="incident-add-exception"]');

  /** Admins and analysts may silence the incident's rule for its host (or user) from here. */
  function headerActions(d: IncidentDetail): HTMLElement | null {
    const role = session.user?.role;
    if (!role || !DETECTION_ROLES.includes(role)) return null;
    const button = h(
      'button',
      { type: 'button', class: 'btn btn--secondary btn--small', 'aria-haspopup': 'dialog', 'data-testid': 'incident-add-exception' },
      icon('bellOff', 14),
      h('span', null, t('incident.addException')),
    );
    // Always the latest detail: live updates may have re-rendered the header since.
    button.addEventListener('click', () => openIncidentExceptionDialog(detail ?? d, findExceptionButton));
    return button;
  }

  function render(d: IncidentDetail): void {
    for (const el of body.querySelectorAll<HTMLDetailsElement>('details[data-alert-id]')) {
      openState.set(el.dataset.alertId ?? '', el.open);
    }
    // Re-rendering replaces the DOM: keep keyboard focus on the same alert if it was on one.
    const active = document.activeElement;
    const focusedAlert = (active?.closest('details[data-alert-id]') as HTMLElement | null)?.dataset.alertId;
    const focusIdle = !active || active === document.body || active === outlet;

    const { incident } = d;
    document.title = `${incident.title} · ${t('app.name')}`;

    // Newest alert first: live additions appear at the top.
    const alerts = [...d.alerts].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    const alertList = alerts.length
      ? h('div', { class: 'alerts' }, alerts.map((alert, i) => alertBlock(alert, openState.get(alert.id) ?? i < OPEN_ALERTS)))
      : emptyState(t('incident.noAlerts'));

    const ruleIds = incident.ruleIds.length ? incident.ruleIds : [incident.ruleId];
    const rules = h(
      'section',
      { class: 'card', 'aria-labelledby': 'rules-title' },
      h('h2', { class: 'card__title', id: 'rules-title' }, ruleIds.length > 1 ? t('incident.rules') : t('incident.rule')),
      ruleIds.map((ruleId) => ruleCard(ruleId, d.rules[ruleId])),
    );

    replace(
      body,
      incidentHeader(incident, liveNote, headerActions(d)),
      h(
        'div',
        { class: 'incident-grid' },
        h(
          'div',
          { class: 'incident-main' },
          h(
            'section',
            { class: 'card', 'aria-labelledby': 'alerts-title' },
            h('h2', { class: 'card__title', id: 'alerts-title' }, t('incident.alertsHeading'), h('span', { class: 'count-pill' }, String(d.alerts.length))),
            alertList,
          ),
        ),
        h('aside', { class: 'incident-side' }, rules, entitiesCard(incident), timelineCard(d.timeline)),
      ),
    );

    if (focusedAlert) {
      body.querySelector<HTMLElement>(`details[data-alert-id="${CSS.escape(focusedAlert)}"] > summary`)?.focus({ preventScroll: true });
    } else if (firstRender && focusIdle) {
      const title = body.querySelector<HTMLElement>('h1');
      title?.setAttribute('tabindex', '-1');
      title?.focus({ preventScroll: true });
    }
    firstRender = false;
  }

  async function load(): Promise<void> {
    controller?.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    if (!detail) replace(body, loadingState(t('incident.loading')));
    try {
      const next = await api.incident(id, ctrl.signal);
      if (ctrl !== controller) return;
      detail = next;
      render(next);
    } catch (err) {
      if (isAbortError(err) || ctrl !== controller) return;
      if (err instanceof ApiError && err.status === 404) {
        replace(
          body,
          h('div', { class: 'card' }, h('h1', { class: 'page-head__title' }, t('notFound.title')), h('p', null, t('incident.notFound'))),
        );
        return;
      }
      // A failed live refresh keeps what is shown; a failed first load offers a retry.
      if (!detail) replace(body, errorState(err, () => void load()));
    }
  }

  function scheduleRefetch(): void {
    window.clearTimeout(refetchTimer);
    refetchTimer = window.setTimeout(() => void load(), REFETCH_DEBOUNCE_MS);
  }

  const disposers = [
    onIncident((_kind, incident) => {
      if (incident.id !== id || !detail) return;
      if (incident.updatedAt < detail.incident.updatedAt) return;
      // New counts and times at once; alerts and timeline follow with the refetch.
      detail = { ...detail, incident };
      render(detail);
      liveNote.textContent = t('incident.liveUpdated', { time: formatDateTime(new Date().toISOString()) });
      scheduleRefetch();
    }),
    onLiveConnect(() => {
      if (detail) scheduleRefetch();
    }),
    onAgenciesChange(() => {
      if (detail) render(detail);
    }),
  ];

  void loadAgencies().catch(() => undefined);
  void load();

  return () => {
    document.querySelector('dialog[data-testid="exception-dialog"]')?.remove();
    controller?.abort();
    window.clearTimeout(refetchTimer);
    for (const dispose of disposers) dispose();
  };
};
