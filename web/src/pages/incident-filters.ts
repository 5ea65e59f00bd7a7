import type { IncidentQuery } from '../api';
import { INCIDENT_STATUSES, SEVERITIES, type Incident, type IncidentStatus, type Severity } from '../types';

/** The incident list's filters; they live in the URL query string so a view can be bookmarked and shared. */
export interface Filters {
  status: IncidentStatus[];
  severity: Severity[];
  agencyId: string;
  q: string;
}

function csv<T extends string>(raw: string | null, allowed: readonly T[]): T[] {
  if (!raw) return [];
  const wanted = new Set(raw.split(',').map((v) => v.trim()));
  return allowed.filter((v) => wanted.has(v));
}

export function filtersFromQuery(query: URLSearchParams): Filters {
  return {
    status: csv(query.get('status'), INCIDENT_STATUSES),
    severity: csv(query.get('severity'), SEVERITIES),
    agencyId: query.get('agencyId')?.trim() ?? '',
    q: (query.get('q') ?? '').slice(0, 200),
  };
}

export function filtersToQuery(f: Filters): URLSearchParams {
  const params = new URLSearchParams();
  if (f.status.length) params.set('status', f.status.join(','));
  if (f.severity.length) params.set('severity', f.severity.join(','));
  if (f.agencyId) params.set('agencyId', f.agencyId);
  if (f.q.trim()) params.set('q', f.q.trim());
  return params;
}

export function filtersToApi(f: Filters): IncidentQuery {
  const q: IncidentQuery = {};
  if (f.status.length) q.status = f.status.join(',');
  if (f.severity.length) q.severity = f.severity.join(',');
  if (f.agencyId) q.agencyId = f.agencyId;
  if (f.q.trim()) q.q = f.q.trim();
  return q;
}

export function isFiltered(f: Filters): boolean {
  return f.status.length > 0 || f.severity.length > 0 || f.agencyId !== '' || f.q.trim() !== '';
}

/** The server's free-text match: case-insensitive substring of title, host, rule id or an entity. */
function matchesText(incident: Incident, q: string): boolean {
  const needle = q.trim().toLowerCase();
  if (!needle) return true;
  const haystack = [
    incident.title,
    incident.host ?? '',
    incident.ruleId,
    ...incident.entities.hosts,
    ...incident.entities.users,
    ...incident.entities.ips,
  ];
  return haystack.some((v) => v.toLowerCase().includes(needle));
}

/** Whether a live incident belongs in the list as currently filtered. */
export function matchesFilters(incident: Incident, f: Filters): boolean {
  if (f.status.length && !f.status.includes(incident.status)) return false;
  if (f.severity.length && !f.severity.includes(incident.severity)) return false;
  if (f.agencyId && incident.agencyId !== f.agencyId) return false;
  return matchesText(incident, f.q);
}

/** Newest activity first (last seen, then id), as the server orders pages. Negative: `a` comes first. */
export function byActivity(a: Incident, b: Incident): number {
  if (a.lastSeen !== b.lastSeen) return a.lastSeen < b.lastSeen ? 1 : -1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? 1 : -1;
}
