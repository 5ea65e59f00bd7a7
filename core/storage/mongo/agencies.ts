import { randomUUID } from 'node:crypto';
import type { Agency } from '../../domain/types.js';
import { nowIso } from '../shared/time.js';
import type { AgencyStore } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import { conflictOnDuplicate } from './errors.js';
import { docToAgency } from './mappers.js';

/** Agencies, listed by code. */
export function createMongoAgencyStore(c: MongoConnection): AgencyStore {
  return {
    async create(input) {
      const agency: Agency = { id: randomUUID(), name: input.name, code: input.code, createdAt: nowIso() };
      await conflictOnDuplicate(
        () => c.models.Agency.create({ _id: agency.id, name: agency.name, code: agency.code, createdAt: agency.createdAt }),
        `agency code ${input.code} already exists`,
      );
      return agency;
    },
    async get(id) {
      const doc = await c.models.Agency.findById(id).lean();
      return doc ? docToAgency(doc) : null;
    },
    async list() {
      const docs = await c.models.Agency.find().sort({ code: 1, _id: 1 }).lean();
      return docs.map(docToAgency);
    },
  };
}
