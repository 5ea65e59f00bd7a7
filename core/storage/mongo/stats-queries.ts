/**
 * Pure builders for every MongoDB query and aggregation pipeline the statistics store sends (mongo/stats.ts). No
 * mongoose, no driver: plain objects in the standard query language, checked in memory by mingo against the SQLite
 * adapter's answers (test/integration/stats.mongo-mingo.test.ts). The rules they implement are in
 * shared/stats-rules.ts; each SQL statement in sqlite/stats.ts has its counterpart here.
 *
 * The recomputation pipelines end with the roll-up documents themselves (`_id`, grain, period, dimensions, n); the
 * adapter appends `$set: { run }` and `$merge` so that the server writes them without a round trip.
 */
import {
  FALSE_POSITIVE_STATUS,
  RESOLVED_STAGES,
  RESOLVE_BUCKET_GROWTH,
  STATUS_CHANGED_ACTION,
  monthDayBounds,
  nextDay,
  wholeYears,
  yearMonthBounds,
  type StatsGrain,
} from '../shared/stats-rules.js';
import type { StatsBreakdown, StatsRange, StatsScope } from '../storage.port.js';

export type MongoFilter = Record<string, unknown>;
export type PipelineStage = Record<string, unknown>;

export interface StatsCube {
  collection: string;
  /** Dimensions besides grain and period; `bucket` is a number, the others strings. */
  dims: readonly string[];
}

export const STATS_CUBES = {
  counts: { collection: 'stats_counts', dims: ['agencyId', 'category', 'severity'] },
  techniques: { collection: 'stats_techniques', dims: ['agencyId', 'technique'] },
  resolve: { collection: 'stats_resolve', dims: ['agencyId', 'bucket'] },
} as const satisfies Record<string, StatsCube>;
export type StatsCubeName = keyof typeof STATS_CUBES;
export const STATS_CUBE_NAMES = Object.keys(STATS_CUBES) as StatsCubeName[];

export const TIMELINE_COLLECTION = 'incident_timeline';
export const MEMBERS_COLLECTION = 'stats_members';

/** Incidents that count: not a false positive, not merged into another (null matches a missing field too). */
export const countedMatch: MongoFilter = { status: { $ne: FALSE_POSITIVE_STATUS }, mergedInto: null };

/** Incidents whose firstSeen falls on one of `days` (`YYYY-MM-DD`); null for every incident. */
export function daysMatch(days: readonly string[] | null): MongoFilter {
  if (days === null) return {};
  if (days.length === 0) return { _id: { $in: [] } };
  return { $or: days.map((d) => ({ firstSeen: { $gte: d, $lt: nextDay(d) } })) };
}

/** `grain|period|dim…`: the deterministic id of a roll-up document, from a `$group` _id. */
function statsDocId(grain: StatsGrain, cube: StatsCube): Record<string, unknown> {
  const parts: unknown[] = [grain, '|', '$_id.period'];
  for (const d of cube.dims) parts.push('|', d === 'bucket' ? { $toString: '$_id.bucket' } : `$_id.${d}`);
  return { $concat: parts };
}

/** The roll-up document of a `$group` whose _id holds period and the cube's dimensions. */
function toStatsDoc(grain: StatsGrain, cube: StatsCube): PipelineStage {
  const project: Record<string, unknown> = { _id: statsDocId(grain, cube), grain: { $literal: grain }, period: '$_id.period' };
  for (const d of cube.dims) project[d] = `$_id.${d}`;
  project.n = 1;
  return { $project: project };
}

const firstSeenDay = { $substrBytes: ['$firstSeen', 0, 10] };

/**
 * Day (`d`) roll-up documents of one cube, recomputed from the incidents of `days` (null: all incidents). Runs on the
 * incidents collection; the resolve cube looks up the timeline collection.
 */
