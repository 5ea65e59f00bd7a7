import type { StatusDefinitionStore } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import { conflictOnDuplicate } from './errors.js';
import { docToStatusDefinition } from './mappers.js';

/** Admin-defined incident statuses, by key. */
export function createMongoStatusDefinitionStore(c: MongoConnection): StatusDefinitionStore {
  return {
    async create(def) {
      const { key, ...rest } = def;
      await conflictOnDuplicate(() => c.models.StatusDefinition.create({ _id: key, ...rest }), `status ${key} already exists`);
      return { ...def };
    },
    async get(key) {
      const doc = await c.models.StatusDefinition.findById(key).lean();
      return doc ? docToStatusDefinition(doc) : null;
    },
    async list() {
      const docs = await c.models.StatusDefinition.find().sort({ _id: 1 }).lean();
      return docs.map(docToStatusDefinition);
    },
  };
}
