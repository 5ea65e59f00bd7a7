import { agencyName, findAgency } from '../agencies';
import { severityBadge, severityLabel } from '../components/badges';
import { icon } from '../components/icons';
import { h, isSafeUrl, type Child } from '../dom';
import { attackUrl, flatten, formatDateTime, formatDateTimeLong, humanize, shortId } from '../format';
import { formatNumber, hasKey, t, tp } from '../i18n';
import { SEVERITIES, type Alert, type AlertEvent, type Incident, type RuleInfo, type Severity, type TimelineEntry } from '../types';
import { categoryName, incidentStatusKey, statusChip, typeName } from './incident-labels';
import { copyValueButton, pivotKind, valueWithTools, type PivotKind } from './incident-pivot';

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

// ---- Header ---------------------------------------------------------------------------------------------------------

export function incidentHref(id: string): string {
  return `/incidents/${encodeURIComponent(id)}`;
}

export interface HeaderParts {
  liveNote: HTMLElement;
  /** The action bar (admins and analysts) and its feedback line; kept across re-renders by the page. */
  actions?: Child;
  /** A line under the title for people who may not act (agency admins). */
  note?: Child;
}

export function incidentHeader(incident: Incident, parts: HeaderParts): HTMLElement {
  const agency = findAgency(incident.agencyId);
  const statusKey = incidentStatusKey(incident);
  return h(
    'header',
    { class: `card incident-head incident-head--${incident.severity}`, 'data-testid': 'incident-head' },
    h(
      'div',
      { class: 'incident-head__top' },
      h('span', { 'data-testid': 'incident-severity', 'data-value': incident.severity }, severityBadge(incident.severity)),
      h('span', { 'data-testid': 'incident-status', 'data-value': statusKey }, statusChip(statusKey)),
      h(
        'span',
        { class: 'incident-head__id' },
        h('span', { class: 'mono', title: t('incident.id') }, incident.id),
        copyValueButton(incident.id, t('triage.copyId')),
      ),
      parts.liveNote,
    ),
    h('h1', { class: 'incident-head__title', 'data-testid': 'incident-title' }, incident.title),
    parts.actions ?? null,
    parts.note ? h('p', { class: 'incident-head__note muted' }, parts.note) : null,
    h(
      'dl',
      { class: 'facts facts--head' },
      fact(t('incident.agency'), agency ? `${agency.name} (${agency.code})` : agencyName(incident.agencyId)),
      fact(
        t('incident.host'),
        incident.host
          ? valueWithTools(incident.host, { kind: 'host', copyLabel: t('triage.copyValue', { value: incident.host }) })
          : none(),
      ),
      fact(t('incident.alerts'), h('span', { class: 'num' }, formatNumber(incident.alertCount))),
      fact(t('incident.events'), h('span', { class: 'num' }, formatNumber(incident.eventCount))),
      fact(t('incident.firstSeen'), time(incident.firstSeen)),
      fact(t('incident.lastSeen'), time(incident.lastSeen)),
      fact(
        t('incident.category'),
        h(
          'span',
          { 'data-testid': 'incident-category', 'data-value': incident.category },
          incident.category ? categoryName(incident.category) : none(),
        ),
      ),
      fact(
        t('triage.typeFact'),
        h('span', { 'data-testid': 'incident-type', 'data-value': incident.type ?? '' }, incident.type ? typeName(incident.type) : none()),
      ),
      fact(
        t('incident.assignee'),
        h(
          'span',
          { 'data-testid': 'incident-assignee', 'data-value': incident.assignee ?? '' },
          incident.assignee ?? h('span', { class: 'muted' }, t('incident.unassigned')),
        ),
      ),
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

function entityList(values: readonly string[] | undefined, kind: PivotKind | null, testId: string): HTMLElement {
  if (!values || values.length === 0) return none();
  return h(
    'ul',
    { class: 'entity-list', 'data-testid': testId },
    values.map((v) =>
      h('li', null, valueWithTools(v, { kind, copyLabel: t('triage.copyValue', { value: v }) })),
    ),
  );
}

export function entitiesCard(incident: Incident): HTMLElement {
  const { hashes, domains } = incident.entities;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'entities-title', 'data-testid': 'incident-entities' },
    h('h2', { class: 'card__title', id: 'entities-title' }, t('incident.entities')),
    h(
      'dl',
      { class: 'facts facts--stack' },
      fact(t('incident.entityHosts'), entityList(incident.entities.hosts, 'host', 'entities-hosts')),
      fact(t('incident.entityUsers'), entityList(incident.entities.users, 'user', 'entities-users')),
      fact(t('incident.entityIps'), entityList(incident.entities.ips, 'ip', 'entities-ips')),
      hashes?.length ? fact(t('triage.entityHashes'), entityList(hashes, null, 'entities-hashes')) : null,
      domains?.length ? fact(t('triage.entityDomains'), entityList(domains, null, 'entities-domains')) : null,
    ),
  );
}

// ---- Alerts ---------------------------------------------------------------------------------------------------------

/**
 * Every field of an event, nested values flattened to dotted paths, in a key/value table. Each value can be copied;
 * hosts, IPs and users also link to the incident list filtered by them.
 */
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
      entries.map(([key, value]) =>
        h(
          'tr',
          { 'data-field': key },
          h('th', { scope: 'row', class: 'kv__key' }, key),
          h(
            'td',
            { class: 'kv__value' },
            valueWithTools(value, {
              kind: pivotKind(key, value),
              copyLabel: t('triage.copyField', { field: key }),
              mono: true,
              className: 'val--cell',
            }),
          ),
        ),
      ),
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
      event.host
        ? h(
            'span',
            { class: 'chip chip--tools', title: t('incident.eventHost') },
            valueWithTools(event.host, { kind: 'host', copyLabel: t('triage.copyValue', { value: event.host }) }),
          )
        : null,
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

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const isSeverity = (v: unknown): v is Severity => typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v);