export function dailyPipeline(name: StatsCubeName, days: readonly string[] | null): PipelineStage[] {
  const cube = STATS_CUBES[name];
  const match = { $match: { $and: [daysMatch(days), countedMatch] } };
  switch (name) {
    case 'counts':
      return [
        match,
        {
          $group: {
            _id: { period: firstSeenDay, agencyId: '$agencyId', category: '$category', severity: '$severity' },
            n: { $sum: 1 },
          },
        },
        toStatsDoc('d', cube),
      ];
    case 'techniques':
      return [
        match,
        { $unwind: '$techniques' },
        { $group: { _id: { period: firstSeenDay, agencyId: '$agencyId', technique: '$techniques' }, n: { $sum: 1 } } },
        toStatsDoc('d', cube),
      ];
    case 'resolve': {
      const resolvedEntries = {
        $filter: {
          input: '$tl',
          as: 't',
          cond: {
            $and: [
              { $eq: ['$$t.action', STATUS_CHANGED_ACTION] },
              { $in: [{ $ifNull: ['$$t.details.toStage', '$$t.details.to'] }, [...RESOLVED_STAGES]] },
            ],
          },
        },
      };
      return [
        match,
        { $match: { status: { $in: [...RESOLVED_STAGES] } } },
        { $lookup: { from: TIMELINE_COLLECTION, localField: '_id', foreignField: 'incidentId', as: 'tl' } },
        { $project: { firstSeen: 1, agencyId: 1, createdAt: 1, done: { $min: { $map: { input: resolvedEntries, as: 't', in: '$$t.at' } } } } },
        { $match: { done: { $ne: null } } },
        { $set: { ms: { $max: [0, { $subtract: [{ $toDate: '$done' }, { $toDate: '$createdAt' }] }] } } },
        {
          $group: {
            _id: {
              period: firstSeenDay,
              agencyId: '$agencyId',
              // shared/stats-rules.ts resolveBucket, operation for operation.
              bucket: { $floor: { $divide: [{ $ln: { $add: [1, { $divide: ['$ms', 60000] }] } }, { $ln: RESOLVE_BUCKET_GROWTH }] } },
            },
            n: { $sum: 1 },
          },
        },
        toStatsDoc('d', cube),
      ];
    }
  }
}

/**
 * Month (`m`, from days) or year (`y`, from months) roll-up documents of one cube for `periods` (months or years;
 * null: all). Runs on the cube's own collection.
 */
export function rollupPipeline(name: StatsCubeName, to: 'm' | 'y', periods: readonly string[] | null): PipelineStage[] {
  const cube = STATS_CUBES[name];
  const from: StatsGrain = to === 'm' ? 'd' : 'm';
  const len = to === 'm' ? 7 : 4;
  const match: MongoFilter = { grain: from };
  if (periods !== null) {
    match.$or = periods.map((p) => {
      const [a, b] = to === 'm' ? monthDayBounds(p) : yearMonthBounds(p);
      return { period: { $gte: a, $lte: b } };
    });
    if (periods.length === 0) match.$or = [{ _id: { $in: [] } }];
  }
  const id: Record<string, unknown> = { period: { $substrBytes: ['$period', 0, len] } };
  for (const d of cube.dims) id[d] = `$${d}`;
  return [{ $match: match }, { $group: { _id: id, n: { $sum: '$n' } } }, toStatsDoc(to, cube)];
}

/** Incidents changed at or after (at, id) in (updatedAt, _id) order: what a refresh batch reads. */
export function changedIncidentsQuery(key: { at: string; id: string }): MongoFilter {
  return { $or: [{ updatedAt: { $gt: key.at } }, { updatedAt: key.at, _id: { $gt: key.id } }] };
}
export const changedIncidentsSort = { updatedAt: 1, _id: 1 } as const;

/** Every incident's day, as stats_members documents (a rebuild appends `$merge`). */
export function membersPipeline(): PipelineStage[] {
  return [{ $project: { _id: 1, day: firstSeenDay } }];
}

