/**
 * Incidents on MongoDB.
 *
 * Where this is weaker than SQLite: recordAlert is NOT one transaction. Multi-document transactions need a replica
 * set and this adapter does not use them, so recordAlert is a sequence of single-document atomic writes:
 *   1. insert the alert with incidentId null (its _id is the idempotency key: a duplicate key means "seen"),
 *   2. findOneAndUpdate the open incident with the join filter and an update pipeline, or insert a new incident
 *      and its `created` timeline entry,
 *   3. set the alert's incidentId.
 * Consequences: (a) two writers that record alerts of the same group at the same moment can both find no open
 * incident and open two (SQLite serialises them); (b) a crash between 1 and 3 leaves a pending alert: a retry waits
 * briefly for it, then, once its claim is older than STALE_CLAIM_MS, claims it and applies it again, so a crash
 * between 2 and 3 counts that alert twice (at-least-once, where SQLite is exactly-once); (c) readers can see the
 * incident updated before its alert is linked. Each single write (the join itself) is atomic.
 */
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { NotFoundError } from '../../errors/app-error.js';
import type { Incident, TimelineEntry } from '../../domain/types.js';
import {
  alertFromInput,
  createdTimelineEntry,
  newIncidentFromAlert,
  normalizeAlertInput,
} from '../shared/incident-rules.js';
import { clampLimit, encodeCursor } from '../shared/paging.js';
import { toIso } from '../shared/time.js';
import type { IncidentStore, RecordAlertInput, RecordAlertResult } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import {
  alertCountsByRulePipeline,
  incidentFilterToQuery,
  incidentJoinFilter,
  incidentJoinUpdate,
  incidentSortSpec,
  incidentSummaryPipeline,
  ruleCountsFromGroups,
  summaryFromFacet,
} from './incident-queries.js';
import { alertToDoc, docToAlert, docToIncident, docToTimelineEntry, incidentToDoc } from './mappers.js';
import { isDuplicateKey } from './errors.js';
import { createMongoIncidentLifecycle } from './incident-lifecycle.js';

/** A pending alert whose claim is older than this is taken over by the next writer that meets it. */
export const STALE_CLAIM_MS = 60_000;
/** How long a writer that meets a fresh pending alert waits for it to be applied before giving up. */
const PENDING_WAIT_MS = 2_000;

const seq = () => new Types.ObjectId().toHexString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createMongoIncidentStore(c: MongoConnection): IncidentStore {
  const incidentById = async (id: string): Promise<Incident | null> => {
    const doc = await c.models.Incident.findById(id).lean();
    return doc ? docToIncident(doc) : null;
  };

  const insertTimeline = async (entry: Omit<TimelineEntry, 'id'>): Promise<TimelineEntry> => {
    const saved: TimelineEntry = { id: randomUUID(), ...entry };
    const { id, ...rest } = saved;
    await c.models.Timeline.create({ _id: id, ...rest, seq: seq() });
    return saved;
  };

  /** The alert id exists: a duplicate result, or 'claimed' when it was a stale pending alert now ours to apply. */
  const settleExisting = async (alertId: string): Promise<RecordAlertResult | 'claimed'> => {
    const { Alert } = c.models;
    const deadline = Date.now() + PENDING_WAIT_MS;
    for (;;) {
      const doc = await Alert.findById(alertId).lean();
      if (!doc) throw new Error(`alert ${alertId} vanished while being recorded`);
      if (doc.incidentId) {
        const incident = await incidentById(doc.incidentId);
        if (!incident) throw new Error(`alert ${alertId} points at missing incident ${doc.incidentId}`);
        return { incident, alert: docToAlert(doc), created: false, duplicate: true };
      }
      const claimedAt = doc.claimedAt ?? 0;
      if (Date.now() - claimedAt > STALE_CLAIM_MS) {
        const res = await Alert.updateOne(
          { _id: alertId, incidentId: null, claimedAt: doc.claimedAt ?? null },
          { $set: { claimedAt: Date.now() } },
        );
        if (res.modifiedCount === 1) return 'claimed';
      }
      if (Date.now() > deadline) {
        throw new Error(`alert ${alertId} is being recorded by another writer; retry later`);
      }
      await sleep(50);
    }
  };

  const apply = async (input: RecordAlertInput): Promise<RecordAlertResult> => {
    const { Incident, Alert } = c.models;
    const joined = await Incident.findOneAndUpdate(incidentJoinFilter(input), incidentJoinUpdate(input), {
      sort: incidentSortSpec,
      returnDocument: 'after',
      updatePipeline: true,
      lean: true,
    });
    let incident: Incident;
    let created = false;
    if (joined) {
      incident = docToIncident(joined);
    } else {
      incident = newIncidentFromAlert(randomUUID(), input);
      await Incident.create(incidentToDoc(incident));
      await insertTimeline(createdTimelineEntry(incident.id, input));
      created = true;
    }
    await Alert.updateOne({ _id: input.alertId }, { $set: { incidentId: incident.id, claimedAt: null } });
    return { incident, alert: alertFromInput(input, incident.id), created, duplicate: false };
  };

  return {
    async recordAlert(raw) {
      const input = normalizeAlertInput(raw);
      const pending = alertToDoc(alertFromInput(input, ''), { seq: seq(), incidentId: null, claimedAt: Date.now() });
      try {
        await c.models.Alert.create(pending);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const settled = await settleExisting(input.alertId);
        if (settled !== 'claimed') return settled;
      }
      return apply(input);
    },

    get: incidentById,

    async list(filter, page) {
      const { Incident } = c.models;
      const limit = clampLimit(page?.limit);
      const query = incidentFilterToQuery(filter, page?.cursor ?? null);
      const [docs, total] = await Promise.all([
        Incident.find(query).sort(incidentSortSpec).limit(limit + 1).lean(),
        Incident.countDocuments(incidentFilterToQuery(filter)),
      ]);
      const items = docs.slice(0, limit).map(docToIncident);
      const last = items[items.length - 1];
      const nextCursor = docs.length > limit && last ? encodeCursor({ lastSeen: last.lastSeen, id: last.id }) : null;
      return { items, total, nextCursor };
    },

    async summary(filter) {
      const out = await c.models.Incident.aggregate(incidentSummaryPipeline(filter) as never[]);
      return summaryFromFacet(out);
    },

    async alerts(incidentId) {
      const docs = await c.models.Alert.find({ incidentId }).sort({ createdAt: 1, seq: 1 }).lean();
      return docs.map(docToAlert);
    },

    async alertCountsByRule(query) {
      if (query.agencyIds?.length === 0) return [];
      return ruleCountsFromGroups(await c.models.Alert.aggregate(alertCountsByRulePipeline(query) as never[]));
    },

    async timeline(incidentId) {
      const docs = await c.models.Timeline.find({ incidentId }).sort({ at: 1, seq: 1 }).lean();
      return docs.map(docToTimelineEntry);
    },

    async addTimeline(entry) {
      if (!(await c.models.Incident.exists({ _id: entry.incidentId }))) {
        throw new NotFoundError(`incident ${entry.incidentId}`);
      }
      return insertTimeline({
        incidentId: entry.incidentId,
        at: toIso(entry.at, 'at'),
        actor: entry.actor,
        action: entry.action,
        details: entry.details ?? {},
      });
    },

    ...createMongoIncidentLifecycle(c),
  };
}
