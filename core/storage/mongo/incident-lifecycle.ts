/**
 * The lifecycle half of the Mongo incident store: update, merge, links and the KPI read.
 *
 * update is a compare-and-set on `revision`: read, compute the change (shared/incident-changes.ts), write only the
 * changed fields with a filter that matches while the revision is unchanged, then insert the timeline entries. A
 * lost race is retried (re-read, re-check) a few times, or refused as stale when the caller set expectations.
 *
 * Where this is weaker than SQLite (no multi-document transaction, as in incidents.ts):
 *   - the timeline entries are inserted after the incident write: a crash in between loses them;
 *   - merge is a sequence: close the source (guarded, so only one merge of it can win), move its alerts and
 *     comments, apply the merge pipeline to the target, copy links, write the timeline. A crash part-way leaves a
 *     closed source whose alerts may not all have moved or been counted; an alert joining the source between the
 *     read and the close is counted on the source only.
 */
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/app-error.js';
import type { Incident, TimelineEntry } from '../../domain/types.js';
import {
  applyIncidentPatch,
  assertFresh,
  displayStatus,
  mergeRefusal,
  TIMELINE_ACTIONS,
  type IncidentChange,
} from '../shared/incident-changes.js';
import { toIso } from '../shared/time.js';
import type { IncidentStore } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import { isDuplicateKey } from './errors.js';
import {
  incidentCloseMergedWrite,
  incidentMergeUpdate,
  incidentPatchUpdate,
  incidentRevisionFilter,
  lifecycleIncidentQuery,
  lifecycleProjection,
  lifecycleSortSpec,
  lifecycleTimelineQuery,
  linkDoc,
  linksOfQuery,
  timelineSortSpec,
} from './incident-lifecycle-queries.js';
import { docToIncident, docToTimelineEntry } from './mappers.js';
import type { IncidentDoc } from './models.js';

/** How often update retries after losing a compare-and-set race before answering stale. */
const MAX_ATTEMPTS = 5;
/** Ids per timeline query when reading lifecycles. */
const ID_CHUNK = 1000;

const seq = () => new Types.ObjectId().toHexString();

export type MongoIncidentLifecycle = Pick<IncidentStore, 'update' | 'merge' | 'link' | 'unlink' | 'links' | 'lifecycles'>;

