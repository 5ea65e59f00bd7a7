import { ENISA_CLASSES } from '../../../core/detection/taxonomy';
import { OPEN_STATUSES } from '../../../core/domain/types';
import type { IncidentQuery } from '../api';
import { INCIDENT_STATUSES, SEVERITIES, type Incident, type IncidentStatus, type Severity } from '../types';

/**
 * The incident list's filters. They live in the URL query string, so a view can be bookmarked, shared, saved (the
 * saved view stores exactly this query string), and restored by reload and back/forward.
 *
 * Relative time ranges stay relative in the URL (`range=24h`) and become an absolute `from` only when the list asks
 * the server; a custom range is stored as absolute `from` / `to` instants (ISO-8601, UTC).
 */

export { ENISA_CLASSES, OPEN_STATUSES };
export type Category = (typeof ENISA_CLASSES)[number];

export const RELATIVE_RANGES = ['1h', '24h', '7d', '30d'] as const;
export type RelativeRange = (typeof RELATIVE_RANGES)[number];
export type TimeRange = '' | RelativeRange | 'custom';

const HOUR = 3_600_000;
export const RANGE_MS: Readonly<Record<RelativeRange, number>> = { '1h': HOUR, '24h': 24 * HOUR, '7d': 7 * 24 * HOUR, '30d': 30 * 24 * HOUR };

/** Assignee tokens besides usernames: the signed-in user, and nobody. */
export const ASSIGNEE_ME = 'me';
export const ASSIGNEE_NONE = 'none';

export const PIVOTS = ['host', 'user', 'ip'] as const;
export type Pivot = (typeof PIVOTS)[number];

export interface Filters {
  status: IncidentStatus[];
  severity: Severity[];
  agencyId: string;
  category: Category[];
  /** `me`, `none` and usernames, as in the API. */
  assignee: string[];
  range: TimeRange;
  /** Custom range bounds (ISO); empty when not set. Only used when `range` is `custom`. */
  from: string;
  to: string;
  q: string;
  host: string;
  user: string;
  ip: string;
}

export function emptyFilters(): Filters {
  return { status: [], severity: [], agencyId: '', category: [], assignee: [], range: '', from: '', to: '', q: '', host: '', user: '', ip: '' };
}

function csv<T extends string>(raw: string | null, allowed: readonly T[]): T[] {
  if (!raw) return [];
  const wanted = new Set(raw.split(',').map((v) => v.trim()));
  return allowed.filter((v) => wanted.has(v));
}

/** `me` and `none` first (any case), then usernames sorted ignoring case; duplicates dropped. */
export function normalizeAssignees(tokens: readonly string[]): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const raw of tokens) {
    const token = raw.trim().slice(0, 64);
    const lower = token.toLowerCase();
    if (!token || seen.has(lower)) continue;
    seen.add(lower);
    if (lower !== ASSIGNEE_ME && lower !== ASSIGNEE_NONE) names.push(token);
  }
  names.sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0));
  const special = [ASSIGNEE_ME, ASSIGNEE_NONE].filter((s) => seen.has(s));
  return [...special, ...names].slice(0, 50);
}

