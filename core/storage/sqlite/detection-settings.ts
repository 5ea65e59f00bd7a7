import type { ExceptionStore, RuleSettingStore, StoredException } from '../storage.port.js';
import type { SqliteHandle } from './connection.js';
import { translate } from './errors.js';

/** Analyst exceptions, oldest first. */
export function createSqliteExceptionStore(h: SqliteHandle): ExceptionStore {
  const parse = (r: { body: string }) => JSON.parse(r.body) as StoredException;
  return {
    async create(exception) {
      translate(
        () =>
          h
            .stmt('INSERT INTO detection_exceptions (id, rule_id, body, created_at) VALUES (?, ?, ?, ?)')
            .run(exception.id, exception.ruleId, JSON.stringify(exception), exception.createdAt),
        { conflict: `exception ${exception.id} already exists` },
      );
      return exception;
    },
    async get(id) {
      const row = h.stmt('SELECT body FROM detection_exceptions WHERE id = ?').get(id) as { body: string } | undefined;
      return row ? parse(row) : null;
    },
    async list() {
      return (h.stmt('SELECT body FROM detection_exceptions ORDER BY created_at, id').all() as { body: string }[]).map(parse);
    },
    async delete(id) {
      return h.stmt('DELETE FROM detection_exceptions WHERE id = ?').run(id).changes > 0;
    },
  };
}

interface RuleSettingRow {
  rule_id: string;
  enabled: number;
  updated_by: string;
  updated_at: string;
}

/** Per-rule on/off switches, by rule id. */
export function createSqliteRuleSettingStore(h: SqliteHandle): RuleSettingStore {
  return {
    async set(setting) {
      h.stmt(
        `INSERT INTO rule_settings (rule_id, enabled, updated_by, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(rule_id) DO UPDATE SET enabled = excluded.enabled, updated_by = excluded.updated_by,
           updated_at = excluded.updated_at`,
      ).run(setting.ruleId, setting.enabled ? 1 : 0, setting.updatedBy, setting.updatedAt);
      return { ...setting };
    },
    async list() {
      return (h.stmt('SELECT * FROM rule_settings ORDER BY rule_id').all() as RuleSettingRow[]).map((r) => ({
        ruleId: r.rule_id,
        enabled: r.enabled === 1,
        updatedBy: r.updated_by,
        updatedAt: r.updated_at,
      }));
    },
  };
}
