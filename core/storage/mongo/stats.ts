/**
 * Statistics roll-ups on MongoDB. The pipelines are stats-queries.ts; the server writes their output with `$merge`
 * (no round trip), stamped with a run id, and then deletes the documents of the recomputed periods that this run did
 * not write. Without multi-document transactions a reader may briefly see a period half-replaced (some cells old,
 * some new, never missing ones, since stale documents are deleted last), and concurrent recomputations could race:
 * a lease in stats_state lets one refresh or rebuild run at a time (a refresh that finds the lease taken does
 * nothing; the next one catches up, since the watermark only moves when a refresh completes a batch).
 */
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { ValidationError } from '../../errors/app-error.js';
import {
  REFRESH_BATCH,
  REFRESH_OVERLAP_MS,
  dayOf,
  isMonth,
  monthOf,
  uniqueSorted,
  yearOf,
  type StatsGrain,
} from '../shared/stats-rules.js';
import { nowIso, toIso } from '../shared/time.js';
import type { StatsRollupResult, StatsScope, StatsState, StatsStore } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import { isDuplicateKey } from './errors.js';
import { incidentToDoc } from './mappers.js';
import {
  STATS_CUBES,
  STATS_CUBE_NAMES,
  breakdownFromFacet,
  breakdownPipeline,
  changedIncidentsQuery,
  changedIncidentsSort,
  dailyPipeline,
  membersPipeline,
  resolveTimesPipeline,
  rollupPipeline,
  techniquesPipeline,
  yearsPipeline,
  MEMBERS_COLLECTION,
  type PipelineStage,
  type StatsCubeName,
} from './stats-queries.js';

const STATE_ID = 'rollup';
const LEASE_ID = 'lease';
const REFRESH_LEASE_MS = 5 * 60_000;
const REBUILD_LEASE_MS = 60 * 60_000;
const REBUILD_WAIT_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function checkScope(scope: StatsScope): void {
  if (!isMonth(scope.fromMonth) || !isMonth(scope.toMonth)) {
    throw new ValidationError(`months must be YYYY-MM: ${JSON.stringify([scope.fromMonth, scope.toMonth])}`);
  }
}

