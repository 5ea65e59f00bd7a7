import type { AgentHealth, AgentHealthStore } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import type { AgentHealthDoc } from './models.js';

const toHealth = (d: AgentHealthDoc): AgentHealth => ({
  agentId: String(d._id),
  silenceMinutes: d.silenceMinutes ?? null,
  silentSince: d.silentSince ?? null,
  incidentId: d.incidentId ?? null,
  updatedAt: d.updatedAt,
});

/** Per-agent silence thresholds and state. */
export function createMongoAgentHealthStore(c: MongoConnection): AgentHealthStore {
  return {
    async get(agentId) {
      const doc = await c.models.AgentHealth.findById(agentId).lean();
      return doc ? toHealth(doc as AgentHealthDoc) : null;
    },
    async list() {
      const docs = await c.models.AgentHealth.find().sort({ _id: 1 }).lean();
      return (docs as AgentHealthDoc[]).map(toHealth);
    },
    async set(agentId, patch, at) {
      const $set: Record<string, unknown> = { updatedAt: at };
      for (const k of ['silenceMinutes', 'silentSince', 'incidentId'] as const) if (patch[k] !== undefined) $set[k] = patch[k];
      const doc = await c.models.AgentHealth.findOneAndUpdate(
        { _id: agentId },
        { $set, $setOnInsert: Object.fromEntries((['silenceMinutes', 'silentSince', 'incidentId'] as const).filter((k) => patch[k] === undefined).map((k) => [k, null])) },
        { upsert: true, new: true },
      ).lean();
      return toHealth(doc as AgentHealthDoc);
    },
  };
}