/** A valid instant as canonical ISO (UTC), else ''. */
function instant(raw: string | null): string {
  if (!raw) return '';
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

const pivotValue = (raw: string | null) => (raw ?? '').trim().slice(0, 255);

export function filtersFromQuery(query: URLSearchParams): Filters {
  const f = emptyFilters();
  f.status = csv(query.get('status'), INCIDENT_STATUSES);
  f.severity = csv(query.get('severity'), SEVERITIES);
  f.agencyId = query.get('agencyId')?.trim() ?? '';
  f.category = csv(query.get('category'), ENISA_CLASSES);
  f.assignee = normalizeAssignees((query.get('assignee') ?? '').split(','));
  const range = query.get('range');
  if ((RELATIVE_RANGES as readonly string[]).includes(range ?? '')) {
    f.range = range as RelativeRange;
  } else {
    f.from = instant(query.get('from'));
    f.to = instant(query.get('to'));
    if (f.from || f.to) f.range = 'custom';
  }
  f.q = (query.get('q') ?? '').slice(0, 200);
  f.host = pivotValue(query.get('host'));
  f.user = pivotValue(query.get('user'));
  f.ip = pivotValue(query.get('ip'));
  return f;
}

/** The URL form, parameters and values always in the same order (so two equal views have equal strings). */
export function filtersToQuery(f: Filters): URLSearchParams {
  const params = new URLSearchParams();
  if (f.status.length) params.set('status', INCIDENT_STATUSES.filter((s) => f.status.includes(s)).join(','));
  if (f.severity.length) params.set('severity', SEVERITIES.filter((s) => f.severity.includes(s)).join(','));
  if (f.category.length) params.set('category', ENISA_CLASSES.filter((c) => f.category.includes(c)).join(','));
  const assignee = normalizeAssignees(f.assignee);
  if (assignee.length) params.set('assignee', assignee.join(','));
  if (f.agencyId) params.set('agencyId', f.agencyId);
  if (f.range && f.range !== 'custom') params.set('range', f.range);
  if (f.range === 'custom') {
    if (f.from) params.set('from', f.from);
    if (f.to) params.set('to', f.to);
  }
  if (f.q.trim()) params.set('q', f.q.trim());
  for (const p of PIVOTS) if (f[p]) params.set(p, f[p]);
  return params;
}

/** The canonical form of a list query string (a saved view's, or the URL's): equal filters, equal strings. */
export function canonicalQuery(query: string): string {
  return filtersToQuery(filtersFromQuery(new URLSearchParams(query))).toString();
}

/** The lower bound on last activity a relative range means at `now`. */
export function rangeStart(range: TimeRange, now = Date.now()): string | null {
  if (!range || range === 'custom') return null;
  return new Date(now - RANGE_MS[range]).toISOString();
}

export function filtersToApi(f: Filters, now = Date.now()): IncidentQuery {
  const q: IncidentQuery = {};
  if (f.status.length) q.status = f.status.join(',');
  if (f.severity.length) q.severity = f.severity.join(',');
  if (f.agencyId) q.agencyId = f.agencyId;
  if (f.category.length) q.category = f.category.join(',');
  const assignee = normalizeAssignees(f.assignee);
  if (assignee.length) q.assignee = assignee.join(',');
  const start = rangeStart(f.range, now);
  if (start) q.from = start;
  if (f.range === 'custom') {
    if (f.from) q.from = f.from;
    if (f.to) q.to = f.to;
  }
  if (f.q.trim()) q.q = f.q.trim();
  if (f.host) q.host = f.host;
  if (f.user) q.user = f.user;
  if (f.ip) q.ip = f.ip;
  return q;
}

export function isFiltered(f: Filters): boolean {
  return filtersToQuery(f).toString() !== '';
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

/** Who "me" is, and the time relative ranges are measured from. */
export interface MatchContext {
  me: string | null;
  now?: number;
}

function matchesAssignee(incident: Incident, tokens: readonly string[], me: string | null): boolean {
  const assignee = incident.assignee?.toLowerCase() ?? null;
  return tokens.some((token) => {
    const t = token.toLowerCase();
    if (t === ASSIGNEE_NONE) return assignee === null;
    if (t === ASSIGNEE_ME) return assignee !== null && !!me && assignee === me.toLowerCase();
    return assignee === t;
  });
}

/** Whether a live incident belongs in the list as currently filtered (the same rules as the server's). */
export function matchesFilters(incident: Incident, f: Filters, ctx: MatchContext = { me: null }): boolean {
  if (f.status.length && !f.status.includes(incident.status)) return false;
  if (f.severity.length && !f.severity.includes(incident.severity)) return false;
  if (f.agencyId && incident.agencyId !== f.agencyId) return false;
  if (f.category.length && !(f.category as string[]).includes(incident.category)) return false;
  if (f.assignee.length && !matchesAssignee(incident, f.assignee, ctx.me)) return false;
  const start = rangeStart(f.range, ctx.now ?? Date.now());
  if (start && incident.lastSeen < start) return false;
  if (f.range === 'custom') {
    if (f.from && incident.lastSeen < f.from) return false;
    if (f.to && incident.lastSeen > f.to) return false;
  }
  // Pivots: exact values; host and user ignoring case, IP exactly.
  if (f.host) {
    const host = f.host.toLowerCase();
    if (incident.host?.toLowerCase() !== host && !incident.entities.hosts.some((v) => v.toLowerCase() === host)) return false;
  }
  if (f.user) {
    const user = f.user.toLowerCase();
    if (!incident.entities.users.some((v) => v.toLowerCase() === user)) return false;
  }
  if (f.ip && !incident.entities.ips.includes(f.ip)) return false;
  return matchesText(incident, f.q);
}

/** Newest activity first (last seen, then id), as the server orders pages. Negative: `a` comes first. */
export function byActivity(a: Incident, b: Incident): number {
  if (a.lastSeen !== b.lastSeen) return a.lastSeen < b.lastSeen ? 1 : -1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? 1 : -1;
}

/** Built-in quick views: the queues an analyst switches between all shift. */
export interface QuickView {
  id: 'mine' | 'unassigned-urgent' | 'open' | 'all';
  query: string;
  /** Only for people who can be assigned incidents. */
  editorsOnly?: boolean;
}

const open = OPEN_STATUSES.join(',');
export const QUICK_VIEWS: readonly QuickView[] = [
  { id: 'mine', query: `status=${open}&assignee=me`, editorsOnly: true },
  { id: 'unassigned-urgent', query: `status=${open}&severity=critical,high&assignee=none` },
  { id: 'open', query: `status=${open}` },
  { id: 'all', query: '' },
];
