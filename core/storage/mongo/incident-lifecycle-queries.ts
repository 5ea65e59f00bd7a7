/**
 * Pure builders for the lifecycle writes and reads of the Mongo adapter (mongo/incident-lifecycle.ts): the
 * compare-and-set filter and update of a patch, the merge update pipeline, link, KPI and audit queries. Plain
 * objects in the standard query language, no mongoose: test/integration/storage.mongo-mingo.test.ts evaluates them
 * with mingo and compares the outcome with what the SQLite adapter (shared/incident-changes.ts) produced.
 *
 * Every value taken from a record or a request is wrapped in $literal inside pipelines, so a host named "$foo"
 * stays a string.
 */
import { SEVERITIES, type Incident } from '../../domain/types.js';
import { INCIDENT_LIST_CAP, severityRank } from '../shared/incident-rules.js';
import { ENTITY_KINDS, LIFECYCLE_ACTIONS, linkPair, revisionOf } from '../shared/incident-changes.js';
import { toIso } from '../shared/time.js';
import type { AuditFilter, LifecycleFilter } from '../storage.port.js';
import type { MongoFilter, PipelineStage } from './incident-queries.js';

const lit = (v: unknown) => ({ $literal: v });
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** `path` (an array field, maybe missing) followed by the items it lacks, in order, cut at INCIDENT_LIST_CAP. */
function unionExpr(path: string, items: readonly string[]) {
  const existing = { $ifNull: [path, []] };
  return {
    $slice: [
      {
        $concatArrays: [
          existing,
          { $filter: { input: lit([...new Set(items)]), as: 'v', cond: { $not: [{ $in: ['$$v', existing] }] } } },
        ],
      },
      INCIDENT_LIST_CAP,
    ],
  };
}

/** Matches the incident only while its revision is still `revision` (documents without one count as 0). */
export function incidentRevisionFilter(id: string, revision: number, unmodifiedSince?: string): MongoFilter {
  const filter: MongoFilter = { _id: id, revision: revision === 0 ? { $in: [0, null] } : revision };
  if (unmodifiedSince !== undefined) filter.updatedAt = { $lte: toIso(unmodifiedSince, 'unmodifiedSince') };
  return filter;
}

/**
 * The update pipeline that turns `before` into `next` (shared/incident-changes.ts applyIncidentPatch) while touching
 * only what the patch changed: fields an alert join may be moving at the same time (counts, seen times, other
 * entity lists) are left to the database. Apply it with incidentRevisionFilter(before.id, revision of before).
 */
export function incidentPatchUpdate(before: Incident, next: Incident): PipelineStage[] {
  const set: Record<string, unknown> = {};
  if (next.status !== before.status || next.customStatus !== before.customStatus) {
    set.status = lit(next.status);
    set.customStatus = lit(next.customStatus ?? null);
  }
  if (next.assignee !== before.assignee) set.assignee = lit(next.assignee);
  if (next.severity !== before.severity) {
    set.severity = lit(next.severity);
    set.severityRank = lit(severityRank(next.severity));
  }
  if (next.category !== before.category) set.category = lit(next.category);
  if (next.type !== before.type) set.type = lit(next.type ?? null);
  if (!sameList(next.techniques, before.techniques)) set.techniques = lit(next.techniques);
  const entities: Record<string, string[]> = {};
  for (const k of ENTITY_KINDS) {
    if (!sameList(next.entities[k] ?? [], before.entities[k] ?? [])) entities[k] = next.entities[k] ?? [];
  }
  if (Object.keys(entities).length) set.entities = { $mergeObjects: ['$entities', lit(entities)] };
  set.revision = lit(revisionOf(next));
  set.updatedAt = { $max: ['$updatedAt', lit(next.updatedAt)] };
  return [{ $set: set }];
}

/**
 * The update pipeline that merges `source` into the target document in one atomic write: counts added, first/last
 * seen widened, severity raised, entity/rule id/technique lists unioned and capped, revision up by one.
 */
