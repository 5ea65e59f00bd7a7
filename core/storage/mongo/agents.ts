import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../errors/app-error.js';
import type { Agent } from '../../domain/types.js';
import { nowIso, toIso } from '../shared/time.js';
import type { AgentStore } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import { conflictOnDuplicate } from './errors.js';
import { docToAgent } from './mappers.js';

/** Agents, listed by name then id. Creating one for an unknown agency is a NotFoundError (as in SQLite). */
export function createMongoAgentStore(c: MongoConnection): AgentStore {
  const byId = async (id: string) => {
    const doc = await c.models.Agent.findById(id).lean();
    return doc ? docToAgent(doc) : null;
  };
  return {
    async create(input) {
      const { Agency, Agent } = c.models;
      if (!(await Agency.exists({ _id: input.agencyId }))) throw new NotFoundError(`agency ${input.agencyId}`);
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
      const { id, ...rest } = agent;
      await conflictOnDuplicate(
        () => Agent.create({ _id: id, ...rest }),
        `agent key prefix ${input.keyPrefix} already exists`,
      );
      return agent;
    },
    get: byId,
    async findByKeyPrefix(keyPrefix) {
      const doc = await c.models.Agent.findOne({ keyPrefix }).lean();
      return doc ? docToAgent(doc) : null;
    },
    async list(filter) {
      const query = filter?.agencyId !== undefined ? { agencyId: filter.agencyId } : {};
      const docs = await c.models.Agent.find(query).sort({ name: 1, _id: 1 }).lean();
      return docs.map(docToAgent);
    },
    async revoke(id, at) {
      const when = toIso(at, 'at');
      await c.models.Agent.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: when } });
      return byId(id);
    },
    async touch(id, at) {
      const when = toIso(at, 'at');
      await c.models.Agent.updateOne(
        { _id: id, $or: [{ lastSeenAt: null }, { lastSeenAt: { $lt: when } }] },
        { $set: { lastSeenAt: when } },
      );
    },
  };
}
