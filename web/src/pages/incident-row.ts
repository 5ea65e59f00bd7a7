import { agencyName, findAgency } from '../agencies';
import { ageElement } from '../components/age';
import { severityBadge, statusBadge } from '../components/badges';
import { h } from '../dom';
import { formatCompact, formatDateTimeLong, humanize, shortId } from '../format';
import { formatNumber, hasKey, t } from '../i18n';
import type { Incident } from '../types';

export interface IncidentColumn {
  key: string;
  label: () => string;
}

const SELECT_COLUMN: IncidentColumn = { key: 'select', label: () => t('list.col.select') };

export const INCIDENT_COLUMNS: readonly IncidentColumn[] = [
  { key: 'severity', label: () => t('incidents.col.severity') },
  { key: 'title', label: () => t('incidents.col.title') },
  { key: 'rule', label: () => t('incidents.col.rule') },
  { key: 'agency', label: () => t('incidents.col.agency') },
  { key: 'host', label: () => t('incidents.col.host') },
  { key: 'count', label: () => t('incidents.col.count') },
  { key: 'status', label: () => t('incidents.col.status') },
  { key: 'assignee', label: () => t('list.col.assignee') },
  { key: 'age', label: () => t('incidents.col.age') },
  { key: 'last', label: () => t('incidents.col.lastSeen') },
];

/** The list's columns: with a leading checkbox column for people who can act on incidents. */
export function listColumns(selectable: boolean): readonly IncidentColumn[] {
  return selectable ? [SELECT_COLUMN, ...INCIDENT_COLUMNS] : INCIDENT_COLUMNS;
}

export function incidentHref(id: string): string {
  return `/incidents/${encodeURIComponent(id)}`;
}

export function agencyCell(agencyId: string): HTMLElement {
  const agency = findAgency(agencyId);
  const label = agencyName(agencyId);
  return h('span', { class: 'cell-clip', title: agency ? `${agency.name} (${agency.code})` : agencyId }, label);
}

export function categoryLabel(slug: string): string {
  const key = `leadership.category.${slug}`;
  return hasKey(key) ? t(key) : humanize(slug);
}

export interface RowOptions {
  /** 0-based position in the list (aria-rowindex counts the header row as 1). */
  index: number;
  selectable: boolean;
  selected: boolean;
  cursor: boolean;
  /** The label of an admin-defined status, when the incident is in one. */
  customStatusLabel?: string | undefined;
}

function assigneeCell(incident: Incident): HTMLElement {
  if (!incident.assignee) {
    return h(
      'span',
      { class: 'irow__unassigned', title: t('list.filter.assigneeNone') },
      h('span', { 'aria-hidden': 'true' }, '—'),
      h('span', { class: 'visually-hidden' }, t('list.filter.assigneeNone')),
    );
  }
  return h('span', { class: 'cell-clip', title: incident.assignee }, incident.assignee);
}

/**
 * One row of the incident list. The whole row opens the incident; the title is the keyboard-reachable link; the
 * checkbox (for editors) selects it for bulk actions. `data-part` marks what keeps focus when the row is rebuilt.
 */
export function incidentRow(incident: Incident, opts: RowOptions): HTMLTableRowElement {
  const more = incident.ruleIds.length > 1 ? incident.ruleIds.length - 1 : 0;
  const status = statusBadge(incident.status);
  if (opts.customStatusLabel) {
    status.textContent = opts.customStatusLabel;
    status.title = opts.customStatusLabel;
  }
  const row = h(
    'tr',
    {
      class: `irow irow--${incident.severity}`,
      'data-incident-id': incident.id,
      'data-status': incident.status,
      'aria-rowindex': opts.index + 2,
    },
    opts.selectable
      ? h(
          'td',
          { class: 'c-select' },
          h('input', {
            type: 'checkbox',
            class: 'irow__check',
            'data-part': 'select',
            checked: opts.selected,
            'aria-label': t('list.select.row', { title: incident.title }),
          }),
        )
      : null,
    h('td', { class: 'c-severity' }, severityBadge(incident.severity)),
    h(
      'td',
      { class: 'c-title' },
      h('a', { class: 'irow__link', 'data-part': 'link', href: incidentHref(incident.id), title: incident.title }, incident.title),
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
    h('td', { class: 'c-status' }, status),
    h('td', { class: 'c-assignee' }, assigneeCell(incident)),
    h('td', { class: 'c-age' }, ageElement(incident.firstSeen)),
    h(
      'td',
      { class: 'c-last' },
      h('time', { datetime: incident.lastSeen, title: formatDateTimeLong(incident.lastSeen) }, formatCompact(incident.lastSeen)),
    ),
  );
  setRowState(row, opts.selected, opts.cursor);
  return row;
}

/** Selection and cursor marks of a rendered row (cheaper than rebuilding it). */
export function setRowState(row: HTMLTableRowElement, selected: boolean, cursor: boolean): void {
  row.classList.toggle('irow--selected', selected);
  row.classList.toggle('irow--cursor', cursor);
  const box = row.querySelector<HTMLInputElement>('input.irow__check');
  if (box && box.checked !== selected) box.checked = selected;
}
