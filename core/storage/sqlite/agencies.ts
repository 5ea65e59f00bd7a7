import { randomUUID } from 'node:crypto';
import type { Agency } from '../../domain/types.js';
import { nowIso } from '../shared/time.js';
import type { AgencyStore } from '../storage.port.js';
import type { SqliteHandle } from './connection.js';
import { translate } from './errors.js';

interface AgencyRow {
  id: string;
  name: string;
  code: string;
  created_at: string;
}

const toAgency = (r: AgencyRow): Agency => ({ id: r.id, name: r.name, code: r.code, createdAt: r.created_at });

/** Agencies, listed by code. */
export function createSqliteAgencyStore(h: SqliteHandle): AgencyStore {
  return {
    async create(input) {
      const agency: Agency = { id: randomUUID(), name: input.name, code: input.code, createdAt: nowIso() };
      translate(
        () =>
          h
            .stmt('INSERT INTO agencies (id, name, code, created_at) VALUES (?, ?, ?, ?)')
            .run(agency.id, agency.name, agency.code, agency.createdAt),
        { conflict: `agency code ${input.code} already exists` },
      );
      return agency;
    },
    async get(id) {
      const row = h.stmt('SELECT * FROM agencies WHERE id = ?').get(id) as AgencyRow | undefined;
      return row ? toAgency(row) : null;
    },
    async list() {
      return (h.stmt('SELECT * FROM agencies ORDER BY code, id').all() as AgencyRow[]).map(toAgency);
    },
  };
}
