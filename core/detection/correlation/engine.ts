/**
 * The correlation engine: feeds detection hits into per-group windows kept in Redis and reports the correlations
 * whose condition holds.
 *
 * Semantics
 * - Groups. A hit joins the group given by its agency and the values of the rule's `group-by` fields (aliases
 *   resolved for the rule that matched). Field names are looked up in the event's fields, first as a whole key,
 *   then as a dotted path; the name `host` falls back to the event's host when the fields have no `host`. A hit
 *   missing a group-by value (or, for value_* types, the `field` value; numbers for sum / avg / percentile) is not
 *   counted, as backends drop null group keys.
 * - Event time. Events are placed by their own time, not by arrival. Out-of-order events count as long as they are
 *   within the window; hits are processed per group in (time, id) order.
 * - Conditions with lower bounds only (gt / gte, and temporal types without a condition) are evaluated EAGERLY on a
 *   SLIDING window: the timespan ending at the newest event seen for the group. Events older than that are
 *   ignored. The correlation fires as soon as the condition holds; the window is then reset: the next firing needs
 *   a fresh set of events (all later than the fired window's newest event). So a continuing attack fires once per
 *   N events (or distinct values, or complete sequence), never on every new event.
 * - Conditions with an upper bound (lt / lte / eq / neq, alone or in a range) cannot be decided while events may
 *   still arrive, so they are evaluated once per WINDOW when it CLOSES: windows are timespan-long buckets aligned to
 *   the Unix epoch (UTC). A bucket closes when an event of a later bucket arrives for the group, or when `sweep()`
 *   runs after its end + `closeGraceMs`. Events of a closed bucket are ignored; a window without events never fires.
 * - temporal: all referenced rules (or as many as the condition says) seen within the window; temporal_ordered: in
 *   the order of the `rules` list by event time (events at the same time may count in either order); the value is
 *   the length of the longest in-order prefix of the list.
 * - value_sum / value_avg: over the numeric `field` values of the window's events. value_percentile: with pySigma's
 *   `condition.percentile: P` the P-th percentile (nearest rank) of the numeric values; without it (the spec's
 *   example, a process name seen in under 1% of a computer's processes) the share, in percent, of the window's
 *   events that carry its rarest value.
 * - Idempotence. An event counts once per window (dedupe by event id; for temporal types by rule and event id), and
 *   events at or before a firing's newest event never count again, so the same batch observed twice fires once.
 *   `firingId` is derived from the rule, the agency, the group key and the window start, so recording it as the
 *   alert id makes storage drop a repeat even when Redis state was lost in between.
 * - Chains. A firing is fed, in the same call, as a hit of the correlation's id (time = its last event's time,
 *   fields = its group key, host = the events' common host) to the correlations that reference it.
 * - All state is in Redis and every update of a group is one atomic script, so any worker can take any batch:
 *   two processes fed the same batches in the same order give exactly the firings one process gives.
 *
 * Memory bound (per active correlation rule R, with G = maxGroupsPerRule, C = cap(R) = max(maxEventsPerGroup,
 * the rule's largest count threshold + 1)):
 *   keys    ≤ 2 + 4·G      (group index, open-bucket index, and per group: state hash, events, payloads, values)
 *   entries ≤ C per events zset, C per payload hash, C per distinct-values zset, 8 + rules + 66 per state hash,
 *             G per index
 * A new group beyond G evicts the group whose newest event is oldest (its window is lost). Every key carries a TTL
 * of 2·timespan + closeGraceMs + 60 s, refreshed on each update. value_sum / value_avg count every event of the
 * window: beyond the C most recent, older events are kept as sub-totals of timespan/64-long slices (so the window's
 * start is then exact to timespan/64, and replaying those older events could count them twice); value_percentile
 * sees the C most recent events. With the defaults (G = 5,000, C = 256) the worst case is 5,000 × (3 × 256 + 75),
 * about 4.2 million entries per rule; typical groups hold far fewer (an eager event_count window never holds more
 * than its threshold, and only value_count uses the distinct-values zset).
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isActiveCorrelation, MAX_COUNT_THRESHOLD, silencedRuleIds } from './load.js';
import { CORRELATION_SCRIPT } from './script.js';
import type { CorrelationRule, CorrelationType } from './types.js';

export interface CorrelationHitEvent {
  id: string;
  /** ISO 8601 event time. */
  time: string;
  host: string | null;
  /** The fields as the rules saw them (after mappings). */
  fields: Record<string, unknown>;
  agencyId: string;
}

/** One detection (or correlation) rule matching one event. */
export interface CorrelationHit {
  ruleId: string;
  event: CorrelationHitEvent;
}

