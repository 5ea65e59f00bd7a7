import { randomUUID } from 'node:crypto';
import type { IncidentComment } from '../../domain/types.js';
import { toIso } from '../shared/time.js';
import type { CommentStore } from '../storage.port.js';
import type { SqliteHandle } from './connection.js';
import { translate } from './errors.js';

interface CommentRow {
  id: string;
  incident_id: string;
  author: string;
  body: string;
  at: string;
  merged_from: string | null;
}

const toComment = (r: CommentRow): IncidentComment => ({
  id: r.id,
  incidentId: r.incident_id,
  author: r.author,
  body: r.body,
  at: r.at,
  ...(r.merged_from ? { mergedFrom: r.merged_from } : {}),
});

/** Incident comments, oldest first. */
export function createSqliteCommentStore(h: SqliteHandle): CommentStore {
  return {
    async add(input) {
      const comment: IncidentComment = {
        id: randomUUID(),
        incidentId: input.incidentId,
        author: input.author,
        body: input.body,
        at: toIso(input.at, 'at'),
      };
      translate(
        () =>
          h
            .stmt('INSERT INTO incident_comments (id, incident_id, author, body, at, merged_from) VALUES (?, ?, ?, ?, ?, NULL)')
            .run(comment.id, comment.incidentId, comment.author, comment.body, comment.at),
        { missing: `incident ${input.incidentId}` },
      );
      return comment;
    },
    async list(incidentId) {
      return (
        h.stmt('SELECT * FROM incident_comments WHERE incident_id = ? ORDER BY at, rowid').all(incidentId) as CommentRow[]
      ).map(toComment);
    },
  };
}
