/**
 * Pure builders for every MongoDB query, update and pipeline the incident store sends. No mongoose, no driver:
 * plain objects in the standard query language, so they can be checked in memory (test/integration/
 * storage.mongo-mingo.test.ts evaluates them with mingo against the SQLite adapter's answers).
 *
 * Documents look like the domain Incident with `_id` for `id` plus `severityRank` (index into SEVERITIES), which
 * lets an update raise the severity with `$max`. Times are ISO strings (shared/time.ts), so string order is time
 * order here exactly as in SQLite.
 */
import { OPEN_STATUSES, SEVERITIES, type IncidentStatus, type Severity } from '../../domain/types.js';
import {
  dedup,
  INCIDENT_LIST_CAP,
  joinWindowStart,
  severityRank,
} from '../shared/incident-rules.js';
import { clampRuleCountLimit, decodeCursor, normalizeFilter } from '../shared/paging.js';
import { toIso } from '../shared/time.js';
import type {
  IncidentFilter,
  IncidentSummary,
  RecordAlertInput,
  RuleAlertCount,
  RuleAlertCountQuery,
} from '../storage.port.js';

export type MongoFilter = Record<string, unknown>;
export type PipelineStage = Record<string, unknown>;

/** Escapes every regular-expression metacharacter, so `q` is matched as a literal substring. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Newest lastSeen first, ties by id descending: the order `list` pages through. */
export const incidentSortSpec = { lastSeen: -1, _id: -1 } as const;

/**
 * The Mongo filter for an IncidentFilter, optionally restricted to the items after `cursor` (an opaque cursor from
 * a previous page) in incidentSortSpec order. An empty list in status/severity/agencyIds matches nothing.
 */
export function incidentFilterToQuery(filter: IncidentFilter, cursor?: string | null): MongoFilter {
  const f = normalizeFilter(filter);
  const and: MongoFilter[] = [];
  if (f.status !== undefined) and.push({ status: { $in: f.status } });
  if (f.severity !== undefined) and.push({ severity: { $in: f.severity } });
  if (f.agencyIds !== undefined) and.push({ agencyId: { $in: f.agencyIds } });
  if (f.from !== undefined || f.to !== undefined) {
    const range: Record<string, string> = {};
    if (f.from !== undefined) range.$gte = f.from;
    if (f.to !== undefined) range.$lte = f.to;
    and.push({ lastSeen: range });
  }
  if (f.q !== undefined) {
    const re = { $regex: escapeRegex(f.q), $options: 'i' };
    and.push({
      $or: [
        { title: re },
        { host: re },
        { ruleId: re },
        { 'entities.hosts': re },
        { 'entities.users': re },
        { 'entities.ips': re },
      ],
    });
  }
  if (f.categories !== undefined) and.push({ category: { $in: f.categories } });
  // `$in` with null matches a null (or missing) assignee: unassigned.
  if (f.assignees !== undefined) and.push({ assignee: { $in: f.assignees } });
  if (f.host !== undefined) {
    and.push({ $expr: { $or: [sameIgnoringCase('$host', f.host), inListIgnoringCase('$entities.hosts', f.host)] } });
  }
  if (f.user !== undefined) and.push({ $expr: inListIgnoringCase('$entities.users', f.user) });
  if (f.ip !== undefined) and.push({ 'entities.ips': f.ip });
  if (cursor) {
    const c = decodeCursor(cursor);
    and.push({ $or: [{ lastSeen: { $lt: c.lastSeen } }, { lastSeen: c.lastSeen, _id: { $lt: c.id } }] });
  }
  if (and.length === 0) return {};
  if (and.length === 1) return and[0]!;
  return { $and: and };
}

/*
 * Pivots compare ignoring case with $toLower on both sides, in the server: Mongo defines $toLower for ASCII letters,
 * which is what SQLite's NOCASE folds. (An anchored /i regex would fold more of Unicode, and its `$` also matches
 * before a final newline.) The value is wrapped in $literal, so "$host" stays a string. $expr uses no index: the
 * pivots narrow what the other fields (agency, status, time) select.
 */
const lowered = (value: string) => ({ $toLower: { $literal: value } });

function sameIgnoringCase(path: string, value: string) {
  return { $eq: [{ $toLower: { $ifNull: [path, ''] } }, lowered(value)] };
}

function inListIgnoringCase(path: string, value: string) {
  return { $in: [lowered(value), { $map: { input: { $ifNull: [path, []] }, as: 'v', in: { $toLower: '$$v' } } }] };
}

/** Counts per severity, status and agency in one pass: $match, then a $facet of $group stages. */
export function incidentSummaryPipeline(filter: IncidentFilter): PipelineStage[] {
  const countBy = (field: string | null) => [{ $group: { _id: field, n: { $sum: 1 } } }];
  return [
    { $match: incidentFilterToQuery(filter) },
    {
      $facet: {
        total: countBy(null),
        bySeverity: countBy('$severity'),
        byStatus: countBy('$status'),
        byAgency: countBy('$agencyId'),
      },
    },
  ];
}

