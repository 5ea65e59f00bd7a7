import { randomUUID } from 'node:crypto';
import type { Agent } from '../../domain/types.js';
import { nowIso, toIso } from '../shared/time.js';
import type { AgentStore } from '../storage.port.js';
import type { SqliteHandle } from './connection.js';
import { translate } from './errors.js';

interface AgentRow {
  id: string;
  agency_id: string;
  name: string;
  key_prefix: string;
  key_hash: string;
  created_at: string;
  revoked_at: string | null;
  last_seen_at: string | null;
}

const toAgent = (r: AgentRow): Agent => ({
  id: r.id,
  agencyId: r.agency_id,
  name: r.name,
  keyPrefix: r.key_prefix,
  keyHash: r.key_hash,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastSeenAt: r.last_seen_at,
});

/** Agents, listed by name then id. Creating one for an unknown agency is a NotFoundError. */
export function createSqliteAgentStore(h: SqliteHandle): AgentStore {
  const byId = (id: string) => {
    const row = h.stmt('SELECT * FROM agents WHERE id = ?').get(id) as AgentRow | undefined;
    return row ? toAgent(row) : null;
  };
  return {
    async create(input) {
      const agent: Agent = {
        id: randomUUID(),
        agencyId: input.agencyId,
        name: input.name,
        keyPrefix: input.keyPrefix,
        keyHash: input.keyHash,
        createdAt: nowIso(),
        revokedAt: null,
        lastSeenAt: null,
      };
      translate(
        () =>
          h
            .stmt(
              `INSERT INTO agents (id, agency_id, name, key_prefix, key_hash, created_at, revoked_at, last_seen_at)
               VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)`,
            )
            .run(agent.id, agent.agencyId, agent.name, agent.keyPrefix, agent.keyHash, agent.createdAt),
        { conflict: `agent key prefix ${input.keyPrefix} already exists`, missing: `agency ${input.agencyId}` },
      );
      return agent;
    },
    async get(id) {
      return byId(id);
    },
    async findByKeyPrefix(keyPrefix) {
      const row = h.stmt('SELECT * FROM agents WHERE key_prefix = ?').get(keyPrefix) as AgentRow | undefined;
      return row ? toAgent(row) : null;
    },
    async list(filter) {
      const rows =
        filter?.agencyId !== undefined
          ? h.stmt('SELECT * FROM agents WHERE agency_id = ? ORDER BY name, id').all(filter.agencyId)
          : h.stmt('SELECT * FROM agents ORDER BY name, id').all();
      return (rows as AgentRow[]).map(toAgent);
    },
    async revoke(id, at) {
      const when = toIso(at, 'at');
      h.stmt('UPDATE agents SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(when, id);
      return byId(id);
    },
    async touch(id, at) {
      const when = toIso(at, 'at');
      h.stmt('UPDATE agents SET last_seen_at = ? WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)').run(
        when,
        id,
        when,
      );
    },
  };
}