export function createMongoIncidentLifecycle(c: MongoConnection): MongoIncidentLifecycle {
  const mustGet = async (id: string): Promise<Incident> => {
    const doc = await c.models.Incident.findById(id).lean();
    if (!doc) throw new NotFoundError(`incident ${id}`);
    return docToIncident(doc);
  };

  const writeEntries = async (items: { incidentId: string; change: IncidentChange }[], actor: string, at: string) => {
    const entries: TimelineEntry[] = items.map(({ incidentId, change }) => ({
      id: randomUUID(),
      incidentId,
      at,
      actor,
      action: change.action,
      details: change.details,
    }));
    if (entries.length) {
      // seq is generated in order, so entries sharing `at` keep this order.
      await c.models.Timeline.insertMany(
        entries.map(({ id, ...rest }) => ({ _id: id, ...rest, seq: seq() })),
        { ordered: true },
      );
    }
    return entries;
  };

  const linksOf = async (id: string) => {
    const docs = await c.models.Link.find(linksOfQuery(id)).lean();
    return docs.map((d) => (d.a === id ? d.b : d.a)).sort();
  };

  const changeLink = async (aId: string, bId: string, ctx: { actor: string; at: string }, add: boolean) => {
    if (aId === bId) throw new ValidationError('an incident cannot be linked to itself');
    const at = toIso(ctx.at, 'at');
    await mustGet(aId);
    await mustGet(bId);
    const doc = linkDoc(aId, bId, ctx.actor, at);
    let changed: boolean;
    if (add) {
      const { _id, ...fields } = doc;
      try {
        const res = await c.models.Link.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true });
        changed = res.upsertedCount > 0;
      } catch (err) {
        // Two upserts of one new link at once: the other one made it.
        if (!isDuplicateKey(err)) throw err;
        changed = false;
      }
    } else {
      changed = (await c.models.Link.deleteOne({ _id: doc._id })).deletedCount > 0;
    }
    if (!changed) return { changed, entries: [] };
    const action = add ? TIMELINE_ACTIONS.linked : TIMELINE_ACTIONS.unlinked;
    const entries = await writeEntries(
      [
        { incidentId: aId, change: { action, details: { other: bId } } },
        { incidentId: bId, change: { action, details: { other: aId } } },
      ],
      ctx.actor,
      at,
    );
    return { changed, entries };
  };

  return {
    async update(id, patch, ctx) {
      const at = toIso(ctx.at, 'at');
      for (let attempt = 1; ; attempt++) {
        const before = await mustGet(id);
        assertFresh(before, ctx);
        const { next, changes } = applyIncidentPatch(before, patch, at);
        if (changes.length === 0) return { incident: before, entries: [] };
        const doc = await c.models.Incident.findOneAndUpdate(
          incidentRevisionFilter(id, before.revision ?? 0, ctx.unmodifiedSince),
          incidentPatchUpdate(before, next),
          { returnDocument: 'after', updatePipeline: true, lean: true },
        );
        if (doc) {
          const entries = await writeEntries(changes.map((change) => ({ incidentId: id, change })), ctx.actor, at);
          return { incident: docToIncident(doc as IncidentDoc), entries };
        }
        if (attempt >= MAX_ATTEMPTS) {
          throw new ConflictError(`incident ${id} is being changed by someone else; try again`, { reason: 'stale' });
        }
      }
    },

    async merge(sourceId, targetId, ctx) {
      if (sourceId === targetId) throw new ValidationError('an incident cannot be merged into itself');
      const at = toIso(ctx.at, 'at');
      const { Incident, Alert, Comment, Link } = c.models;
      const source = await mustGet(sourceId);
      const target = await mustGet(targetId);
      assertFresh(source, ctx);
      const refusal = mergeRefusal(source, target);
      if (refusal) throw new ConflictError(refusal);

      const close = incidentCloseMergedWrite(source, targetId, at);
      const closed = await Incident.findOneAndUpdate(close.filter, close.update, {
        returnDocument: 'after',
        updatePipeline: true,
        lean: true,
      });
      if (!closed) {
        // Someone changed or merged the source since it was read.
        const now = await mustGet(sourceId);
        throw new ConflictError(mergeRefusal(now, target) ?? `incident ${sourceId} was changed by someone else`, {
          reason: 'stale',
          revision: now.revision ?? 0,
          updatedAt: now.updatedAt,
        });
      }
      const movedAlerts = (await Alert.updateMany({ incidentId: sourceId }, { $set: { incidentId: targetId } })).modifiedCount;
      await Comment.updateMany({ incidentId: sourceId, mergedFrom: null }, { $set: { mergedFrom: sourceId } });
      const movedComments = (await Comment.updateMany({ incidentId: sourceId }, { $set: { incidentId: targetId } }))
        .modifiedCount;
      const merged = await Incident.findOneAndUpdate({ _id: targetId }, incidentMergeUpdate(source, at), {
        returnDocument: 'after',
        updatePipeline: true,
        lean: true,
      });
      if (!merged) throw new NotFoundError(`incident ${targetId}`);
      for (const other of await linksOf(sourceId)) {
        if (other === targetId) continue;
        const { _id, ...fields } = linkDoc(targetId, other, ctx.actor, at);
        await Link.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true });
      }
      const entries = await writeEntries(
        [
          {
            incidentId: sourceId,
            change: { action: TIMELINE_ACTIONS.mergedInto, details: { into: targetId, from: displayStatus(source), to: 'closed' } },
          },
          {
            incidentId: targetId,
            change: {
              action: TIMELINE_ACTIONS.mergedFrom,
              details: { source: sourceId, alerts: source.alertCount, events: source.eventCount },
            },
          },
        ],
        ctx.actor,
        at,
      );
      return {
        source: docToIncident(closed as IncidentDoc),
        target: docToIncident(merged as IncidentDoc),
        entries,
        movedAlerts,
        movedComments,
      };
    },

    link: (aId, bId, ctx) => changeLink(aId, bId, ctx, true),
    unlink: (aId, bId, ctx) => changeLink(aId, bId, ctx, false),
    links: linksOf,

    async lifecycles(filter) {
      const docs = await c.models.Incident.find(lifecycleIncidentQuery(filter), lifecycleProjection)
        .sort(lifecycleSortSpec)
        .lean();
      const byIncident = new Map<string, TimelineEntry[]>();
      for (let i = 0; i < docs.length; i += ID_CHUNK) {
        const ids = docs.slice(i, i + ID_CHUNK).map((d) => String(d._id));
        const entries = await c.models.Timeline.find(lifecycleTimelineQuery(ids)).sort(timelineSortSpec).lean();
        for (const e of entries) {
          const list = byIncident.get(e.incidentId) ?? [];
          list.push(docToTimelineEntry(e));
          byIncident.set(e.incidentId, list);
        }
      }
      return docs.map((d) => ({
        incident: { id: String(d._id), agencyId: d.agencyId, severity: d.severity, status: d.status, createdAt: d.createdAt },
        entries: byIncident.get(String(d._id)) ?? [],
      }));
    },
  };
}
