import { agencyName, findAgency } from '../agencies';
import { severityBadge, statusBadge } from '../components/badges';
import { icon } from '../components/icons';
import { h, isSafeUrl, type Child } from '../dom';
import { attackUrl, flatten, formatDateTime, formatDateTimeLong, humanize } from '../format';
import { formatNumber, hasKey, t, tp } from '../i18n';
import type { Alert, AlertEvent, Incident, RuleInfo, TimelineEntry } from '../types';

/** Building blocks of the incident page; each returns a fresh element for the data it is given. */

function time(iso: string, text = formatDateTime(iso)): HTMLTimeElement {
  return h('time', { datetime: iso, title: formatDateTimeLong(iso) }, text);
}

export function fact(label: string, ...value: Child[]): HTMLElement {
  return h('div', { class: 'fact' }, h('dt', { class: 'fact__label' }, label), h('dd', { class: 'fact__value' }, value));
}

export function none(): HTMLElement {
  return h('span', { class: 'muted' }, t('incident.none'));
}

/** An external link that opens in a new tab; unsafe schemes are shown as plain text. */
export function externalLink(url: string, text = url): HTMLElement {
  if (!isSafeUrl(url) || url.startsWith('/')) return h('span', { class: 'break' }, text);
  return h(
    'a',
    { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'ext-link', 'data-external': '' },
    h('span', { class: 'break' }, text),
    icon('external', 12, 'ext-link__icon'),
  );
}

/** `T1490` or `attack.t1490` as a chip linking to MITRE ATT&CK; other tags as plain chips. */
export function tagChip(tag: string): HTMLElement {
  const url = attackUrl(tag);
  const label = url ? tag.replace(/^attack\./i, '').toUpperCase() : tag;
  if (url) {
    return h(
      'a',
      { class: 'chip chip--attack', href: url, target: '_blank', rel: 'noopener noreferrer', 'data-external': '', title: tag },
      label,
    );
  }
  return h('span', { class: 'chip' }, tag);
}

function chipList(values: readonly string[], mono = false): HTMLElement {
  if (values.length === 0) return none();
  return h('ul', { class: 'chips' }, values.map((v) => h('li', null, h('span', { class: `chip${mono ? ' mono' : ''}` }, v))));
}

// ---- Header ---------------------------------------------------------------------------------------------------------

export function incidentHeader(incident: Incident, liveNote: HTMLElement, actions?: Child): HTMLElement {
  const agency = findAgency(incident.agencyId);
  return h(
    'header',
    { class: `card incident-head incident-head--${incident.severity}` },
    h(
      'div',
      { class: 'incident-head__top' },
      severityBadge(incident.severity),
      statusBadge(incident.status),
      h('span', { class: 'incident-head__id mono', title: t('incident.id') }, incident.id),
      liveNote,
      actions ? h('div', { class: 'incident-head__actions' }, actions) : null,
    ),
    h('h1', { class: 'incident-head__title', 'data-testid': 'incident-title' }, incident.title),
    h(
      'dl',
      { class: 'facts facts--head' },
      fact(t('incident.agency'), agency ? `${agency.name} (${agency.code})` : agencyName(incident.agencyId)),
      fact(t('incident.host'), incident.host ? h('span', { class: 'mono' }, incident.host) : none()),
      fact(t('incident.alerts'), h('span', { class: 'num' }, formatNumber(incident.alertCount))),
      fact(t('incident.events'), h('span', { class: 'num' }, formatNumber(incident.eventCount))),
      fact(t('incident.firstSeen'), time(incident.firstSeen)),
      fact(t('incident.lastSeen'), time(incident.lastSeen)),
      fact(t('incident.category'), incident.category ? humanize(incident.category) : none()),
      fact(t('incident.assignee'), incident.assignee ?? h('span', { class: 'muted' }, t('incident.unassigned'))),
      fact(
        t('incident.techniques'),
        incident.techniques.length ? h('ul', { class: 'chips' }, incident.techniques.map((tq) => h('li', null, tagChip(tq)))) : none(),
      ),
    ),
  );
}

// ---- Rule -----------------------------------------------------------------------------------------------------------

export function ruleCard(ruleId: string, rule: RuleInfo | undefined): HTMLElement {
  if (!rule) {
    return h('div', { class: 'rule rule--missing' }, h('p', { class: 'muted' }, t('incident.ruleMissing', { id: ruleId })));
  }
  return h(
    'article',
    { class: 'rule' },
    h('div', { class: 'rule__head' }, h('h3', { class: 'rule__title' }, rule.title), severityBadge(rule.level)),
    rule.description ? h('p', { class: 'rule__description' }, rule.description) : null,
    h(
      'dl',
      { class: 'facts facts--stack' },
      fact(t('incident.ruleAuthor'), rule.author || none()),
      fact(
        t('incident.ruleTags'),
        rule.tags.length ? h('ul', { class: 'chips' }, rule.tags.map((tag) => h('li', null, tagChip(tag)))) : none(),
      ),
      fact(
        t('incident.ruleReferences'),
        rule.references.length ? h('ul', { class: 'plain-list' }, rule.references.map((r) => h('li', null, externalLink(r)))) : none(),
      ),
      fact(
        t('incident.ruleFalsePositives'),
        rule.falsepositives.length ? h('ul', { class: 'bullets' }, rule.falsepositives.map((fp) => h('li', null, fp))) : none(),
      ),
      fact(t('incident.ruleFile'), rule.file ? h('span', { class: 'mono break' }, rule.file) : none()),
      fact(t('incident.ruleId'), h('span', { class: 'mono break' }, rule.id)),
    ),
  );
}

