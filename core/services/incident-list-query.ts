/**
 * The incident list's query parameters (GET /api/v1/incidents), defined once: the route parses requests with it and
 * saved views (saved-views.ts) check their stored query strings with it.
 */
import { z } from 'zod';
import { ENISA_CLASSES } from '../detection/taxonomy.js';
import { INCIDENT_STATUSES, SEVERITIES } from '../domain/types.js';
import type { IncidentFilter } from '../storage/storage.port.js';

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

/** In `assignee`: the caller, and "nobody". */
export const ASSIGNEE_ME = 'me';
export const ASSIGNEE_NONE = 'none';

const pivot = z.string().trim().min(1).max(255);

export const incidentListQuerySchema = z.object({
  status: csv(INCIDENT_STATUSES).optional(),
  severity: csv(SEVERITIES).optional(),
  agencyId: z.string().min(1).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  q: z.string().max(200).optional(),
  category: csv(ENISA_CLASSES).optional(),
  /** Usernames, `me` and `none`, comma-separated. */
  assignee: z
    .string()
    .max(2000)
    .transform((s) => [...new Set(s.split(',').map((v) => v.trim()).filter(Boolean))])
    .pipe(z.array(z.string().max(64)).min(1).max(50))
    .optional(),
  host: pivot.optional(),
  user: pivot.optional(),
  ip: pivot.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});

export type IncidentListQuery = z.infer<typeof incidentListQuerySchema>;

/**
 * The storage filter a parsed query asks for, before any agency scope. `assignee` tokens (any case): `none` is
 * unassigned, `me` is the caller's username, anything else goes through `canonicalUsername` (the stored spelling of
 * a username: assignees are stored as the user's username).
 */
export async function incidentFilterFromQuery(
  q: IncidentListQuery,
  people: { me: string; canonicalUsername: (name: string) => Promise<string> },
): Promise<IncidentFilter> {
  const filter: IncidentFilter = {
    ...(q.status ? { status: q.status } : {}),
    ...(q.severity ? { severity: q.severity } : {}),
    ...(q.from ? { from: new Date(q.from).toISOString() } : {}),
    ...(q.to ? { to: new Date(q.to).toISOString() } : {}),
    ...(q.q ? { q: q.q } : {}),
    ...(q.category ? { categories: q.category } : {}),
    ...(q.host ? { host: q.host } : {}),
    ...(q.user ? { user: q.user } : {}),
    ...(q.ip ? { ip: q.ip } : {}),
  };
  if (q.assignee) {
    const assignees: (string | null)[] = [];
    for (const token of q.assignee) {
      const t = token.toLowerCase();
      assignees.push(t === ASSIGNEE_NONE ? null : t === ASSIGNEE_ME ? people.me : await people.canonicalUsername(token));
    }
    filter.assignees = [...new Set(assignees)];
  }
  return filter;
}

/** A query string as Express would hand it to the route: repeated keys become arrays (which the schema refuses). */
export function queryStringToObject(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(query)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