function statsMatch(grain: StatsGrain, from: string, to: string, f: Partial<StatsRange>): MongoFilter {
  const and: MongoFilter[] = [{ grain }, { period: { $gte: from, $lte: to } }];
  if (f.agencyIds !== undefined) and.push({ agencyId: { $in: [...f.agencyIds] } });
  if (f.categories !== undefined) and.push({ category: { $in: [...f.categories] } });
  if (f.severities !== undefined) and.push({ severity: { $in: [...f.severities] } });
  return { $and: and };
}

/** Facets read the year grain when the range is whole years, else the month grain (as sqlite/stats.ts). */
function facetBounds(scope: StatsScope): { grain: StatsGrain; from: string; to: string } {
  const years = wholeYears(scope.fromMonth, scope.toMonth);
  return years ? { grain: 'y', from: years[0], to: years[1] } : { grain: 'm', from: scope.fromMonth, to: scope.toMonth };
}

/** One pass over stats_counts: per month (month grain) and per severity, category and agency (coarsest grain). */
export function breakdownPipeline(range: StatsRange): PipelineStage[] {
  const f = facetBounds(range);
  const sum = (field: string) => [{ $match: { grain: f.grain } }, { $group: { _id: field, n: { $sum: '$n' } } }];
  return [
    { $match: { $or: [statsMatch('m', range.fromMonth, range.toMonth, range), statsMatch(f.grain, f.from, f.to, range)] } },
    {
      $facet: {
        byMonth: [{ $match: { grain: 'm' } }, { $group: { _id: '$period', n: { $sum: '$n' } } }],
        bySeverity: sum('$severity'),
        byCategory: sum('$category'),
        byAgency: sum('$agencyId'),
      },
    },
  ];
}

interface Bucket {
  _id: unknown;
  n: number;
}

/** The output of breakdownPipeline (an array of one document) as a StatsBreakdown. */
export function breakdownFromFacet(output: readonly unknown[]): StatsBreakdown {
  const doc = (output[0] ?? {}) as Partial<Record<'byMonth' | 'bySeverity' | 'byCategory' | 'byAgency', Bucket[]>>;
  const fold = (buckets: Bucket[] | undefined) => {
    const out: Record<string, number> = {};
    for (const b of [...(buckets ?? [])].sort((x, y) => String(x._id).localeCompare(String(y._id)))) {
      if (b.n) out[String(b._id)] = b.n;
    }
    return out;
  };
  const byMonth = fold(doc.byMonth);
  return {
    total: Object.values(byMonth).reduce((a, b) => a + b, 0),
    byMonth,
    bySeverity: fold(doc.bySeverity),
    byCategory: fold(doc.byCategory),
    byAgency: fold(doc.byAgency),
  };
}

/** Most frequent techniques first, ties by technique. `limit` must be at least 1. */
export function techniquesPipeline(scope: StatsScope & { limit: number }): PipelineStage[] {
  const f = facetBounds(scope);
  return [
    { $match: statsMatch(f.grain, f.from, f.to, { agencyIds: scope.agencyIds }) },
    { $group: { _id: '$technique', incidents: { $sum: '$n' } } },
    { $sort: { incidents: -1, _id: 1 } },
    { $limit: Math.max(1, Math.floor(scope.limit)) },
  ];
}

export function resolveTimesPipeline(scope: StatsScope): PipelineStage[] {
  const f = facetBounds(scope);
  return [
    { $match: statsMatch(f.grain, f.from, f.to, { agencyIds: scope.agencyIds }) },
    { $group: { _id: '$bucket', incidents: { $sum: '$n' } } },
    { $sort: { _id: 1 } },
  ];
}

export function yearsPipeline(scope?: { agencyIds?: string[] }): PipelineStage[] {
  return [
    { $match: statsMatch('y', '0000', '9999', { agencyIds: scope?.agencyIds }) },
    { $group: { _id: '$period' } },
    { $sort: { _id: 1 } },
  ];
}