// ---- Entities -------------------------------------------------------------------------------------------------------

export function entitiesCard(incident: Incident): HTMLElement {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'entities-title' },
    h('h2', { class: 'card__title', id: 'entities-title' }, t('incident.entities')),
    h(
      'dl',
      { class: 'facts facts--stack' },
      fact(t('incident.entityHosts'), chipList(incident.entities.hosts, true)),
      fact(t('incident.entityUsers'), chipList(incident.entities.users, true)),
      fact(t('incident.entityIps'), chipList(incident.entities.ips, true)),
    ),
  );
}

// ---- Alerts ---------------------------------------------------------------------------------------------------------

/** Every field of an event, nested values flattened to dotted paths, in a key/value table. */
export function fieldsTable(fields: Record<string, unknown>): HTMLElement {
  const entries = flatten(fields);
  if (entries.length === 0) return h('p', { class: 'muted' }, t('incident.noFields'));
  return h(
    'table',
    { class: 'kv' },
    h('colgroup', null, h('col', { class: 'kv__col-key' }), h('col')),
    h('thead', { class: 'visually-hidden' }, h('tr', null, h('th', { scope: 'col' }, t('incident.field')), h('th', { scope: 'col' }, t('incident.value')))),
    h(
      'tbody',
      null,
      entries.map(([key, value]) => h('tr', null, h('th', { scope: 'row', class: 'kv__key' }, key), h('td', { class: 'kv__value' }, value))),
    ),
  );
}

function eventBlock(event: AlertEvent): HTMLElement {
  const source = [event.logsource.product, event.logsource.category, event.logsource.service].filter((v): v is string => !!v);
  return h(
    'section',
    { class: 'event' },
    h(
      'div',
      { class: 'event__head' },
      icon('clock', 14),
      time(event.time),
      event.host ? h('span', { class: 'chip mono', title: t('incident.eventHost') }, event.host) : null,
      source.length ? h('span', { class: 'chip chip--source', title: t('incident.eventSource') }, source.join(' / ')) : null,
      h('span', { class: 'event__id mono', title: t('incident.eventId') }, event.id),
    ),
    fieldsTable(event.fields),
  );
}

export function alertBlock(alert: Alert, open: boolean): HTMLDetailsElement {
  const shown = alert.events.length;
  const details = h(
    'details',
    { class: 'alert', open, 'data-alert-id': alert.id },
    h(
      'summary',
      { class: 'alert__summary' },
      icon('chevronDown', 14, 'alert__chevron'),
      severityBadge(alert.level),
      h('span', { class: 'alert__title' }, alert.ruleTitle),
      h(
        'span',
        { class: 'alert__meta' },
        alert.host ? h('span', { class: 'mono' }, alert.host) : null,
        h('span', null, tp('incident.alertEvents', alert.eventCount)),
        time(alert.createdAt),
      ),
    ),
    h(
      'div',
      { class: 'alert__body' },
      h(
        'dl',
        { class: 'facts facts--inline' },
        fact(t('incident.alertWindow'), time(alert.firstEventAt), ' – ', time(alert.lastEventAt)),
        fact(t('incident.alertAgent'), h('span', { class: 'mono' }, alert.agentId)),
        fact(t('incident.ruleId'), h('span', { class: 'mono' }, alert.ruleId)),
      ),
      alert.events.map(eventBlock),
      alert.eventCount > shown ? h('p', { class: 'muted small' }, t('incident.alertShown', { shown, count: alert.eventCount })) : null,
    ),
  );
  return details;
}

// ---- Timeline -------------------------------------------------------------------------------------------------------

function actionLabel(action: string): string {
  const key = `incident.action.${action}`;
  return hasKey(key) ? t(key) : humanize(action);
}

export function timelineCard(entries: readonly TimelineEntry[]): HTMLElement {
  const sorted = [...entries].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'timeline-title' },
    h('h2', { class: 'card__title', id: 'timeline-title' }, t('incident.timeline')),
    sorted.length === 0
      ? h('p', { class: 'muted' }, t('incident.noTimeline'))
      : h(
          'ol',
          { class: 'timeline' },
          sorted.map((entry) => {
            const details = flatten(entry.details ?? {});
            return h(
              'li',
              { class: `timeline__item timeline__item--${entry.action.replace(/[^a-z0-9_-]/gi, '')}` },
              h('span', { class: 'timeline__dot', 'aria-hidden': 'true' }),
              h(
                'div',
                { class: 'timeline__content' },
                h('div', { class: 'timeline__head' }, h('strong', null, actionLabel(entry.action)), h('span', { class: 'muted' }, entry.actor)),
                time(entry.at),
                details.length
                  ? h(
                      'dl',
                      { class: 'timeline__details' },
                      details.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', { class: 'mono' }, v))),
                    )
                  : null,
              ),
            );
          }),
        ),
  );
}
