/**
 * Collections of the statistics roll-ups (see shared/stats-rules.ts). A roll-up document's `_id` is its grain,
 * period and dimensions joined by `|` (stats-queries.ts statsDocId), so recomputing one writes the same ids again;
 * `run` marks the recomputation that wrote it, so what a recomputation did not write can be deleted.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { StatsGrain } from '../shared/stats-rules.js';

export interface StatsCountDoc {
  _id: string;
  grain: StatsGrain;
  period: string;
  agencyId: string;
  category: string;
  severity: string;
  n: number;
  run?: string;
}

export interface StatsTechniqueDoc {
  _id: string;
  grain: StatsGrain;
  period: string;
  agencyId: string;
  technique: string;
  n: number;
  run?: string;
}

export interface StatsResolveDoc {
  _id: string;
  grain: StatsGrain;
  period: string;
  agencyId: string;
  bucket: number;
  n: number;
  run?: string;
}

/** `_id` is the incident id: the day it was last counted on. */
export interface StatsMemberDoc {
  _id: string;
  day: string;
}

/** `_id` 'rollup' holds the watermark and times; `_id` 'lease' the refresh lease. */
export interface StatsStateDoc {
  _id: string;
  watermark?: string | null;
  refreshedAt?: string | null;
  rebuiltAt?: string | null;
  leaseUntil?: number | null;
  leaseOwner?: string | null;
}

const options = { versionKey: false, minimize: false, timestamps: false, strict: true } as const;
const str = { type: String, required: true } as const;
const num = { type: Number, required: true } as const;

function cubeSchema<T>(collection: string, dims: Record<string, unknown>): Schema<T> {
  const schema = new Schema<T>(
    { _id: str, grain: str, period: str, ...dims, n: num, run: { type: String } } as never,
    { ...options, collection },
  );
  schema.index({ grain: 1, period: 1, agencyId: 1 } as never);
  return schema;
}

const countSchema = cubeSchema<StatsCountDoc>('stats_counts', { agencyId: str, category: str, severity: str });
const techniqueSchema = cubeSchema<StatsTechniqueDoc>('stats_techniques', { agencyId: str, technique: str });
const resolveSchema = cubeSchema<StatsResolveDoc>('stats_resolve', { agencyId: str, bucket: num });
const memberSchema = new Schema<StatsMemberDoc>({ _id: str, day: str }, { ...options, collection: 'stats_members' });
const stateSchema = new Schema<StatsStateDoc>(
  {
    _id: str,
    watermark: { type: String, default: null },
    refreshedAt: { type: String, default: null },
    rebuiltAt: { type: String, default: null },
    leaseUntil: { type: Number, default: null },
    leaseOwner: { type: String, default: null },
  },
  { ...options, collection: 'stats_state' },
);

export interface StatsModels {
  StatsCount: Model<StatsCountDoc>;
  StatsTechnique: Model<StatsTechniqueDoc>;
  StatsResolve: Model<StatsResolveDoc>;
  StatsMember: Model<StatsMemberDoc>;
  StatsState: Model<StatsStateDoc>;
}

export function registerStatsModels(conn: Connection): StatsModels {
  return {
    StatsCount: conn.model<StatsCountDoc>('StatsCount', countSchema),
    StatsTechnique: conn.model<StatsTechniqueDoc>('StatsTechnique', techniqueSchema),
    StatsResolve: conn.model<StatsResolveDoc>('StatsResolve', resolveSchema),
    StatsMember: conn.model<StatsMemberDoc>('StatsMember', memberSchema),
    StatsState: conn.model<StatsStateDoc>('StatsState', stateSchema),
  };
}
