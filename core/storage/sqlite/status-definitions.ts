import type { IncidentStage, StatusDefinition } from '../../domain/types.js';
import type { StatusDefinitionStore } from '../storage.port.js';
import type { SqliteHandle } from './connection.js';
import { translate } from './errors.js';

interface StatusDefinitionRow {
  key: string;
  label: string;
  stage: string;
  created_by: string;
  created_at: string;
}

const toDefinition = (r: StatusDefinitionRow): StatusDefinition => ({
  key: r.key,
  label: r.label,
  stage: r.stage as IncidentStage,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** Admin-defined incident statuses, by key. */
export function createSqliteStatusDefinitionStore(h: SqliteHandle): StatusDefinitionStore {
  return {
    async create(def) {
      translate(
        () =>
          h
            .stmt('INSERT INTO status_definitions (key, label, stage, created_by, created_at) VALUES (?, ?, ?, ?, ?)')
            .run(def.key, def.label, def.stage, def.createdBy, def.createdAt),
        { conflict: `status ${def.key} already exists` },
      );
      return { ...def };
    },
    async get(key) {
      const row = h.stmt('SELECT * FROM status_definitions WHERE key = ?').get(key) as StatusDefinitionRow | undefined;
      return row ? toDefinition(row) : null;
    },
    async list() {
      return (h.stmt('SELECT * FROM status_definitions ORDER BY key').all() as StatusDefinitionRow[]).map(toDefinition);
    },
  };
}
