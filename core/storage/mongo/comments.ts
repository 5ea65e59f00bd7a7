import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { NotFoundError } from '../../errors/app-error.js';
import type { IncidentComment } from '../../domain/types.js';
import { toIso } from '../shared/time.js';
import type { CommentStore } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import { docToComment } from './mappers.js';

/** Incident comments, oldest first. */
export function createMongoCommentStore(c: MongoConnection): CommentStore {
  return {
    async add(input) {
      if (!(await c.models.Incident.exists({ _id: input.incidentId }))) {
        throw new NotFoundError(`incident ${input.incidentId}`);
      }
      const comment: IncidentComment = {
        id: randomUUID(),
        incidentId: input.incidentId,
        author: input.author,
        body: input.body,
        at: toIso(input.at, 'at'),
      };
      const { id, ...rest } = comment;
      await c.models.Comment.create({ _id: id, ...rest, seq: new Types.ObjectId().toHexString(), mergedFrom: null });
      return comment;
    },
    async list(incidentId) {
      const docs = await c.models.Comment.find({ incidentId }).sort({ at: 1, seq: 1 }).lean();
      return docs.map(docToComment);
    },
  };
}
