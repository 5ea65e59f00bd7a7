import { createHash } from 'node:crypto';
import { extractEntities, techniquesFromTags } from '../core/detection/entities.js';
import type { DetectionSettings, YaraInForce } from '../core/detection/live-ruleset.js';
import type { EventNormalizer } from '../core/detection/mappings/index.js';
import type { Arrival } from '../core/services/absence-monitor.js';
import type { CompiledRule, MatchableEvent } from '../core/detection/rule.js';
import { scanEvents } from '../core/detection/yara/index.js';
import {
  asCompiledRule,
  type CorrelationEngine,
  type CorrelationFiring,
  type CorrelationHit,
} from '../core/detection/correlation/index.js';
import type { StoredEvent } from '../core/domain/event.js';
import type { AlertEvent, Entities, Incident } from '../core/domain/types.js';
import type { Logger } from '../core/logging/logger.js';
import type { EventBatchJob } from '../core/queues/events-queue.js';
import type { Storage } from '../core/storage/storage.port.js';

/** Up to this many triggering events are copied into an alert for display; all their ids are kept. */
const EVENTS_KEPT_PER_ALERT = 5;
const EVENT_IDS_KEPT_PER_ALERT = 1000;

export interface Matcher {
  match(event: MatchableEvent): CompiledRule[];
}

export type PublishIncident = (kind: 'new' | 'updated', incident: Incident) => void;

export interface BatchResult {
  events: number;
  matched: number;
  alerts: number;
  incidentsCreated: number;
  incidentsUpdated: number;
  duplicates: number;
  /** Events the matcher threw on: logged and skipped, never allowed to stop the batch. */
  failedEvents: number;
  /** Matches dropped because the rule is switched off or an exception covers the event. */
  suppressed: number;
  /** Events alerted per rule id in this batch (for the rules page's hit counts). */
  ruleHits: Record<string, number>;
}

interface Group {
  rule: CompiledRule;
  key: string;
  host: string | null;
  events: StoredEvent[];
  /** The fields of each event as the rules saw them (after mapping), for entity extraction. */
  mappedFields: Record<string, unknown>[];
}

/** One alert to record: a rule's hits in a batch, or a correlation firing. */
interface AlertPlan {
  rule: CompiledRule;
  alertId: string;
  groupKey: string;
  host: string | null;
  entities: Entities;
  eventCount: number;
  eventIds: string[];
  events: AlertEvent[];
  firstEventAt: string;
  lastEventAt: string;
}

const displayEvent = (e: StoredEvent): AlertEvent => ({ id: e.id, time: e.time, host: e.host, logsource: e.logsource, fields: e.fields });

/**
 * A correlation firing as an alert. Its id comes from the firing (rule, group, window), not the batch, so the
 * same window firing again through another worker or a retry is recorded once.
 */
function planForFiring(f: CorrelationFiring, batch: Pick<EventBatchJob, 'events'>): AlertPlan {
  const rule = asCompiledRule(f.rule);
  const inBatch = new Map(batch.events.map((e) => [e.id, e]));
  const hosts = new Set(f.events.map((e) => e.host));
  const times = f.events.map((e) => e.time).sort();
  const events = f.events.slice(0, EVENTS_KEPT_PER_ALERT).map((e) => {
    const full = inBatch.get(e.id);
    return full ? displayEvent(full) : { id: e.id, time: e.time, host: e.host, logsource: {}, fields: {} };
  });
  const groupKeyParts = [rule.id, f.agencyId, ...rule.groupBy.map((g) => f.groupKey[g] ?? '')];
  return {
    rule,
    alertId: createHash('sha256').update('correlation\0').update(f.firingId).digest('hex').slice(0, 32),
    groupKey: createHash('sha256').update(groupKeyParts.join('|')).digest('hex').slice(0, 32),
    host: hosts.size === 1 ? [...hosts][0]! : null,
    entities: extractEntities([...events, { host: null, fields: f.groupKey }]),
    eventCount: f.events.length,
    eventIds: f.events.slice(0, EVENT_IDS_KEPT_PER_ALERT).map((e) => e.id),
    events,
    firstEventAt: times[0] ?? f.windowStart,
    lastEventAt: times[times.length - 1] ?? f.windowEnd,
  };
}