export function incidentMergeUpdate(source: Incident, at: string): PipelineStage[] {
  const entities: Record<string, unknown> = {};
  for (const k of ENTITY_KINDS) entities[k] = unionExpr(`$entities.${k}`, source.entities[k] ?? []);
  return [
    {
      $set: {
        alertCount: { $add: ['$alertCount', lit(source.alertCount)] },
        eventCount: { $add: ['$eventCount', lit(source.eventCount)] },
        firstSeen: { $min: ['$firstSeen', lit(source.firstSeen)] },
        lastSeen: { $max: ['$lastSeen', lit(source.lastSeen)] },
        severityRank: { $max: ['$severityRank', lit(severityRank(source.severity))] },
        entities,
        ruleIds: unionExpr('$ruleIds', source.ruleIds),
        techniques: unionExpr('$techniques', source.techniques),
        revision: { $add: [{ $ifNull: ['$revision', 0] }, 1] },
        updatedAt: { $max: ['$updatedAt', lit(at)] },
      },
    },
    { $set: { severity: { $arrayElemAt: [lit([...SEVERITIES]), '$severityRank'] } } },
  ];
}

/**
 * Closes the source of a merge, guarded so that it happens once: the filter matches only while the source is at
 * `source`'s revision, not closed and not merged.
 */
export function incidentCloseMergedWrite(source: Incident, targetId: string, at: string): { filter: MongoFilter; update: PipelineStage[] } {
  return {
    filter: {
      ...incidentRevisionFilter(source.id, revisionOf(source)),
      status: { $ne: 'closed' },
      mergedInto: null,
    },
    update: [
      {
        $set: {
          status: lit('closed'),
          customStatus: lit(null),
          mergedInto: lit(targetId),
          revision: lit(revisionOf(source) + 1),
          updatedAt: { $max: ['$updatedAt', lit(at)] },
        },
      },
    ],
  };
}

/** The link document of a pair: one per pair whichever way round it was made. */
export function linkDoc(aId: string, bId: string, createdBy: string, createdAt: string) {
  const [a, b] = linkPair(aId, bId);
  return { _id: `${a}|${b}`, a, b, createdBy, createdAt };
}

/** The links of one incident, either side. */
export function linksOfQuery(id: string): MongoFilter {
  return { $or: [{ a: id }, { b: id }] };
}

/** Incidents KPIs look at; sort by lifecycleSortSpec. An empty agencyIds matches nothing. */
export function lifecycleIncidentQuery(filter: LifecycleFilter): MongoFilter {
  const and: MongoFilter[] = [];
  if (filter.createdFrom !== undefined || filter.createdTo !== undefined) {
    const range: Record<string, string> = {};
    if (filter.createdFrom !== undefined) range.$gte = toIso(filter.createdFrom, 'createdFrom');
    if (filter.createdTo !== undefined) range.$lte = toIso(filter.createdTo, 'createdTo');
    and.push({ createdAt: range });
  }
  if (filter.agencyIds !== undefined) and.push({ agencyId: { $in: [...filter.agencyIds] } });
  if (and.length === 0) return {};
  return and.length === 1 ? and[0]! : { $and: and };
}

export const lifecycleSortSpec = { createdAt: 1, _id: 1 } as const;
export const lifecycleProjection = { _id: 1, agencyId: 1, severity: 1, status: 1, createdAt: 1 } as const;

/** The lifecycle entries (status changes, assignments) of these incidents; sort by timelineSortSpec. */
export function lifecycleTimelineQuery(incidentIds: readonly string[]): MongoFilter {
  return { incidentId: { $in: [...incidentIds] }, action: { $in: [...LIFECYCLE_ACTIONS] } };
}

export const timelineSortSpec = { at: 1, seq: 1 } as const;

/** The audit log filter; sort by auditSortSpec. */
export function auditFilterToQuery(filter: AuditFilter): MongoFilter {
  const q: MongoFilter = {};
  if (filter.target !== undefined) q.target = filter.target;
  if (filter.targetType !== undefined) q.targetType = filter.targetType;
  if (filter.actor !== undefined) q.actor = filter.actor;
  if (filter.action !== undefined) q.action = filter.action;
  if (filter.from !== undefined || filter.to !== undefined) {
    const range: Record<string, string> = {};
    if (filter.from !== undefined) range.$gte = toIso(filter.from, 'from');
    if (filter.to !== undefined) range.$lte = toIso(filter.to, 'to');
    q.at = range;
  }
  return q;
}

export const auditSortSpec = { at: -1, seq: -1 } as const;
