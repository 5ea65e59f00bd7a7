import type { AgentHealth, AgentHealthStore } from '../storage.port.js';
import type { SqliteHandle } from './connection.js';

interface Row {
  agent_id: string;
  silence_minutes: number | null;
  silent_since: string | null;
  incident_id: string | null;
  updated_at: string;
}

const toHealth = (r: Row): AgentHealth => ({
  agentId: r.agent_id,
  silenceMinutes: r.silence_minutes,
  silentSince: r.silent_since,
  incidentId: r.incident_id,
  updatedAt: r.updated_at,
});

/** Per-agent silence thresholds and state. */
export function createSqliteAgentHealthStore(h: SqliteHandle): AgentHealthStore {
  const get = (agentId: string) => {
    const row = h.stmt('SELECT * FROM agent_health WHERE agent_id = ?').get(agentId) as Row | undefined;
    return row ? toHealth(row) : null;
  };
  return {
    async get(agentId) {
      return get(agentId);
    },
    async list() {
      return (h.stmt('SELECT * FROM agent_health ORDER BY agent_id').all() as Row[]).map(toHealth);
    },
    async set(agentId, patch, at) {
      const current = get(agentId);
      const next: AgentHealth = {
        agentId,
        silenceMinutes: patch.silenceMinutes !== undefined ? patch.silenceMinutes : (current?.silenceMinutes ?? null),
        silentSince: patch.silentSince !== undefined ? patch.silentSince : (current?.silentSince ?? null),
        incidentId: patch.incidentId !== undefined ? patch.incidentId : (current?.incidentId ?? null),
        updatedAt: at,
      };
      h.stmt(
        `INSERT INTO agent_health (agent_id, silence_minutes, silent_since, incident_id, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(agent_id) DO UPDATE SET silence_minutes = excluded.silence_minutes,
           silent_since = excluded.silent_since, incident_id = excluded.incident_id, updated_at = excluded.updated_at`,
      ).run(agentId, next.silenceMinutes, next.silentSince, next.incidentId, next.updatedAt);
      return next;
    },
  };
}