interface FacetBucket {
  _id: unknown;
  n: number;
}

/** The output of incidentSummaryPipeline (an array of one document) as an IncidentSummary. */
export function summaryFromFacet(output: readonly unknown[]): IncidentSummary {
  const doc = (output[0] ?? {}) as Partial<Record<'total' | 'bySeverity' | 'byStatus' | 'byAgency', FacetBucket[]>>;
  const fold = <K extends string>(buckets: FacetBucket[] | undefined) => {
    const out: Partial<Record<K, number>> = {};
    for (const b of buckets ?? []) out[String(b._id) as K] = b.n;
    return out;
  };
  return {
    total: doc.total?.[0]?.n ?? 0,
    bySeverity: fold<Severity>(doc.bySeverity),
    byStatus: fold<IncidentStatus>(doc.byStatus),
    byAgency: fold<string>(doc.byAgency) as Record<string, number>,
  };
}

/**
 * The open incident an alert joins: same groupKey and agency, an open status, lastSeen no earlier than
 * firstEventAt - suppressionMs. Take the first in incidentSortSpec order. Served by {groupKey, status, lastSeen}.
 */
export function incidentJoinFilter(
  input: Pick<RecordAlertInput, 'groupKey' | 'agencyId' | 'firstEventAt' | 'suppressionMs'>,
): MongoFilter {
  return {
    groupKey: input.groupKey,
    agencyId: input.agencyId,
    status: { $in: [...OPEN_STATUSES] },
    lastSeen: { $gte: joinWindowStart(input) },
  };
}

/**
 * The update pipeline that joins a (normalised) alert to an incident document in one atomic write: counts added,
 * first/last seen widened, entities/rule ids/techniques merged in order without duplicates and cut at
 * INCIDENT_LIST_CAP ($addToSet could not cap), severity raised through severityRank. Every value from the alert is
 * wrapped in $literal, so a host named "$foo" stays a string and never reads as a field path.
 */
export function incidentJoinUpdate(input: RecordAlertInput): PipelineStage[] {
  const lit = (v: unknown) => ({ $literal: v });
  const union = (path: string, items: readonly string[]) => {
    const existing = { $ifNull: [path, []] };
    return {
      $slice: [
        {
          $concatArrays: [
            existing,
            { $filter: { input: lit(dedup(items)), as: 'v', cond: { $not: [{ $in: ['$$v', existing] }] } } },
          ],
        },
        INCIDENT_LIST_CAP,
      ],
    };
  };
  const first = input.firstEventAt <= input.lastEventAt ? input.firstEventAt : input.lastEventAt;
  const last = input.firstEventAt <= input.lastEventAt ? input.lastEventAt : input.firstEventAt;
  return [
    {
      $set: {
        eventCount: { $add: ['$eventCount', lit(input.eventCount)] },
        alertCount: { $add: ['$alertCount', 1] },
        firstSeen: { $min: ['$firstSeen', lit(first)] },
        lastSeen: { $max: ['$lastSeen', lit(last)] },
        severityRank: { $max: ['$severityRank', lit(severityRank(input.level))] },
        // Every kind is listed, optional ones too ([] reads as absent), so the outcome does not depend on whether
        // a sub-document given here is merged into the existing one or replaces it (mingo replaces it).
        entities: {
          hosts: union('$entities.hosts', input.entities.hosts),
          users: union('$entities.users', input.entities.users),
          ips: union('$entities.ips', input.entities.ips),
          hashes: union('$entities.hashes', input.entities.hashes ?? []),
          domains: union('$entities.domains', input.entities.domains ?? []),
        },
        ruleIds: union('$ruleIds', [input.ruleId]),
        techniques: union('$techniques', input.techniques),
        updatedAt: lit(input.now),
      },
    },
    { $set: { severity: { $arrayElemAt: [lit([...SEVERITIES]), '$severityRank'] } } },
  ];
}

/**
 * Alerts per rule since a time, most first (ties by ruleId), on the alerts collection. Served by {createdAt, agencyId}.
 * Alerts still being applied (incidentId null, see incidents.ts) are left out.
 */
export function alertCountsByRulePipeline(query: RuleAlertCountQuery): PipelineStage[] {
  const match: MongoFilter = { createdAt: { $gte: toIso(query.since, 'since') }, incidentId: { $ne: null } };
  if (query.agencyIds !== undefined) match.agencyId = { $in: [...query.agencyIds] };
  return [
    { $match: match },
    { $group: { _id: '$ruleId', count: { $sum: 1 } } },
    { $sort: { count: -1, _id: 1 } },
    { $limit: clampRuleCountLimit(query.limit) },
  ];
}

export function ruleCountsFromGroups(output: readonly unknown[]): RuleAlertCount[] {
  return (output as { _id: unknown; count: number }[]).map((g) => ({ ruleId: String(g._id), count: g.count }));
}
