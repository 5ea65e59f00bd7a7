/** Filter normalisation, page limits and the keyset cursor, shared by every adapter. */
import { ValidationError } from '../../errors/app-error.js';
import type { IncidentFilter } from '../storage.port.js';
import { toIso } from './time.js';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/** A position in the (lastSeen DESC, id DESC) order: the last item of the previous page. */
export interface IncidentCursor {
  lastSeen: string;
  id: string;
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE_LIMIT;
  return Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.floor(limit)));
}

/** base64url of JSON `[lastSeen, id]`. */
export function encodeCursor(c: IncidentCursor): string {
  return Buffer.from(JSON.stringify([c.lastSeen, c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): IncidentCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('invalid cursor');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string'
  ) {
    throw new ValidationError('invalid cursor');
  }
  return { lastSeen: parsed[0], id: parsed[1] };
}

/**
 * The filter as adapters apply it: times normalised, an empty `q` or pivot dropped, assignees de-duplicated. An
 * empty array in status, severity, agencyIds, categories or assignees is kept: it matches nothing (an agency admin
 * with no agency must see nothing, not everything).
 */
export function normalizeFilter(filter: IncidentFilter): IncidentFilter {
  const out: IncidentFilter = {};
  if (filter.status !== undefined) out.status = [...filter.status];
  if (filter.severity !== undefined) out.severity = [...filter.severity];
  if (filter.agencyIds !== undefined) out.agencyIds = [...filter.agencyIds];
  if (filter.from !== undefined) out.from = toIso(filter.from, 'from');
  if (filter.to !== undefined) out.to = toIso(filter.to, 'to');
  if (filter.q !== undefined && filter.q !== '') out.q = filter.q;
  if (filter.categories !== undefined) out.categories = [...filter.categories];
  if (filter.assignees !== undefined) out.assignees = [...new Set(filter.assignees)];
  if (filter.host !== undefined && filter.host !== '') out.host = filter.host;
  if (filter.user !== undefined && filter.user !== '') out.user = filter.user;
  if (filter.ip !== undefined && filter.ip !== '') out.ip = filter.ip;
  return out;
}

/** The named assignees of a normalised filter, and whether unassigned incidents match too. */
export function splitAssignees(assignees: readonly (string | null)[]): { names: string[]; unassigned: boolean } {
  return { names: assignees.filter((a): a is string => a !== null), unassigned: assignees.includes(null) };
}

export const DEFAULT_RULE_COUNT_LIMIT = 10;
export const MAX_RULE_COUNT_LIMIT = 100;

export function clampRuleCountLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_RULE_COUNT_LIMIT;
  return Math.min(MAX_RULE_COUNT_LIMIT, Math.max(1, Math.floor(limit)));
}
