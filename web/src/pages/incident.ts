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
import { registerShortcuts, type Shortcut } from '../shortcuts';
import type { Assignee, Incident, IncidentDetail, Role, StatusOption } from '../types';
import { actionBar, type ActionBar } from './incident-actionbar';
import { commentsCard } from './incident-comments';
import { setKnownStatuses } from './incident-labels';
import { ANNOUNCER_ATTR } from './incident-pivot';
import { incidentLookup, mergedBanner, relatedCard } from './incident-related';
import { alertBlock, entitiesCard, incidentHeader, ruleCard, timelineCard } from './incident-sections';

/** Alerts expanded on first view; the rest start folded so a long incident stays scannable. */
const OPEN_ALERTS = 3;
const REFETCH_DEBOUNCE_MS = 400;

/** Who may change an incident (status, assignment, classification, merge, links) and who may comment. */
const EDITOR_ROLES: readonly Role[] = ['admin', 'analyst'];
const COMMENTER_ROLES: readonly Role[] = ['admin', 'analyst', 'agency_admin'];

// ---- Back to the list -----------------------------------------------------------------------------------------------

/** The incident list as the analyst last left it (its filters are in its query string). */
let lastListUrl = '/';

// A click on a link to an incident from the list remembers the list's address, filters included.
document.addEventListener(
  'click',
  (ev) => {
    const a = (ev.target as Element | null)?.closest?.('a[href]');
    if (!a || location.pathname !== '/') return;
    const url = new URL((a as HTMLAnchorElement).href, location.href);
    if (url.origin === location.origin && url.pathname.startsWith('/incidents/')) lastListUrl = location.pathname + location.search;
  },
  true,
);

interface NavEntry {
  url: string | null;
  index: number;
}
interface NavigationLike {
  currentEntry: NavEntry | null;
  entries(): NavEntry[];
}

/** The address of the previous entry in this tab's history (Navigation API), when the browser can tell. */
function previousEntry(): URL | null {
  const nav = (window as unknown as { navigation?: NavigationLike }).navigation;
  const currentEntry = nav?.currentEntry;
  if (!nav || !currentEntry || typeof nav.entries !== 'function') return null;
  const prev = nav.entries()[currentEntry.index - 1];
  if (!prev?.url) return null;
  const url = new URL(prev.url);
  return url.origin === location.origin ? url : null;
}