export interface CorrelationFiring {
  rule: CorrelationRule;
  /** group-by name → value. */
  groupKey: Record<string, string>;
  agencyId: string;
  /** The window's events, oldest first (for temporal types, one entry per rule and event). */
  events: { id: string; time: string; host: string | null }[];
  /** The aggregate the condition was true for (count, distinct count, rules seen, sum, average, percentile). */
  value: number;
  windowStart: string;
  windowEnd: string;
  /** Deterministic: rule, agency, group key and window start. Use it (hashed) as the alert id. */
  firingId: string;
  /**
   * Whether this firing should raise an alert. False for a correlation that only feeds another correlation (it is
   * referenced by one without `generate: true`).
   */
  alert: boolean;
}

export interface CorrelationEngineOptions {
  redis: Redis;
  rules: readonly CorrelationRule[];
  /** Prefix of every key (default `vigil:`). Keys are `<prefix>corr:{<rule tag>}:...`. */
  keyPrefix?: string;
  /** Groups tracked per rule before the stalest is evicted (default 5,000). */
  maxGroupsPerRule?: number;
  /** Events (and distinct values) kept per group window, at least; raised per rule to its count threshold + 1 (default 256). */
  maxEventsPerGroup?: number;
  /** Bucket mode: how long after a bucket's end `sweep()` waits for late events before closing it (default 60 s). */
  closeGraceMs?: number;
}

export interface CorrelationEngine {
  /** The active rules the engine runs. */
  readonly rules: readonly CorrelationRule[];
  /** Adds hits (any order; several batches may be in flight on other workers) and returns the firings they cause. */
  observe(hits: readonly CorrelationHit[]): Promise<CorrelationFiring[]>;
  /**
   * Closes the bucket-mode windows (conditions with an upper bound) whose end + grace is before `now`, and returns
   * their firings (and those of correlations they feed). Call it periodically (e.g. every 30 s) from any worker;
   * concurrent calls are safe.
   */
  sweep(now?: number | Date): Promise<CorrelationFiring[]>;
  /** The memory bound in force, per rule id. */
  bounds(): Record<string, { maxGroups: number; maxKeys: number; maxEntriesPerKey: number }>;
}

const KIND: Record<CorrelationType, string> = {
  event_count: 'ec',
  value_count: 'vc',
  temporal: 't',
  temporal_ordered: 'to',
  value_sum: 'sum',
  value_avg: 'avg',
  value_percentile: 'pct',
};
const COUNT_KINDS = new Set(['ec', 'vc', 't', 'to']);
/** Events per script call: a large batch for one group is split so one call never blocks Redis for long. */
const EVENTS_PER_CALL = 500;
/** Open buckets closed per rule and sweep call. */
const SWEEP_LIMIT = 1_000;
const COMMAND = 'vigilCorrelationUpdate';

interface Plan {
  rule: CorrelationRule;
  kind: string;
  mode: 's' | 'b';
  cap: number;
  ttl: number;
  base: string;
  groupsKey: string;
  openKey: string;
  cond: string[];
  /** Referenced rule id → 1-based index in the rules list. */
  index: Map<string, number>;
}

type Script = (...args: (string | number)[]) => Promise<unknown>;

function sha(...parts: string[]): string {
  const h = createHash('sha256');
  parts.forEach((p, i) => {
    if (i > 0) h.update('\u0000');
    h.update(p);
  });
  return h.digest('hex');
}

