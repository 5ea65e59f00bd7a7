import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '../../domain/types.js';
import { toIso } from '../shared/time.js';
import type { AuditFilter, AuditStore } from '../storage.port.js';
import type { SqliteHandle } from './connection.js';
import { parseJson } from './json.js';

interface AuditRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  target_type: string;
  target: string;
  details: string;
}

const toEntry = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  targetType: r.target_type,
  target: r.target,
  details: parseJson<Record<string, unknown>>(r.details),
});

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

export function clampAuditLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_AUDIT_LIMIT;
  return Math.min(MAX_AUDIT_LIMIT, Math.max(1, Math.floor(limit)));
}

function auditWhere(filter: AuditFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const eq = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    parts.push(`${column} = ?`);
    params.push(value);
  };
  eq('target', filter.target);
  eq('target_type', filter.targetType);
  eq('actor', filter.actor);
  eq('action', filter.action);
  if (filter.from !== undefined) {
    parts.push('at >= ?');
    params.push(toIso(filter.from, 'from'));
  }
  if (filter.to !== undefined) {
    parts.push('at <= ?');
    params.push(toIso(filter.to, 'to'));
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** The audit log, append-only, newest first. */
export function createSqliteAuditStore(h: SqliteHandle): AuditStore {
  return {
    async record(input) {
      const entry: AuditEntry = { id: randomUUID(), ...input, at: toIso(input.at, 'at'), details: input.details ?? {} };
      h.stmt(
        'INSERT INTO audit_log (id, at, actor, action, target_type, target, details) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(entry.id, entry.at, entry.actor, entry.action, entry.targetType, entry.target, JSON.stringify(entry.details));
      return entry;
    },
    async list(filter, page) {
      const where = auditWhere(filter);
      return (
        h
          .stmt(`SELECT * FROM audit_log ${where.sql} ORDER BY at DESC, rowid DESC LIMIT ?`)
          .all(...where.params, clampAuditLimit(page?.limit)) as AuditRow[]
      ).map(toEntry);
    },
  };
}