function navigate(href: string): void {
  history.pushState(null, '', href);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

// ---- Page -----------------------------------------------------------------------------------------------------------

/**
 * `/incidents/:id`: everything about one incident, kept current by the live feed, and the triage workspace:
 * actions (admins and analysts), comments (also agency admins), related and merged incidents, pivots.
 */
export const incidentPage: Page = ({ outlet, params }) => {
  const id = params.id ?? '';
  document.title = t('app.name');
  const user = session.user;
  const role = user?.role;
  const canEdit = !!role && EDITOR_ROLES.includes(role);
  const canComment = !!role && COMMENTER_ROLES.includes(role);

  // Where "back" goes: the list the analyst came from (with its filters), else the list as last seen.
  const prev = previousEntry();
  const cameFromList = !!prev && prev.pathname === '/';
  if (prev && cameFromList) lastListUrl = prev.pathname + prev.search;

  let detail: IncidentDetail | null = null;
  let controller: AbortController | null = null;
  let refetchTimer: number | undefined;
  let firstRender = true;
  let disposed = false;
  /** Which alerts the analyst has opened or closed, kept across live re-renders. */
  const openState = new Map<string, boolean>();

  const liveNote = h('span', { class: 'incident-head__live', role: 'status' });
  const announcer = h('div', { class: 'visually-hidden', role: 'status', [ANNOUNCER_ATTR]: '' });
  const body = h('div', { class: 'incident-body' });
  const backLink = h('a', { class: 'back-link', href: lastListUrl, 'data-testid': 'incident-back' }, icon('arrowLeft', 16), h('span', null, t('incident.back')));
  backLink.addEventListener('click', (ev) => {
    if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    if (cameFromList) {
      ev.preventDefault();
      history.back();
    }
  });
  outlet.append(h('section', { class: 'page page--incident' }, backLink, body, announcer));

  function backToList(): void {
    if (cameFromList) history.back();
    else navigate(lastListUrl);
  }

  // ---- Shared lookups ----------------------------------------------------------------------------------------------
  const lookup = incidentLookup();
  let statusesPromise: Promise<readonly StatusOption[]> | null = null;
  const statuses = (): Promise<readonly StatusOption[]> => {
    statusesPromise ??= api.statuses().then(
      ({ items }) => {
        setKnownStatuses(items);
        return items;
      },
      () => {
        statusesPromise = null;
        return [];
      },
    );
    return statusesPromise;
  };
  let assigneesPromise: Promise<readonly Assignee[]> | null = null;
  const assignees = (): Promise<readonly Assignee[]> => {
    assigneesPromise ??= api.assignees().then(
      ({ items }) => items,
      (err: unknown) => {
        assigneesPromise = null;
        throw err;
      },
    );
    return assigneesPromise;
  };

  // ---- Parts kept across renders -----------------------------------------------------------------------------------
  const comments = commentsCard({ incidentId: id, canComment, onPosted: () => scheduleRefetch() });
  let bar: ActionBar | null = null;
  const related = relatedCard({
    incidentId: id,
    lookup,
    ...(canEdit ? { onUnlink } : {}),
  });

  /** Unlink, then keep keyboard focus in the list: on the next unlink button, else on "Link related…". */
  function onUnlink(other: Incident, button: HTMLButtonElement): void {
    if (!bar) return;
    const buttons = [...related.el.querySelectorAll<HTMLElement>('[data-testid^="unlink-"]')];
    const next = buttons[buttons.indexOf(button) + 1]?.dataset.testid ?? buttons[buttons.indexOf(button) - 1]?.dataset.testid;
    void bar.unlink(other, button).then(async (ok) => {
      if (!ok) return;
      await related.refresh();
      scheduleRefetch();
      const target = next ? related.el.querySelector<HTMLElement>(`[data-testid="${CSS.escape(next)}"]`) : null;
      if (target) target.focus();
      else bar?.focusLink();
    });
  }

  function ensureBar(): ActionBar | null {
    if (!canEdit || !user || !detail) return null;
    bar ??= actionBar({
      detail: () => detail!,
      role: user.role,
      username: user.username,
      statuses,
      assignees,
      linkedIds: () => related.linkedIds(),
      applied: (incident) => {
        if (!detail || incident.id !== id) return;
        detail = { ...detail, incident };
        render(detail);
        scheduleRefetch();
      },
      stale: () => void load(),
      refetch: () => scheduleRefetch(),
    });
    return bar;
  }

  const bannerSlot = h('div', { class: 'incident-banner-slot' });
  const headerSlot = h('div', { class: 'incident-head-slot' });
  const alertsSlot = h('div', { class: 'incident-alerts-slot' });
  const rulesSlot = h('div');
  const entitiesSlot = h('div');
  const timelineSlot = h('div');
  const layout = h(
    'div',
    { class: 'incident-layout' },
    bannerSlot,
    headerSlot,
    h(
      'div',
      { class: 'incident-grid' },
      h('div', { class: 'incident-main' }, alertsSlot, comments.el),
      h('aside', { class: 'incident-side' }, related.el, rulesSlot, entitiesSlot, timelineSlot),
    ),
  );
  let bannerFor: string | null = null;

  function render(d: IncidentDetail): void {
    for (const el of body.querySelectorAll<HTMLDetailsElement>('details[data-alert-id]')) {
      openState.set(el.dataset.alertId ?? '', el.open);
    }
    // Re-rendering replaces parts of the DOM: keep keyboard focus where it was.
    const active = document.activeElement as HTMLElement | null;
    const focusedAlert = (active?.closest('details[data-alert-id]') as HTMLElement | null)?.dataset.alertId;
    const focusKey = (active?.closest('[data-focus-key]') as HTMLElement | null)?.dataset.focusKey;
    const focusIdle = !active || active === document.body || active === outlet;

    const { incident } = d;
    document.title = `${incident.title} · ${t('app.name')}`;

    // Merged: the banner leads the page.
    if ((incident.mergedInto ?? null) !== bannerFor) {
      bannerFor = incident.mergedInto ?? null;
      replace(bannerSlot, incident.mergedInto ? mergedBanner(incident.mergedInto, lookup) : null);
    }

    const actions = ensureBar();
    actions?.update(incident);
    replace(
      headerSlot,
      incidentHeader(incident, {
        liveNote,
        actions: actions?.el ?? null,
        note: role === 'agency_admin' ? t('triage.commentOnly') : null,
      }),
    );

    // Newest alert first: live additions appear at the top.
    const alerts = [...d.alerts].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    const alertList = alerts.length
      ? h('div', { class: 'alerts' }, alerts.map((alert, i) => alertBlock(alert, openState.get(alert.id) ?? i < OPEN_ALERTS)))
      : emptyState(t('incident.noAlerts'));
    replace(
      alertsSlot,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'alerts-title' },
        h('h2', { class: 'card__title', id: 'alerts-title' }, t('incident.alertsHeading'), h('span', { class: 'count-pill' }, String(d.alerts.length))),
        alertList,
      ),
    );

    const ruleIds = incident.ruleIds.length ? incident.ruleIds : [incident.ruleId];
    replace(
      rulesSlot,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'rules-title' },
        h('h2', { class: 'card__title', id: 'rules-title' }, ruleIds.length > 1 ? t('incident.rules') : t('incident.rule')),
        ruleIds.map((ruleId) => ruleCard(ruleId, d.rules[ruleId])),
      ),
    );
    replace(entitiesSlot, entitiesCard(incident));
    replace(timelineSlot, timelineCard(d.timeline, d.rules));
    related.update(d);

    if (!layout.isConnected) replace(body, layout);

    if (focusedAlert) {
      body.querySelector<HTMLElement>(`details[data-alert-id="${CSS.escape(focusedAlert)}"] > summary`)?.focus({ preventScroll: true });
    } else if (active && active !== document.body && active.isConnected && document.activeElement !== active) {
      // A kept element (the comment box, an action button) was moved: give its focus back.
      active.focus({ preventScroll: true });
    } else if (focusKey && document.activeElement !== active) {
      body.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus({ preventScroll: true });
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
      const first = !detail;
      detail = next;
      render(next);
      // Comments and links follow the incident: refreshed with it.
      void comments.refresh();
      void related.refresh();
      if (first) {
        // Custom status labels for the badge and menu; the header re-renders once they are known.
        void statuses().then((list) => {
          if (!disposed && detail && list.some((s) => !s.builtIn)) render(detail);
        });
      }
    } catch (err) {
      if (isAbortError(err) || ctrl !== controller) return;
      if (err instanceof ApiError && err.status === 404) {
        detail = null;
        replace(
          body,
          h(
            'div',
            { class: 'card', 'data-testid': 'incident-not-found' },
            h('h1', { class: 'page-head__title' }, t('notFound.title')),
            h('p', null, t('incident.notFound')),
          ),
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

  // ---- Keyboard shortcuts ------------------------------------------------------------------------------------------
  const group = 'shortcuts.group.incident' as const;
  const ready = () => !!detail;
  const shortcuts: Shortcut[] = [];
  if (canEdit) {
    shortcuts.push(
      { keys: 'a', label: 'shortcuts.incident.assignMe', group, run: () => bar?.assignMe(), enabled: ready },
      { keys: 's', label: 'shortcuts.incident.status', group, run: () => bar?.openStatus(), enabled: ready },
      {
        keys: 'f',
        label: 'shortcuts.incident.falsePositive',
        group,
        run: () => bar?.falsePositive(),
        enabled: () => !!detail && !detail.incident.mergedInto,
      },
    );
  }
  if (canComment) {
    shortcuts.push({ keys: 'c', label: 'shortcuts.incident.comment', group, run: () => comments.focusComposer(), enabled: ready });
  }
  if (canEdit) {
    shortcuts.push(
      {
        keys: 'm',
        label: 'shortcuts.incident.merge',
        group,
        run: () => bar?.openMerge(),
        enabled: () => !!detail && !detail.incident.mergedInto && detail.incident.status !== 'closed',
      },
      { keys: 'l', label: 'shortcuts.incident.link', group, run: () => bar?.openLink(), enabled: ready },
      { keys: 'e', label: 'shortcuts.incident.exception', group, run: () => bar?.openException(), enabled: ready },
    );
  }
  shortcuts.push({ keys: 'u', label: 'shortcuts.incident.back', group, run: backToList });

  const disposers = [
    registerShortcuts(shortcuts),
    onIncident((_kind, incident) => {
      if (!detail) return;
      if (incident.id !== id) {
        // A linked incident changed (status, severity, title): its row follows.
        if (related.linkedIds().has(incident.id)) void related.refresh();
        return;
      }
      if (incident.updatedAt < detail.incident.updatedAt) return;
      // New counts and times at once; alerts, timeline, comments and links follow with the refetch.
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
    disposed = true;
    for (const testId of ['exception-dialog', 'merge-dialog', 'link-dialog', 'classify-dialog']) {
      document.querySelector(`dialog[data-testid="${testId}"]`)?.remove();
    }
    controller?.abort();
    window.clearTimeout(refetchTimer);
    comments.dispose();
    related.dispose();
    bar?.dispose();
    for (const dispose of disposers) dispose();
  };
};