function lookup(fields: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(fields, name)) return fields[name];
  if (!name.includes('.')) return undefined;
  let cur: unknown = fields;
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function asText(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** The value of `name` for a hit of referenced rule `refId`, aliases resolved; null when the event lacks it. */
function valueFor(rule: CorrelationRule, refId: string, name: string, event: CorrelationHitEvent): string | null {
  const field = rule.aliases[name]?.[refId] ?? name;
  const v = asText(lookup(event.fields, field));
  if (v === null && field === 'host' && event.host) return event.host;
  return v;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function createCorrelationEngine(opts: CorrelationEngineOptions): CorrelationEngine {
  const redis = opts.redis;
  const prefix = opts.keyPrefix ?? 'vigil:';
  const maxGroups = Math.max(1, Math.floor(opts.maxGroupsPerRule ?? 5_000));
  const minCap = Math.max(1, Math.floor(opts.maxEventsPerGroup ?? 256));
  const grace = Math.max(0, opts.closeGraceMs ?? 60_000);
  const active = opts.rules.filter(isActiveCorrelation);
  const silenced = silencedRuleIds(active);

  if (typeof (redis as unknown as Record<string, unknown>)[COMMAND] !== 'function') {
    redis.defineCommand(COMMAND, { numberOfKeys: 6, lua: CORRELATION_SCRIPT });
  }
  const script: Script = (...args) => ((redis as unknown as Record<string, Script>)[COMMAND] as Script).apply(redis, args);

  const plans: Plan[] = active.map((rule) => {
    const kind = KIND[rule.type];
    const c = rule.condition;
    const upper = c.lt !== undefined || c.lte !== undefined || c.eq !== undefined || c.neq !== undefined;
    let cap = minCap;
    if (COUNT_KINDS.has(kind)) {
      const most = Math.max(0, ...[c.gt, c.gte, c.lt, c.lte, c.eq, c.neq].filter((v): v is number => v !== undefined));
      cap = Math.min(MAX_COUNT_THRESHOLD + 1, Math.max(cap, Math.ceil(most) + 1));
    }
    // The tag changes when the rule's meaning does, so a reloaded rule never reads windows built under other terms.
    const tag = sha(
      rule.id,
      rule.type,
      String(rule.timespanMs),
      JSON.stringify(c),
      JSON.stringify(rule.rules),
      JSON.stringify(rule.groupBy),
      JSON.stringify(rule.aliases),
      JSON.stringify(rule.field),
      String(rule.percentile),
    ).slice(0, 16);
    const base = `${prefix}corr:{${tag}}:`;
    return {
      rule,
      kind,
      mode: upper ? 'b' : 's',
      cap,
      ttl: 2 * rule.timespanMs + grace + 60_000,
      base,
      groupsKey: `${base}groups`,
      openKey: `${base}open`,
      cond: [c.gt, c.gte, c.lt, c.lte, c.eq, c.neq].map((v) => (v === undefined ? '' : String(v))),
      index: new Map(rule.rules.map((id, i) => [id, i + 1])),
    };
  });
  const depths = [...new Set(plans.map((p) => p.rule.depth))].sort((a, b) => a - b);

  const keysOf = (p: Plan, gid: string) => [`${p.base}${gid}:m`, `${p.base}${gid}:e`, `${p.base}${gid}:x`, `${p.base}${gid}:v`, p.groupsKey, p.openKey];

  const header = (p: Plan, gid: string, gk: string, op: 'update' | 'close', now: number) => [
    p.kind,
    p.mode,
    p.rule.timespanMs,
    p.ttl,
    p.cap,
    maxGroups,
    gid,
    p.base,
    ...p.cond,
    p.rule.rules.length,
    p.rule.percentile === null ? '' : p.rule.percentile,
    gk,
    op,
    now,
    grace,
  ];

  function toFirings(p: Plan, raw: unknown): CorrelationFiring[] {
    const out: CorrelationFiring[] = [];
    for (const f of raw as string[][]) {
      const [ws, we, value, gk] = f as [string, string, string, string];
      let key: { a: string; v: string[] } = { a: '', v: [] };
      try {
        key = JSON.parse(gk) as typeof key;
      } catch {
        // state written by a different version: reported without a group key
      }
      const groupKey: Record<string, string> = {};
      p.rule.groupBy.forEach((g, i) => (groupKey[g] = key.v[i] ?? ''));
      const events: CorrelationFiring['events'] = [];
      const temporal = p.kind === 't' || p.kind === 'to';
      for (let i = 4; i + 2 < f.length; i += 3) {
        const member = f[i]!;
        const id = temporal ? member.slice(member.indexOf(':') + 1) : member;
        events.push({ id, time: iso(Number(f[i + 1])), host: f[i + 2] ? f[i + 2]! : null });
      }
      const wsMs = Number(ws);
      out.push({
        rule: p.rule,
        groupKey,
        agencyId: key.a,
        events,
        value: Number(value),
        windowStart: iso(wsMs),
        windowEnd: iso(Number(we)),
        firingId: sha(p.rule.id, key.a, JSON.stringify(key.v), String(wsMs)).slice(0, 32),
        alert: !silenced.has(p.rule.id),
      });
    }
    return out;
  }

  interface GroupWork {
    gid: string;
    gk: string;
    events: { member: string; ts: number; ri: number; value: string; host: string }[];
  }

  async function updateRule(p: Plan, hitsByRule: ReadonlyMap<string, CorrelationHit[]>): Promise<CorrelationFiring[]> {
    const groups = new Map<string, GroupWork>();
    const temporal = p.kind === 't' || p.kind === 'to';
    for (const [refId, ri] of p.index) {
      for (const hit of hitsByRule.get(refId) ?? []) {
        const ev = hit.event;
        const ts = Date.parse(ev.time);
        if (!Number.isFinite(ts) || typeof ev.id !== 'string' || ev.id === '') continue;
        const values: string[] = [];
        let complete = true;
        for (const g of p.rule.groupBy) {
          const v = valueFor(p.rule, refId, g, ev);
          if (v === null) {
            complete = false;
            break;
          }
          values.push(v);
        }
        if (!complete) continue;
        let value = '';
        if (p.rule.field !== null) {
          const vs = p.rule.field.map((f) => valueFor(p.rule, refId, f, ev));
          if (vs.some((v) => v === null)) continue;
          if (p.kind === 'vc') value = vs.length === 1 ? vs[0]! : JSON.stringify(vs);
          else if (p.kind === 'pct' && p.rule.percentile === null) value = vs[0]!;
          else {
            const n = Number(vs[0]);
            if (vs[0]!.trim() === '' || !Number.isFinite(n)) continue;
            value = String(n);
          }
        }
        const agency = ev.agencyId ?? '';
        const gk = JSON.stringify({ a: agency, v: values });
        const gid = sha(gk).slice(0, 24);
        let g = groups.get(gid);
        if (!g) groups.set(gid, (g = { gid, gk, events: [] }));
        g.events.push({ member: temporal ? `${ri}:${ev.id}` : ev.id, ts, ri, value, host: ev.host ?? '' });
      }
    }
    if (groups.size === 0) return [];
    const ordered = [...groups.values()].sort((a, b) => (a.gid < b.gid ? -1 : a.gid > b.gid ? 1 : 0));
    const results = await Promise.all(
      ordered.map(async (g) => {
        g.events.sort((a, b) => a.ts - b.ts || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
        const firings: CorrelationFiring[] = [];
        for (let i = 0; i < g.events.length; i += EVENTS_PER_CALL) {
          const chunk = g.events.slice(i, i + EVENTS_PER_CALL);
          const args: (string | number)[] = [...keysOf(p, g.gid), ...header(p, g.gid, g.gk, 'update', 0), chunk.length];
          for (const e of chunk) args.push(e.member, e.ts, e.ri, e.value, e.host);
          firings.push(...toFirings(p, await script(...args)));
        }
        return firings;
      }),
    );
    return results.flat();
  }

  async function sweepRule(p: Plan, now: number): Promise<CorrelationFiring[]> {
    if (p.mode !== 'b') return [];
    const due = await redis.zrangebyscore(p.openKey, '-inf', now - grace, 'LIMIT', 0, SWEEP_LIMIT);
    const results = await Promise.all(due.map(async (gid) => toFirings(p, await script(...keysOf(p, gid), ...header(p, gid, '', 'close', now), 0))));
    return results.flat();
  }

  function firingAsHit(f: CorrelationFiring): CorrelationHit {
    const hosts = new Set(f.events.map((e) => e.host));
    return {
      ruleId: f.rule.id,
      event: {
        id: `correlation:${f.firingId}`,
        // When the correlated activity ended: its last event (a bucket's end can be later).
        time: f.events.length > 0 ? f.events[f.events.length - 1]!.time : f.windowEnd,
        host: hosts.size === 1 ? [...hosts][0]! : null,
        fields: { ...f.groupKey },
        agencyId: f.agencyId,
      },
    };
  }

  async function run(hits: readonly CorrelationHit[], sweepAt: number | null): Promise<CorrelationFiring[]> {
    const byRule = new Map<string, CorrelationHit[]>();
    const add = (h: CorrelationHit) => {
      let list = byRule.get(h.ruleId);
      if (!list) byRule.set(h.ruleId, (list = []));
      list.push(h);
    };
    hits.forEach(add);
    const out: CorrelationFiring[] = [];
    for (const depth of depths) {
      const level = plans.filter((p) => p.rule.depth === depth);
      const results = await Promise.all(
        level.map(async (p) => [...(sweepAt === null ? [] : await sweepRule(p, sweepAt)), ...(await updateRule(p, byRule))]),
      );
      for (const firings of results) {
        for (const f of firings) {
          out.push(f);
          add(firingAsHit(f));
        }
      }
    }
    return out;
  }

  return {
    rules: active,
    observe: (hits) => run(hits, null),
    sweep: (now) => run([], now === undefined ? Date.now() : typeof now === 'number' ? now : now.getTime()),
    bounds() {
      const out: Record<string, { maxGroups: number; maxKeys: number; maxEntriesPerKey: number }> = {};
      for (const p of plans) out[p.rule.id] = { maxGroups, maxKeys: 2 + 4 * maxGroups, maxEntriesPerKey: Math.max(p.cap, maxGroups, 8 + p.rule.rules.length + 66) };
      return out;
    },
  };
}