function groupValue(fields: Record<string, unknown>, name: string): string {
  const v = fields[name];
  return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

type RecorderDeps = { storage: Pick<Storage, 'incidents'>; suppressionMs: number };

function recordPlan(deps: RecorderDeps, plan: AlertPlan, agencyId: string, agentId: string, now: string) {
  return deps.storage.incidents.recordAlert({
    alertId: plan.alertId,
    groupKey: plan.groupKey,
    suppressionMs: plan.rule.suppressionMs ?? deps.suppressionMs,
    ruleId: plan.rule.id,
    ruleTitle: plan.rule.title,
    level: plan.rule.level,
    category: plan.rule.category,
    techniques: techniquesFromTags(plan.rule.tags),
    tags: plan.rule.tags,
    ruleAuthor: plan.rule.author,
    ruleReferences: plan.rule.references,
    ruleFalsepositives: plan.rule.falsepositives,
    agencyId,
    agentId,
    host: plan.host,
    entities: plan.entities,
    eventCount: plan.eventCount,
    eventIds: plan.eventIds,
    events: plan.events,
    firstEventAt: plan.firstEventAt,
    lastEventAt: plan.lastEventAt,
    now,
  });
}

/**
 * Turns one queued batch into alerts and incidents. Alert ids derive from the job id, so a batch processed twice
 * (a worker crashed after storing but before acknowledging) changes nothing the second time.
 */
export function createBatchProcessor(deps: {
  storage: Pick<Storage, 'incidents'>;
  matcher: () => Matcher;
  /** Source-shape mappings applied before matching; events no mapping covers pass through unchanged. */
  normalizer?: () => Pick<EventNormalizer, 'normalize'>;
  /** YARA rules in force, if any: they scan payloads and configured fields of the whole batch at once. */
  yara?: () => YaraInForce | null;
  /** Rules switched off and analyst exceptions; applied before any alert is raised. */
  settings?: () => DetectionSettings;
  /** Correlation rules over time windows kept in Redis, and the rules that only feed them. */
  correlation?: () => { engine: CorrelationEngine; silenced: ReadonlySet<string> } | null;
  /** Absence rules: arrivals of their expected events are recorded; rules only they use raise nothing themselves. */
  absence?: () => { expectedBy: ReadonlyMap<string, readonly string[]>; silenced: ReadonlySet<string>; record(a: Arrival[]): Promise<void> } | null;
  publish: PublishIncident;
  suppressionMs: number;
  logger: Logger;
}) {
  return async function processBatch(jobId: string, batch: EventBatchJob): Promise<BatchResult> {
    const matcher = deps.matcher();
    const groups = new Map<string, Group>();
    const result: BatchResult = {
      events: batch.events.length,
      matched: 0,
      alerts: 0,
      incidentsCreated: 0,
      incidentsUpdated: 0,
      duplicates: 0,
      failedEvents: 0,
      suppressed: 0,
      ruleHits: {},
    };
    const settings = deps.settings?.();

    const correlation = deps.correlation?.() ?? null;
    const absence = deps.absence?.() ?? null;
    const arrivals: Arrival[] = [];
    const corrHits: CorrelationHit[] = [];
    const hitEvents = new Set<StoredEvent>();
    const normalizer = deps.normalizer?.();
    // `fields` is what rules and exceptions saw (mapped to Sigma names); the stored event keeps what the agent sent.
    const addHit = (rule: CompiledRule, event: StoredEvent, fields: Record<string, unknown> = event.fields) => {
      if (
        settings &&
        (settings.disabledRuleIds.has(rule.id) || settings.isExcepted(rule, { fields, agencyId: event.agencyId }, event.host))
      ) {
        result.suppressed++;
        return;
      }
      hitEvents.add(event);
      const expectedBy = absence?.expectedBy.get(rule.id);
      if (expectedBy) {
        const timeMs = Date.parse(event.time);
        for (const ruleId of expectedBy) arrivals.push({ ruleId, agencyId: event.agencyId, host: event.host, timeMs });
      }
      if (correlation) {
        corrHits.push({ ruleId: rule.id, event: { id: event.id, time: event.time, host: event.host, fields, agencyId: event.agencyId } });
      }
      // A rule that only feeds correlations or absence rules (`generate: false`) raises no alert of its own.
      if (correlation?.silenced.has(rule.id) || absence?.silenced.has(rule.id)) return;
      const parts = [rule.id, batch.agencyId, event.host ?? ''];
      for (const f of rule.groupBy) parts.push(groupValue(event.fields, f));
      const key = parts.join('|');
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { rule, key, host: event.host, events: [], mappedFields: [] }));
      g.events.push(event);
      g.mappedFields.push(fields);
    };

    for (const event of batch.events) {
      let hits: CompiledRule[];
      let view: MatchableEvent = { logsource: event.logsource, fields: event.fields };
      try {
        if (normalizer) view = normalizer.normalize(view);
        hits = matcher.match(view);
      } catch (err) {
        result.failedEvents++;
        deps.logger.warn({ err, jobId, eventId: event.id }, 'event could not be matched; skipped');
        continue;
      }
      for (const rule of hits) addHit(rule, event, view.fields);
    }

    const yara = deps.yara?.();
    if (yara) {
      try {
        scanEvents(yara.engine, batch.events).forEach((eventHits, i) => {
          for (const hit of eventHits) {
            const rule = yara.rulesByName.get(hit.rule);
            if (rule) addHit(rule, batch.events[i]!);
          }
        });
      } catch (err) {
        // Sigma alerts of this batch still go out; the YARA failure is logged for the operator.
        deps.logger.error({ err, jobId }, 'YARA scan failed for this batch');
      }
    }
    result.matched = hitEvents.size;

    const plans: AlertPlan[] = [...groups.values()].map((g) => {
      const times = g.events.map((e) => e.time).sort();
      return {
        rule: g.rule,
        alertId: createHash('sha256').update(jobId).update('\0').update(g.key).digest('hex').slice(0, 32),
        groupKey: createHash('sha256').update(g.key).digest('hex').slice(0, 32),
        host: g.host,
        entities: extractEntities(g.events.map((e, i) => ({ host: e.host, fields: g.mappedFields[i]! }))),
        eventCount: g.events.length,
        eventIds: g.events.slice(0, EVENT_IDS_KEPT_PER_ALERT).map((e) => e.id),
        events: g.events.slice(0, EVENTS_KEPT_PER_ALERT).map(displayEvent),
        firstEventAt: times[0]!,
        lastEventAt: times[times.length - 1]!,
      };
    });

    // Errors propagate here too: a retried batch records the same arrivals again, which changes nothing.
    if (absence) await absence.record(arrivals);

    if (correlation && corrHits.length) {
      // Errors propagate: BullMQ retries the batch, and the engine ignores events it has already counted.
      const firings = await correlation.engine.observe(corrHits);
      for (const f of firings) {
        if (!f.alert || settings?.disabledRuleIds.has(f.rule.id)) continue;
        plans.push(planForFiring(f, batch));
      }
    }

    const now = new Date().toISOString();
    for (const plan of plans) {
      const r = await recordPlan(deps, plan, batch.agencyId, batch.agentId, now);
      if (r.duplicate) {
        result.duplicates++;
        continue;
      }
      result.alerts++;
      result.ruleHits[plan.rule.id] = (result.ruleHits[plan.rule.id] ?? 0) + plan.eventCount;
      if (r.created) result.incidentsCreated++;
      else result.incidentsUpdated++;
      deps.publish(r.created ? 'new' : 'updated', r.incident);
    }
    return result;
  };
}

