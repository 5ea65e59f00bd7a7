import { api, isAbortError } from '../api';
import { openDrawer } from '../components/drawer';
import { emptyState, errorState, loadingState } from '../components/states';
import { h, replace, type Child } from '../dom';
import { formatCompact, formatDateTime, formatDateTimeLong, humanize } from '../format';
import { t } from '../i18n';
import type { AgentHistoryEntry, AgentListItem } from '../types';
import { agentStatusBadge, incidentHref } from './agent-status';

function str(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

/** A time inside a sentence: the clock time today, day and time otherwise; the full local time on hover. */
function clock(iso: string): HTMLElement {
  return h('time', { datetime: iso, title: formatDateTimeLong(iso) }, formatCompact(iso));
}

/** Splits a translated template on `{param}` placeholders so nodes (times) can stand in for them. */
function sentenceWith(template: string, parts: Record<string, Child>): Child[] {
  return template.split(/(\{\w+\})/).map((piece) => {
    const m = /^\{(\w+)\}$/.exec(piece);
    return m && m[1]! in parts ? parts[m[1]!] : piece;
  });
}

interface Readable {
  kind: 'silent' | 'returned' | 'threshold' | 'revoked' | 'other';
  text: Child[];
  detail?: Child;
  incidentId?: string | null;
}

/** One history entry in words: "Stopped reporting (last event 10:02)", "Threshold set to 5 min by admin", … */
export function describeHistoryEntry(entry: AgentHistoryEntry): Readable {
  const d = entry.details ?? {};
  switch (entry.action) {
    case 'agent.silent': {
      const last = str(d.lastSeenAt);
      return {
        kind: 'silent',
        text: last ? sentenceWith(t('agents.event.silent'), { time: clock(last) }) : [t('agents.event.silentUnknown')],
        incidentId: str(d.incidentId),
      };
    }
    case 'agent.returned': {
      const since = str(d.silentSince);
      return {
        kind: 'returned',
        text: [t('agents.event.returned')],
        ...(since ? { detail: sentenceWith(t('agents.event.returnedDetail'), { time: clock(since) }) } : {}),
      };
    }
    case 'agent.silence_threshold_changed': {
      const minutes = typeof d.silenceMinutes === 'number' ? d.silenceMinutes : null;
      return {
        kind: 'threshold',
        text: [
          minutes === null
            ? t('agents.event.thresholdDefault', { actor: entry.actor })
            : t('agents.event.threshold', { minutes, actor: entry.actor }),
        ],
      };
    }
    case 'agent.revoked':
      return { kind: 'revoked', text: [t('agents.event.revoked', { actor: entry.actor })] };
    default:
      return { kind: 'other', text: [t('agents.event.other', { action: humanize(entry.action.replace(/^agent\./, '')), actor: entry.actor })] };
  }
}

function historyList(entries: readonly AgentHistoryEntry[]): HTMLElement {
  if (entries.length === 0) return emptyState(t('agents.historyEmpty'));
  return h(
    'ol',
    { class: 'timeline agent-history', 'aria-label': t('agents.historyCaption'), 'data-testid': 'agent-history-list' },
    entries.map((entry) => {
      const r = describeHistoryEntry(entry);
      return h(
        'li',
        { class: `timeline__item agent-history__item agent-history__item--${r.kind}`, 'data-testid': 'agent-history-entry', 'data-action': entry.action },
        h('span', { class: 'timeline__dot', 'aria-hidden': 'true' }),
        h(
          'div',
          { class: 'timeline__content' },
          h('div', { class: 'timeline__head' }, h('strong', { class: 'agent-history__text' }, r.text)),
          h(
            'div',
            { class: 'agent-history__meta' },
            h('time', { datetime: entry.at, title: formatDateTimeLong(entry.at) }, formatDateTime(entry.at)),
            r.detail ? h('span', null, r.detail) : null,
            r.incidentId ? h('a', { href: incidentHref(r.incidentId), class: 'agent-history__incident', 'data-close-drawer': '' }, t('agents.event.incident')) : null,
          ),
        ),
      );
    }),
  );
}

export interface HistoryDrawer {
  readonly agentId: string;
  /** Reloads the entries (and the status badge) in place, e.g. on the page's periodic refresh. */
  refresh(agent?: AgentListItem): void;
  close(): void;
  isOpen(): boolean;
}

/** The status history of one agent in a side panel, newest first. */
export function openAgentHistory(agent: AgentListItem, opts: { returnFocus?: () => HTMLElement | null; onClose?: () => void } = {}): HistoryDrawer {
  const eyebrow = h('span', { class: 'agent-history__status' }, agentStatusBadge(agent.status));
  const list = h('div', { class: 'agent-history__body', 'aria-live': 'polite', 'aria-busy': 'true' }, loadingState(t('agents.historyLoading')));
  let controller: AbortController | null = null;
  let open = true;
  let shownKey: string | null = null;

  const drawer = openDrawer({
    testId: 'agent-history',
    ...(opts.returnFocus ? { returnFocus: opts.returnFocus } : {}),
    onClose: () => {
      open = false;
      controller?.abort();
      opts.onClose?.();
    },
    eyebrow,
    title: t('agents.historyTitle', { name: agent.name }),
    body: [h('p', { class: 'muted agent-history__intro' }, t('agents.historyIntro')), list],
  });
  // Links leave the page: close the panel first (the router handles the navigation).
  drawer.el.addEventListener('click', (ev) => {
    if ((ev.target as Element | null)?.closest?.('a[data-close-drawer]')) drawer.close();
  });

  function load(): void {
    controller?.abort();
    const c = new AbortController();
    controller = c;
    list.setAttribute('aria-busy', 'true');
    api
      .agentHistory(agent.id, c.signal)
      .then((res) => {
        if (!open || c.signal.aborted) return;
        // Re-render only when something changed, so a periodic refresh does not re-announce the list.
        const key = res.items.map((e) => e.id).join(',');
        if (key !== shownKey || !list.querySelector('.agent-history, .state--empty')) replace(list, historyList(res.items));
        shownKey = key;
        list.setAttribute('aria-busy', 'false');
      })
      .catch((err: unknown) => {
        if (!open || isAbortError(err)) return;
        replace(list, errorState(err, load));
        list.setAttribute('aria-busy', 'false');
      });
  }

  load();
  return {
    agentId: agent.id,
    refresh(next) {
      if (!open) return;
      if (next) replace(eyebrow, agentStatusBadge(next.status));
      load();
    },
    close: () => drawer.close(),
    isOpen: () => open,
  };
}
