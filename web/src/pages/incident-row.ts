import { agencyName, findAgency } from '../agencies';
import { ageElement } from '../components/age';
import { severityBadge, statusBadge } from '../components/badges';
import { h } from '../dom';
import { formatCompact, formatDateTimeLong, shortId } from '../format';
import { formatNumber, t } from '../i18n';
import type { Incident } from '../types';

export const INCIDENT_COLUMNS = [
  { key: 'severity', label: () => t('incidents.col.severity') },
  { key: 'title', label: () => t('incidents.col.title') },
  { key: 'rule', label: () => t('incidents.col.rule') },
  { key: 'agency', label: () => t('incidents.col.agency') },
  { key: 'host', label: () => t('incidents.col.host') },
  { key: 'count', label: () => t('incidents.col.count') },
  { key: 'status', label: () => t('incidents.col.status') },
  { key: 'age', label: () => t('incidents.col.age') },
  { key: 'last', label: () => t('incidents.col.lastSeen') },
] as const;

export function incidentHref(id: string): string {
  return `/incidents/${encodeURIComponent(id)}`;
}

export function agencyCell(agencyId: string): HTMLElement {
  const agency = findAgency(agencyId);
  const label = agencyName(agencyId);
  return h('span', { class: 'cell-clip', title: agency ? `${agency.name} (${agency.code})` : agencyId }, label);
}

/** One row of the incident list. The whole row opens the incident; the title is the keyboard-reachable link. */
export function incidentRow(incident: Incident): HTMLTableRowElement {
  const more = incident.ruleIds.length > 1 ? incident.ruleIds.length - 1 : 0;
  return h(
    'tr',
    { class: `irow irow--${incident.severity}`, 'data-incident-id': incident.id, 'data-status': incident.status },
    h('td', { class: 'c-severity' }, severityBadge(incident.severity)),
    h(
      'td',
      { class: 'c-title' },
      h('a', { class: 'irow__link', href: incidentHref(incident.id), title: incident.title }, incident.title),
    ),
    h(
      'td',
      { class: 'c-rule' },
      h('span', { class: 'mono', title: incident.ruleIds.join('\n') || incident.ruleId }, shortId(incident.ruleId)),
      more ? h('span', { class: 'more' }, t('incidents.moreRules', { count: more })) : null,
    ),
    h('td', { class: 'c-agency', 'data-agency-id': incident.agencyId }, agencyCell(incident.agencyId)),
    h('td', { class: 'c-host' }, h('span', { class: 'mono cell-clip', title: incident.host ?? '' }, incident.host ?? '—')),
    h('td', { class: 'c-count num' }, formatNumber(incident.eventCount)),
    h('td', { class: 'c-status' }, statusBadge(incident.status)),
    h('td', { class: 'c-age' }, ageElement(incident.firstSeen)),
    h(
      'td',
      { class: 'c-last' },
      h('time', { datetime: incident.lastSeen, title: formatDateTimeLong(incident.lastSeen) }, formatCompact(incident.lastSeen)),
    ),
  );
}