/** Who raised an alert no agent's batch carried: a correlation window closed by the clock. */
export const SWEEP_AGENT_ID = 'vigil:correlation';

/**
 * Closes correlation windows whose outcome is only known at their end (conditions with an upper bound: lt, lte, eq,
 * neq, ranges) and records their firings. Any number of workers may sweep at once: the engine hands each closed
 * window to one caller, and an alert's id comes from its firing, so a repeat is recorded once.
 */
export function createCorrelationSweeper(deps: {
  storage: Pick<Storage, 'incidents'>;
  correlation: () => { engine: CorrelationEngine } | null;
  settings?: () => DetectionSettings;
  publish: PublishIncident;
  suppressionMs: number;
}) {
  return async function sweep(at: Date = new Date()): Promise<{ firings: number; alerts: number; byAgency: Map<string, number> }> {
    const correlation = deps.correlation();
    const out = { firings: 0, alerts: 0, byAgency: new Map<string, number>() };
    if (!correlation) return out;
    const firings = await correlation.engine.sweep(at);
    const disabled = deps.settings?.().disabledRuleIds;
    const now = new Date().toISOString();
    for (const f of firings) {
      out.firings++;
      if (!f.alert || disabled?.has(f.rule.id)) continue;
      const r = await recordPlan(deps, planForFiring(f, { events: [] }), f.agencyId, SWEEP_AGENT_ID, now);
      if (r.duplicate) continue;
      out.alerts++;
      out.byAgency.set(f.agencyId, (out.byAgency.get(f.agencyId) ?? 0) + 1);
      deps.publish(r.created ? 'new' : 'updated', r.incident);
    }
    return out;
  };
}
