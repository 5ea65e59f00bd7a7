import { api, isAbortError } from '../api';
import { severityBadge } from '../components/badges';
import { icon } from '../components/icons';
import { loadingState } from '../components/states';
import { h, replace, uid } from '../dom';
import { formatDateTime, formatDateTimeLong, shortId } from '../format';
import { t } from '../i18n';
import type { Incident, IncidentDetail } from '../types';
import { incidentStatusKey, statusChip } from './incident-labels';
import { incidentHref } from './incident-sections';

/**
 * Related incidents: the ones linked to this one (each a link to its page, with severity and status, and an unlink
 * button for people who may edit), and the ones merged into it (from the timeline's `merged_from` entries). Also the
 * banner a merged incident shows, pointing at the incident it now lives in.
 */

/** Incidents looked up by id for their titles (merged sources, merge targets); kept for the page's life. */
export function incidentLookup(): { get(id: string): Promise<Incident | null>; forget(id: string): void } {
  const cache = new Map<string, Promise<Incident | null>>();
  return {
    get(id) {
      let hit = cache.get(id);
      if (!hit) {
        hit = api.incident(id).then(
          (d) => d.incident,
          () => null,
        );
        cache.set(id, hit);
      }
      return hit;
    },
    forget: (id) => cache.delete(id),
  };
}

export type Lookup = ReturnType<typeof incidentLookup>;

function relatedRow(other: Incident, tools: Node | null): HTMLElement {
  return h(
    'li',
    { class: 'related__item', 'data-related-id': other.id },
    h(
      'div',
      { class: 'related__line' },
      severityBadge(other.severity),
      statusChip(incidentStatusKey(other)),
      tools ? h('span', { class: 'related__tools' }, tools) : null,
    ),
    h('a', { class: 'related__title', href: incidentHref(other.id) }, other.title),
    h(
      'div',
      { class: 'related__meta' },
      other.host ? h('span', { class: 'mono' }, other.host) : null,
      h('time', { datetime: other.lastSeen, title: formatDateTimeLong(other.lastSeen) }, formatDateTime(other.lastSeen)),
    ),
  );
}

export interface RelatedCard {
  el: HTMLElement;
  /** Ids currently linked (for the link dialog and live updates). */
  linkedIds(): ReadonlySet<string>;
  refresh(): Promise<void>;
  /** The merged-in list follows the timeline of the latest detail. */
  update(detail: IncidentDetail): void;
  dispose(): void;
}

export function relatedCard(opts: {
  incidentId: string;
  lookup: Lookup;
  /** Editors get an unlink button on each linked incident. */
  onUnlink?: (other: Incident, button: HTMLButtonElement) => void;
}): RelatedCard {
  const titleId = uid('related');
  const linkedCount = h('span', { class: 'count-pill', 'data-testid': 'related-count' }, '0');
  const linkedList = h('div', { class: 'related__body', 'data-testid': 'related-list' }, loadingState(t('triage.relatedLoading')));
  const mergedTitleId = uid('merged');
  const mergedList = h('ul', { class: 'related', 'data-testid': 'merged-list', 'aria-labelledby': mergedTitleId });
  const mergedSection = h(
    'div',
    { class: 'related__merged', hidden: true },
    h('h3', { class: 'related__subtitle', id: mergedTitleId }, icon('merge', 13), t('triage.mergedHere')),
    mergedList,
  );
  let linked = new Set<string>();
  let controller: AbortController | null = null;
  let loaded = false;
  let mergedKey = '';

  async function refresh(): Promise<void> {
    controller?.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    try {
      const { items } = await api.links(opts.incidentId, ctrl.signal);
      if (ctrl !== controller) return;
      loaded = true;
      linked = new Set(items.map((i) => i.id));
      linkedCount.textContent = String(items.length);
      if (!items.length) {
        replace(linkedList, h('p', { class: 'muted' }, t('triage.relatedEmpty')));
        return;
      }
      replace(
        linkedList,
        h(
          'ul',
          { class: 'related' },
          items.map((other) => {
            let tools: HTMLButtonElement | null = null;
            if (opts.onUnlink) {
              const label = t('triage.unlinkLabel', { title: other.title });
              const button = h(
                'button',
                { type: 'button', class: 'tool-btn tool-btn--text', 'aria-label': label, title: label, 'data-testid': `unlink-${other.id}`, 'data-focus-key': `unlink-${other.id}` },
                icon('x', 13),
                h('span', null, t('triage.unlink')),
              );
              button.addEventListener('click', () => opts.onUnlink?.(other, button));
              tools = button;
            }
            return relatedRow(other, tools);
          }),
        ),
      );
    } catch (err) {
      if (isAbortError(err) || ctrl !== controller) return;
      if (!loaded) replace(linkedList, h('p', { class: 'muted' }, t('triage.relatedFailed')));
    }
  }

  function update(detail: IncidentDetail): void {
    const sources: { id: string; alerts: number; events: number; at: string }[] = [];
    for (const e of detail.timeline) {
      if (e.action !== 'merged_from') continue;
      const id = typeof e.details?.source === 'string' ? e.details.source : null;
      if (!id || sources.some((s) => s.id === id)) continue;
      sources.push({ id, alerts: Number(e.details.alerts) || 0, events: Number(e.details.events) || 0, at: e.at });
    }
    const key = sources.map((s) => s.id).join(',');
    if (key === mergedKey) return;
    mergedKey = key;
    mergedSection.hidden = sources.length === 0;
    replace(
      mergedList,
      sources.map((s) => {
        const title = h('a', { class: 'related__title', href: incidentHref(s.id) }, t('triage.incidentRef', { id: shortId(s.id) }));
        const item = h(
          'li',
          { class: 'related__item', 'data-merged-id': s.id },
          title,
          h(
            'div',
            { class: 'related__meta' },
            h('span', null, t('triage.mergedCounts', { alerts: s.alerts, events: s.events })),
            h('time', { datetime: s.at, title: formatDateTimeLong(s.at) }, formatDateTime(s.at)),
          ),
        );
        void opts.lookup.get(s.id).then((inc) => {
          if (inc) title.textContent = inc.title;
        });
        return item;
      }),
    );
  }

  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': titleId, 'data-testid': 'incident-related' },
    h('h2', { class: 'card__title', id: titleId }, icon('link', 14), t('triage.related'), linkedCount),
    linkedList,
    mergedSection,
  );

  return {
    el,
    linkedIds: () => linked,
    refresh,
    update,
    dispose: () => controller?.abort(),
  };
}

/** The banner of a merged incident: prominent, with a link to the incident it was merged into. */
export function mergedBanner(targetId: string, lookup: Lookup): HTMLElement {
  const linkText = h('span', null, t('triage.mergedBannerLink', { title: shortId(targetId) }));
  const banner = h(
    'div',
    { class: 'merged-banner', role: 'note', 'data-testid': 'merged-banner' },
    icon('merge', 20, 'merged-banner__icon'),
    h('p', { class: 'merged-banner__text' }, t('triage.mergedBanner')),
    h('a', { class: 'btn btn--primary btn--small', href: incidentHref(targetId), 'data-testid': 'merged-banner-link' }, linkText, icon('arrowLeft', 14, 'merged-banner__arrow')),
  );
  void lookup.get(targetId).then((inc) => {
    if (inc) linkText.textContent = t('triage.mergedBannerLink', { title: inc.title });
  });
  return banner;
}
