import { h } from '../dom';
import { humanize } from '../format';
import { hasKey, t } from '../i18n';
import { INCIDENT_STATUSES, type Incident, type IncidentStatus, type StatusOption } from '../types';

/** Display names for the incident's status, category and type, in the active language. */

/** Admin-defined statuses as the server lists them (`GET /incident-statuses`); empty until loaded. */
let knownStatuses: readonly StatusOption[] = [];

export function setKnownStatuses(list: readonly StatusOption[]): void {
  knownStatuses = list;
}

export function knownStatusOptions(): readonly StatusOption[] {
  return knownStatuses;
}

const isBuiltIn = (key: string): key is IncidentStatus => (INCIDENT_STATUSES as readonly string[]).includes(key);

/** `triaged` → "Triaged" (translated); an admin-defined key → its label as the admin wrote it. */
export function statusName(key: string): string {
  if (isBuiltIn(key)) {
    const k = `status.${key}`;
    return hasKey(k) ? t(k) : humanize(key);
  }
  return knownStatuses.find((s) => s.key === key)?.label ?? humanize(key);
}

/** The stage a status key belongs to (built-in statuses are their own stage). */
export function stageOf(key: string): IncidentStatus {
  if (isBuiltIn(key)) return key;
  return knownStatuses.find((s) => s.key === key)?.stage ?? 'investigating';
}

/** A status badge: coloured by stage, worded by the (possibly admin-defined) status. */
export function statusChip(key: string): HTMLElement {
  const stage = stageOf(key);
  return h('span', { class: `badge status status--${stage}`, 'data-status': key }, statusName(key));
}

/** The status a person sees on an incident. */
export function incidentStatusKey(incident: Pick<Incident, 'status' | 'customStatus'>): string {
  return incident.customStatus ?? incident.status;
}

export function categoryName(category: string): string {
  const key = `leadership.category.${category}`;
  return hasKey(key) ? t(key) : humanize(category);
}

export function typeName(type: string): string {
  const key = `triage.type.${type}`;
  return hasKey(key) ? t(key) : humanize(type);
}