export function createMongoStatsStore(c: MongoConnection): StatsStore {
  const cubeModel = (name: StatsCubeName) => {
    const m = c.models;
    return name === 'counts' ? m.StatsCount : name === 'techniques' ? m.StatsTechnique : m.StatsResolve;
  };

  const readState = async (): Promise<StatsState> => {
    const doc = await c.models.StatsState.findById(STATE_ID).lean();
    return { watermark: doc?.watermark ?? null, refreshedAt: doc?.refreshedAt ?? null, rebuiltAt: doc?.rebuiltAt ?? null };
  };

  const writeState = async (set: Partial<StatsState>, watermark: string | null) => {
    const update: Record<string, unknown> = { $set: set };
    if (watermark !== null) update.$max = { watermark };
    await c.models.StatsState.updateOne({ _id: STATE_ID }, update, { upsert: true });
  };

  const acquireLease = async (owner: string, ttlMs: number): Promise<boolean> => {
    const now = Date.now();
    try {
      await c.models.StatsState.updateOne(
        { _id: LEASE_ID, $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }, { leaseOwner: owner }] },
        { $set: { leaseUntil: now + ttlMs, leaseOwner: owner } },
        { upsert: true },
      );
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false; // held by someone else: the upsert collided with their document
      throw err;
    }
  };
  const releaseLease = (owner: string) =>
    c.models.StatsState.updateOne({ _id: LEASE_ID, leaseOwner: owner }, { $set: { leaseUntil: null, leaseOwner: null } });

  /** Runs `pipeline` on `source` and merges its output into the cube's collection, stamped with `run`. */
  const mergeInto = async (source: 'incidents' | StatsCubeName, name: StatsCubeName, pipeline: PipelineStage[], run: string) => {
    const model = source === 'incidents' ? c.models.Incident : cubeModel(source);
    const stages = [
      ...pipeline,
      { $set: { run } },
      { $merge: { into: STATS_CUBES[name].collection, on: '_id', whenMatched: 'replace', whenNotMatched: 'insert' } },
    ];
    await model.aggregate(stages as never[]);
  };

  const deleteStale = async (name: StatsCubeName, grain: StatsGrain, periods: readonly string[] | null, run: string) => {
    const filter: Record<string, unknown> = { grain, run: { $ne: run } };
    if (periods !== null) filter.period = { $in: [...periods] };
    await cubeModel(name).deleteMany(filter as never);
  };

  /** Days from incidents, then their months from days, then their years from months (null: everything). */
  const recompute = async (days: readonly string[] | null) => {
    const run = new Types.ObjectId().toHexString();
    const months = days === null ? null : uniqueSorted(days.map(monthOf));
    const years = months === null ? null : uniqueSorted(months.map(yearOf));
    for (const name of STATS_CUBE_NAMES) {
      await mergeInto('incidents', name, dailyPipeline(name, days), run);
      await deleteStale(name, 'd', days, run);
      await mergeInto(name, name, rollupPipeline(name, 'm', months), run);
      await deleteStale(name, 'm', months, run);
      await mergeInto(name, name, rollupPipeline(name, 'y', years), run);
      await deleteStale(name, 'y', years, run);
    }
  };

  const rebuildLocked = async (now: string): Promise<StatsRollupResult> => {
    const last = await c.models.Incident.findOne({}, { updatedAt: 1 }).sort({ updatedAt: -1 }).lean();
    const incidents = await c.models.Incident.estimatedDocumentCount();
    await recompute(null);
    await c.models.StatsMember.deleteMany({});
    await c.models.Incident.aggregate([
      ...membersPipeline(),
      { $merge: { into: MEMBERS_COLLECTION, on: '_id', whenMatched: 'replace', whenNotMatched: 'insert' } },
    ] as never[]);
    await writeState({ rebuiltAt: now, refreshedAt: now }, last?.updatedAt ?? null);
    const days = (await c.models.StatsCount.distinct('period', { grain: 'd' })).length;
    return { days, incidents, watermark: (await readState()).watermark };
  };

  const rebuild = async (opts?: { now?: string }): Promise<StatsRollupResult> => {
    const now = opts?.now ? toIso(opts.now, 'now') : nowIso();
    const owner = randomUUID();
    const deadline = Date.now() + REBUILD_WAIT_MS;
    while (!(await acquireLease(owner, REBUILD_LEASE_MS))) {
      if (Date.now() > deadline) throw new Error('statistics roll-ups are being recomputed elsewhere; try again later');
      await sleep(500);
    }
    try {
      return await rebuildLocked(now);
    } finally {
      await releaseLease(owner);
    }
  };

  return {
    async refresh(opts) {
      const now = opts?.now ? toIso(opts.now, 'now') : nowIso();
      const state = await readState();
      if (state.watermark === null) return rebuild({ now });
      const owner = randomUUID();
      if (!(await acquireLease(owner, REFRESH_LEASE_MS))) return { days: 0, incidents: 0, watermark: state.watermark };
      try {
        let key = { at: new Date(Date.parse(state.watermark) - REFRESH_OVERLAP_MS).toISOString(), id: '' };
        const touched = new Set<string>();
        let incidents = 0;
        for (;;) {
          const rows = await c.models.Incident.find(changedIncidentsQuery(key), { firstSeen: 1, updatedAt: 1 })
            .sort(changedIncidentsSort)
            .limit(REFRESH_BATCH)
            .lean();
          if (rows.length === 0) break;
          const ids = rows.map((r) => String(r._id));
          const before = await c.models.StatsMember.find({ _id: { $in: ids } }).lean();
          const days = uniqueSorted([...rows.map((r) => dayOf(r.firstSeen)), ...before.map((m) => m.day)]);
          await recompute(days);
          await c.models.StatsMember.bulkWrite(
            rows.map((r) => ({
              updateOne: { filter: { _id: String(r._id) }, update: { $set: { day: dayOf(r.firstSeen) } }, upsert: true },
            })),
            { ordered: false },
          );
          const last = rows[rows.length - 1]!;
          await writeState({ refreshedAt: now }, last.updatedAt);
          incidents += rows.length;
          for (const d of days) touched.add(d);
          if (rows.length < REFRESH_BATCH) break;
          key = { at: last.updatedAt, id: String(last._id) };
        }
        await writeState({ refreshedAt: now }, null);
        return { days: touched.size, incidents, watermark: (await readState()).watermark };
      } finally {
        await releaseLease(owner);
      }
    },

    rebuild,

    async breakdown(range) {
      checkScope(range);
      return breakdownFromFacet(await c.models.StatsCount.aggregate(breakdownPipeline(range) as never[]));
    },

    async techniques(scope) {
      checkScope(scope);
      if (scope.limit < 1) return [];
      const out = await c.models.StatsTechnique.aggregate<{ _id: string; incidents: number }>(techniquesPipeline(scope) as never[]);
      return out.map((r) => ({ technique: r._id, incidents: r.incidents }));
    },

    async resolveTimes(scope) {
      checkScope(scope);
      const out = await c.models.StatsResolve.aggregate<{ _id: number; incidents: number }>(resolveTimesPipeline(scope) as never[]);
      return out.map((r) => ({ bucket: r._id, incidents: r.incidents }));
    },

    async years(scope) {
      const out = await c.models.StatsCount.aggregate<{ _id: string }>(yearsPipeline(scope) as never[]);
      return out.map((r) => Number(r._id));
    },

    state: readState,

    async importIncidents(records) {
      if (records.length === 0) return { inserted: 0, skipped: 0 };
      const ids = records.map((r) => r.incident.id);
      const existing = new Set(
        (await c.models.Incident.find({ _id: { $in: ids } }, { _id: 1 }).lean()).map((d) => String(d._id)),
      );
      const fresh = records.filter((r) => !existing.has(r.incident.id));
      const norm = (v: string, f: string) => toIso(v, f);
      const docs = fresh.map(({ incident: i }) =>
        incidentToDoc({
          ...i,
          firstSeen: norm(i.firstSeen, 'firstSeen'),
          lastSeen: norm(i.lastSeen, 'lastSeen'),
          createdAt: norm(i.createdAt, 'createdAt'),
          updatedAt: norm(i.updatedAt, 'updatedAt'),
        }),
      );
      let inserted = docs.length;
      let failed = new Set<number>();
      try {
        if (docs.length) await c.models.Incident.collection.insertMany(docs as never[], { ordered: false });
      } catch (err) {
        // Another writer inserted some of the same ids in between: those are skipped too.
        const e = err as { writeErrors?: { index?: number; code?: number; err?: { index?: number; code?: number } }[] };
        const writeErrors = Array.isArray(e.writeErrors) ? e.writeErrors : null;
        if (!writeErrors || !writeErrors.every((w) => (w.code ?? w.err?.code) === 11000)) throw err;
        failed = new Set(writeErrors.map((w) => Number(w.index ?? w.err?.index)));
        inserted -= failed.size;
      }
      const timeline = fresh.flatMap(({ incident, timeline: entries }, idx) =>
        failed.has(idx)
          ? []
          : (entries ?? []).map((e) => ({
              _id: randomUUID(),
              incidentId: incident.id,
              at: norm(e.at, 'at'),
              seq: new Types.ObjectId().toHexString(),
              actor: e.actor,
              action: e.action,
              details: e.details ?? {},
            })),
      );
      if (timeline.length) await c.models.Timeline.collection.insertMany(timeline as never[], { ordered: false });
      return { inserted, skipped: records.length - inserted };
    },
  };
}
