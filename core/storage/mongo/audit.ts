import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import type { AuditEntry } from '../../domain/types.js';
import { toIso } from '../shared/time.js';
import type { AuditStore } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import { auditFilterToQuery, auditSortSpec } from './incident-lifecycle-queries.js';
import { docToAuditEntry } from './mappers.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const clamp = (limit: number | undefined) =>
  limit === undefined || !Number.isFinite(limit) ? DEFAULT_LIMIT : Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit)));

/** The audit log, append-only, newest first. */
export function createMongoAuditStore(c: MongoConnection): AuditStore {
  return {
    async record(input) {
      const entry: AuditEntry = { id: randomUUID(), ...input, at: toIso(input.at, 'at'), details: input.details ?? {} };
      const { id, ...rest } = entry;
      await c.models.Audit.create({ _id: id, ...rest, seq: new Types.ObjectId().toHexString() });
      return entry;
    },
    async list(filter, page) {
      const docs = await c.models.Audit.find(auditFilterToQuery(filter)).sort(auditSortSpec).limit(clamp(page?.limit)).lean();
      return docs.map(docToAuditEntry);
    },
  };
}