function incidentRef(id: string): HTMLElement {
  return h('a', { class: 'mono', href: incidentHref(id), title: id }, shortId(id));
}

/** "from → to", each side worded by `label` (null/empty as `empty`). */
function change(details: Record<string, unknown>, label: (v: string) => Child, empty: string): HTMLElement {
  const side = (v: unknown) => {
    const s = str(v);
    return s === null ? h('span', { class: 'muted' }, empty) : h('span', null, label(s));
  };
  return h('p', { class: 'timeline__change' }, side(details.from), h('span', { class: 'timeline__arrow' }, ' → '), side(details.to));
}

/** A readable line for the changes the lifecycle writes; other entries show their details as key/value pairs. */
function timelineSummary(entry: TimelineEntry, rules: Record<string, RuleInfo>): Child {
  const d = entry.details ?? {};
  switch (entry.action) {
    case 'status_changed':
      return change(d, (v) => statusChip(v), t('triage.tl.none'));
    case 'assigned':
      return change(d, (v) => v, t('triage.tl.nobody'));
    case 'severity_changed':
      return change(d, (v) => (isSeverity(v) ? severityLabel(v) : humanize(v)), t('triage.tl.none'));
    case 'category_changed':
      return change(d, categoryName, t('triage.tl.none'));
    case 'type_changed':
      return change(d, typeName, t('triage.tl.none'));
    case 'commented': {
      const excerpt = str(d.excerpt);
      return excerpt ? h('p', { class: 'timeline__excerpt' }, excerpt) : null;
    }
    case 'merged_into': {
      const into = str(d.into);
      return into ? h('p', { class: 'timeline__change' }, icon('merge', 12), ' ', incidentRef(into)) : null;
    }
    case 'merged_from': {
      const source = str(d.source);
      return h(
        'p',
        { class: 'timeline__change' },
        source ? [icon('merge', 12), ' ', incidentRef(source), ' · '] : null,
        h('span', { class: 'muted' }, t('triage.mergedCounts', { alerts: num(d.alerts), events: num(d.events) })),
      );
    }
    case 'linked':
    case 'unlinked': {
      const other = str(d.other);
      return other ? h('p', { class: 'timeline__change' }, icon('link', 12), ' ', incidentRef(other)) : null;
    }
    case 'created': {
      const ruleId = str(d.ruleId);
      if (!ruleId) return null;
      return h('p', { class: 'timeline__note' }, h('span', { class: 'muted' }, `${t('triage.tl.rule')}: `), rules[ruleId]?.title ?? h('span', { class: 'mono' }, ruleId));
    }
    default: {
      const details = flatten(d);
      return details.length
        ? h(
            'dl',
            { class: 'timeline__details' },
            details.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', { class: 'mono' }, v))),
          )
        : null;
    }
  }
}

export function timelineCard(entries: readonly TimelineEntry[], rules: Record<string, RuleInfo> = {}): HTMLElement {
  const sorted = [...entries].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'timeline-title', 'data-testid': 'incident-timeline' },
    h('h2', { class: 'card__title', id: 'timeline-title' }, t('incident.timeline'), h('span', { class: 'count-pill' }, String(sorted.length))),
    sorted.length === 0
      ? h('p', { class: 'muted' }, t('incident.noTimeline'))
      : h(
          'ol',
          { class: 'timeline' },
          sorted.map((entry) =>
            h(
              'li',
              { class: `timeline__item timeline__item--${entry.action.replace(/[^a-z0-9_-]/gi, '')}`, 'data-action': entry.action },
              h('span', { class: 'timeline__dot', 'aria-hidden': 'true' }),
              h(
                'div',
                { class: 'timeline__content' },
                h('div', { class: 'timeline__head' }, h('strong', null, actionLabel(entry.action)), h('span', { class: 'muted' }, entry.actor)),
                time(entry.at),
                timelineSummary(entry, rules),
              ),
            ),
          ),
        ),
  );
}

