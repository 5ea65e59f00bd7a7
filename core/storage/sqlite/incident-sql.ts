/**
 * IncidentFilter -> SQL WHERE clause, the SQLite counterpart of mongo/incident-queries.ts. Lists bind as one JSON
 * parameter (`IN (SELECT value FROM json_each(?))`) so each filter shape is a single prepared statement.
 */
import type { IncidentFilter } from '../storage.port.js';
import { splitAssignees, type IncidentCursor } from '../shared/paging.js';

export interface SqlWhere {
  /** '' or 'WHERE ...' */
  sql: string;
  params: unknown[];
}

/** Escapes LIKE's wildcards with a backslash (used with ESCAPE '\'). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `filter` must already be normalised (shared/paging.ts normalizeFilter). */
export function incidentWhere(filter: IncidentFilter, cursor?: IncidentCursor | null): SqlWhere {
  const parts: string[] = [];
  const params: unknown[] = [];
  const inList = (column: string, values: readonly string[] | undefined) => {
    if (values === undefined) return;
    parts.push(`${column} IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(values));
  };
  inList('status', filter.status);
  inList('severity', filter.severity);
  inList('agency_id', filter.agencyIds);
  if (filter.from !== undefined) {
    parts.push('last_seen >= ?');
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    parts.push('last_seen <= ?');
    params.push(filter.to);
  }
  if (filter.q !== undefined && filter.q !== '') {
    // SQLite's LIKE is case-insensitive for ASCII letters only (Mongo's /i regex folds more of Unicode).
    const like = `%${escapeLike(filter.q)}%`;
    const entity = (list: string) =>
      `EXISTS (SELECT 1 FROM json_each(entities, '$.${list}') WHERE value LIKE ? ESCAPE '\\')`;
    parts.push(
      `(title LIKE ? ESCAPE '\\' OR host LIKE ? ESCAPE '\\' OR rule_id LIKE ? ESCAPE '\\' OR ` +
        `${entity('hosts')} OR ${entity('users')} OR ${entity('ips')})`,
    );
    params.push(like, like, like, like, like, like);
  }
  inList('category', filter.categories);
  if (filter.assignees !== undefined) {
    const { names, unassigned } = splitAssignees(filter.assignees);
    const either: string[] = [];
    // [] (no name, no null) keeps the IN over an empty list: it matches nothing.
    if (names.length > 0 || !unassigned) {
      either.push('assignee IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(names));
    }
    if (unassigned) either.push('assignee IS NULL');
    parts.push(either.length === 1 ? either[0]! : `(${either.join(' OR ')})`);
  }
  // Pivots: exact values. NOCASE folds ASCII letters only, as Mongo's $toLower does.
  const inEntities = (list: string, collate: string) =>
    `EXISTS (SELECT 1 FROM json_each(entities, '$.${list}') WHERE value = ?${collate})`;
  if (filter.host !== undefined) {
    parts.push(`(host = ? COLLATE NOCASE OR ${inEntities('hosts', ' COLLATE NOCASE')})`);
    params.push(filter.host, filter.host);
  }
  if (filter.user !== undefined) {
    parts.push(inEntities('users', ' COLLATE NOCASE'));
    params.push(filter.user);
  }
  if (filter.ip !== undefined) {
    parts.push(inEntities('ips', ''));
    params.push(filter.ip);
  }
  if (cursor) {
    parts.push('(last_seen < ? OR (last_seen = ? AND id < ?))');
    params.push(cursor.lastSeen, cursor.lastSeen, cursor.id);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}
